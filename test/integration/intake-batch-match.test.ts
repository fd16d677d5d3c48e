import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { processSubmissions } from "../../src/intake/process-submissions";
import type { SubmissionMessage } from "../../src/intake/submission-queue";
import { portsFor } from "../../src/ports";
import { hubspotEmulator } from "../support/emulators";
import { DEMO, intakeHarness } from "../support/intake";
import { admin } from "../support/rule-flows";

/** Leads arriving together share one match read: a batch of submissions reads its people with one HubSpot call. */
const run = Date.now().toString(36);
// Stored, not queued: the test hands them to the consumer as one batch. (Queued, the Worker's own
// consumer would process them too, at once, beside the test's batch.)
const notQueued = { send: async () => {}, sendBatch: async () => {} };
const harness = intakeHarness({ bindings: { PAUSE_INTAKE_PROCESSING: "true", SUBMISSIONS: notQueued } });

beforeAll(async () => {
  const setup = (await (await admin("/admin/crm/setup", { method: "POST" })).json()) as any;
  expect(setup.hubspotProductProperties.ok).toBe(true);
});

describe("a batch of submissions", () => {
  it("reads its people with one call, and each is processed", { timeout: 30_000 }, async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await harness.post("demo", { ...DEMO, email: `batch.${run}.${i}@northwind.example` });
      expect(response.status).toBe(202);
      ids.push(((await response.json()) as { submissionId: string }).submissionId);
    }
    await hubspotEmulator.clearCalls();
    const acked: string[] = [];
    const batch = {
      queue: "lead-follow-up-submissions",
      messages: ids.map((submissionId) => ({
        id: submissionId,
        timestamp: new Date(),
        attempts: 1,
        body: { submissionId },
        ack: () => acked.push(submissionId),
        retry: () => {},
      })),
    } as unknown as MessageBatch<SubmissionMessage>;
    await processSubmissions(batch, env, portsFor(env));
    expect(acked).toEqual(ids);
    const reads = ((await hubspotEmulator.calls()) as { path: string; batchSize?: number }[]).filter((c) => c.path.endsWith("/contacts/batch/read"));
    expect(reads.map((c) => c.batchSize)).toEqual([3]);
  });
});
