import type { WebhookOutbox } from "../shared/webhook-outbox.ts";
import type { EmulatorRequest, EmulatorResponse, EmulatorServer, Handler } from "../shared/server.ts";
import { type ChangeEvent, MAX_EVENTS_PER_DELIVERY } from "./cdc.ts";
import { LATEST_VERSION, type SalesforceContext, uiActor } from "./context.ts";
import { notFound, restError, type SaveResult, saveErrorsAsRest } from "./errors.ts";
import type { Transaction } from "./store.ts";
import { signStandardWebhook } from "./webhook-signing.ts";
import { restRecord } from "./wire.ts";

export interface ControlOptions {
  outbox: WebhookOutbox<ChangeEvent>;
  webhookSecret?: string;
  now: () => number;
}

/**
 * /_emulator/… routes: a human editing records in the Salesforce UI (changes that arrive as
 * change events from someone other than the integration user), record and webhook inspection.
 */
export function registerControlRoutes(server: EmulatorServer, ctx: SalesforceContext, options: ControlOptions): void {
  const { store, schema } = ctx;
  const control = (method: string, pattern: string, handler: Handler) => server.route({ method, pattern, handler, control: true });

  const asHuman = (req: EmulatorRequest, okStatus: number, work: (tx: Transaction, type: string) => SaveResult): EmulatorResponse => {
    const def = schema.get(req.params.sobject ?? "");
    if (!def) return notFound();
    // ?at=<ISO instant>: the change was made then (records last modified in the past, for reads by LastModifiedDate).
    const at = req.query.get("at");
    const when = at === null ? undefined : Date.parse(at);
    if (when !== undefined && Number.isNaN(when)) return restError(400, "INVALID_FIELD", `at: ${at} is not an instant`);
    const tx = store.begin(uiActor(ctx, req), when);
    const result = work(tx, def.name);
    if (!result.success) {
      store.rollback(tx);
      const missing = result.errors.some((e) => e.statusCode === "NOT_FOUND" || e.statusCode === "ENTITY_IS_DELETED");
      return saveErrorsAsRest(missing ? 404 : 400, result.errors);
    }
    store.commit(tx);
    return { status: okStatus, body: result };
  };
  const fieldsOf = (req: EmulatorRequest) => (req.body && typeof req.body === "object" ? (req.body as Record<string, unknown>) : {});

  control("POST", "/_emulator/ui/:sobject", (req) => asHuman(req, 201, (tx, type) => store.create(tx, type, fieldsOf(req))));
  control("PATCH", "/_emulator/ui/:sobject/:id", (req) => asHuman(req, 200, (tx, type) => store.update(tx, type, req.params.id!, fieldsOf(req))));
  control("DELETE", "/_emulator/ui/:sobject/:id", (req) => asHuman(req, 200, (tx, type) => store.remove(tx, type, req.params.id!)));
  control("POST", "/_emulator/ui/:sobject/:id/undelete", (req) => asHuman(req, 200, (tx) => store.undelete(tx, req.params.id!)));

  control("GET", "/_emulator/records/:sobject", (req) => {
    const def = schema.get(req.params.sobject ?? "");
    if (!def) return notFound();
    return { status: 200, body: store.list(def.name, true).map((r) => restRecord(def, r.fields, LATEST_VERSION)) };
  });

  control("GET", "/_emulator/webhooks", () => ({ status: 200, body: options.outbox.drain() }));

  // For tests that feed the Worker themselves: pending events as the forwarder would send them.
  control("GET", "/_emulator/webhooks/signed", () => {
    if (!options.webhookSecret) return restError(409, "NOT_CONFIGURED", "start the emulator with webhookSecret to sign deliveries");
    const events = options.outbox.drain();
    const deliveries = [];
    for (let i = 0; i < events.length; i += MAX_EVENTS_PER_DELIVERY) {
      deliveries.push(signStandardWebhook(options.webhookSecret, JSON.stringify(events.slice(i, i + MAX_EVENTS_PER_DELIVERY)), options.now()));
    }
    return { status: 200, body: deliveries };
  });

  control("GET", "/_emulator/usage", () => ({ status: 200, body: { used: ctx.usage.used(), limit: ctx.usage.limit } }));
}
