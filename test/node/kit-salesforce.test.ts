import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApexErrorListener, ApexParserFactory } from "@apexdevtools/apex-parser";
import { XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SALESFORCE_RECORD_TYPES } from "../../src/crm/salesforce-picklists.ts";
import { apexSources, filesUnder, METADATA_NS, REPO, readMetadata, SALESFORCE, SOURCE, text } from "./kit/salesforce-project.ts";

// The Salesforce CLI's own converter (what `sf project deploy start` runs before it deploys), offline.
process.env.SF_DISABLE_LOG_FILE = "true";
const { ComponentSet, MetadataConverter } = await import("@salesforce/source-deploy-retrieve");

/** Root element of each metadata file, by the file's suffix (Metadata API Developer Guide). */
const ROOT_BY_SUFFIX: Record<string, string> = {
  "cls-meta.xml": "ApexClass",
  "trigger-meta.xml": "ApexTrigger",
  "field-meta.xml": "CustomField",
  "object-meta.xml": "CustomObject",
  "externalCredential-meta.xml": "ExternalCredential",
  "namedCredential-meta.xml": "NamedCredential",
  "permissionset-meta.xml": "PermissionSet",
  "platformEventChannelMember-meta.xml": "PlatformEventChannelMember",
  "platformEventSubscriberConfig-meta.xml": "PlatformEventSubscriberConfig",
};
const suffixOf = (file: string) => file.slice(file.indexOf(".", file.lastIndexOf("/")) + 1);
const metaFiles = filesUnder(SOURCE).filter((f) => f.endsWith("-meta.xml"));
const apex = apexSources();
const project = JSON.parse(readFileSync(join(SALESFORCE, "sfdx-project.json"), "utf8"));
const apexConstant = (name: string) =>
  Number(new RegExp(`${name}\\s*=\\s*(\\d+)`).exec(apex.find((a) => a.name === "LeadFollowUpForwarder")!.source)?.[1]);

describe("salesforce/ is an SFDX project sf project deploy start can deploy", () => {
  it("every -meta.xml is well-formed metadata of the type its suffix names, children in Salesforce's order", () => {
    expect(metaFiles.length).toBeGreaterThan(20);
    for (const file of metaFiles) {
      expect(XMLValidator.validate(readFileSync(join(SOURCE, file), "utf8")), file).toBe(true);
      const { root, xmlns, body } = readMetadata(file);
      expect([file, root, xmlns]).toEqual([file, ROOT_BY_SUFFIX[suffixOf(file)], METADATA_NS]);
      // As Salesforce writes them on retrieve: fullName first, then alphabetical.
      const names = Object.keys(body).filter((n) => n !== "fullName");
      expect(names, file).toEqual([...names].sort());
    }
  });

  it("has a -meta.xml beside every Apex source, and only files the CLI knows", () => {
    for (const file of filesUnder(SOURCE).filter((f) => /\.(cls|trigger)$/.test(f))) {
      expect(metaFiles, file).toContain(`${file}-meta.xml`);
    }
    const components = ComponentSet.fromSource(join(SALESFORCE, "force-app"));
    const claimed = new Set(
      components
        .getSourceComponents()
        .toArray()
        .flatMap((c) => [c.xml, ...c.walkContent(), c.content].filter((p): p is string => typeof p === "string")),
    );
    const unclaimed = filesUnder(SOURCE).filter((f) => !claimed.has(join(SOURCE, f)));
    expect(unclaimed).toEqual([]);
  });

  it("builds every Apex file at the project's API version (test/integration/kit-contract.test.ts: the Worker's)", () => {
    expect(project.packageDirectories).toEqual([{ path: "force-app", default: true }]);
    for (const file of metaFiles.filter((f) => /\.(cls|trigger)-meta\.xml$/.test(f))) {
      const { body } = readMetadata(file);
      expect([file, text(body, "apiVersion"), text(body, "status")]).toEqual([file, project.sourceApiVersion, "Active"]);
    }
  });

  it("commits no signing secret: the custom metadata record is the admin's to create", () => {
    const tracked = execFileSync("git", ["ls-files", "salesforce"], { cwd: REPO, encoding: "utf8" }).split("\n");
    expect(tracked.filter((f) => f.includes("/customMetadata/") || f.endsWith(".md-meta.xml"))).toEqual([]);
    const type = readMetadata("objects/Lead_Follow_Up_Setting__mdt/Lead_Follow_Up_Setting__mdt.object-meta.xml").body;
    expect(text(type, "visibility")).toBe("Protected");
    const secret = readMetadata("objects/Lead_Follow_Up_Setting__mdt/fields/Signing_Secret__c.field-meta.xml").body;
    expect([text(secret, "type"), Number(text(secret, "length")) >= 50]).toEqual(["Text", true]);
    expect(readFileSync(join(REPO, ".gitignore"), "utf8")).toContain("salesforce/force-app/main/default/customMetadata/");
  });
});

describe("deploying: the CLI converts the project with the admin's Worker URL and run-as user", () => {
  const out = mkdtempSync(join(tmpdir(), "kit-salesforce-"));
  const saved = { ...process.env };
  beforeAll(() => {
    process.env.SF_APPLY_REPLACEMENTS_ON_CONVERT = "true";
  });
  afterAll(() => {
    process.env = saved;
    rmSync(out, { recursive: true, force: true });
  });

  const convert = async (dir: string) => {
    const components = ComponentSet.fromSource(join(SALESFORCE, "force-app"));
    components.projectDirectory = SALESFORCE;
    await new MetadataConverter().convert(components, "metadata", { type: "directory", outputDirectory: dir, genUniqueDir: false });
  };

  it("puts LEAD_FOLLOW_UP_WORKER_URL in the Named Credential and LEAD_FOLLOW_UP_RUN_AS in each trigger's config", async () => {
    process.env.LEAD_FOLLOW_UP_WORKER_URL = "https://leads.acme.example";
    process.env.LEAD_FOLLOW_UP_RUN_AS = "integration@acme.example";
    await convert(join(out, "ok"));
    const credential = readFileSync(join(out, "ok/namedCredentials/LeadFollowUp.namedCredential"), "utf8");
    expect(credential).toContain("<parameterValue>https://leads.acme.example</parameterValue>");
    for (const sobject of Object.values(SALESFORCE_RECORD_TYPES)) {
      const config = readFileSync(
        join(out, `ok/PlatformEventSubscriberConfigs/${sobject}ChangeEventTriggerConfig.platformEventSubscriberConfig`),
        "utf8",
      );
      expect(config).toContain("<user>integration@acme.example</user>");
      expect(config).toContain(`<platformEventConsumer>${sobject}ChangeEventTrigger</platformEventConsumer>`);
    }
    const manifest = readFileSync(join(out, "ok/package.xml"), "utf8");
    for (const type of Object.values(ROOT_BY_SUFFIX)) expect(manifest).toContain(`<name>${type}</name>`);
  });

  it("refuses to deploy without them, naming the variable", async () => {
    delete process.env.LEAD_FOLLOW_UP_WORKER_URL;
    process.env.LEAD_FOLLOW_UP_RUN_AS = "integration@acme.example";
    await expect(convert(join(out, "no-url"))).rejects.toThrow(/LEAD_FOLLOW_UP_WORKER_URL/);
  });
});

/** Syntax errors the Apex grammar (apex-dev-tools, written to match the platform compiler) finds. */
function apexSyntaxErrors(file: string): string[] {
  const errors: string[] = [];
  const listener = new (class extends ApexErrorListener {
    apexSyntaxError(line: number, column: number, message: string) {
      errors.push(`${file}:${line}:${column} ${message.slice(0, 120)}`);
    }
  })();
  const { parser } = ApexParserFactory.createLexerAndParser(readFileSync(join(SOURCE, file), "utf8"), listener);
  if (file.endsWith(".trigger")) parser.triggerUnit();
  else parser.compilationUnit();
  return errors;
}

describe("the forwarder and its triggers", () => {
  it("parse as Apex", () => {
    const sources = filesUnder(SOURCE).filter((f) => /\.(cls|trigger)$/.test(f));
    expect(sources.length).toBe(5);
    expect(sources.flatMap(apexSyntaxErrors)).toEqual([]);
    // ANTLR's parser warms up slowly (seconds on a loaded machine): a parse, not a timed test.
  }, 120_000);

  const forwarder = apex.find((a) => a.name === "LeadFollowUpForwarder")!;
  const tests = apex.filter((a) => a.isTest);

  it("has a trigger, a CDC selection and a run-as config for every record type the kit follows", () => {
    const triggers = apex.filter((a) => a.kind === "trigger");
    expect(triggers.map((t) => t.on).sort()).toEqual(
      Object.values(SALESFORCE_RECORD_TYPES)
        .map((s) => `${s}ChangeEvent`)
        .sort(),
    );
    for (const trigger of triggers) {
      expect(trigger.source, trigger.name).toMatch(/\(\s*after\s+insert\s*\)/i);
      expect(trigger.source, trigger.name).toContain("LeadFollowUpForwarder.forward(Trigger.new)");
      const member = readMetadata(`platformEventChannelMembers/ChangeEvents_${trigger.on}.platformEventChannelMember-meta.xml`).body;
      expect([text(member, "eventChannel"), text(member, "selectedEntity")]).toEqual(["ChangeEvents", trigger.on]);
      const config = readMetadata(`PlatformEventSubscriberConfigs/${trigger.name}Config.platformEventSubscriberConfig-meta.xml`).body;
      expect(text(config, "platformEventConsumer")).toBe(trigger.name);
      // At most one request's worth of events reaches the trigger at once, within synchronous heap limits.
      expect(Number(text(config, "batchSize"))).toBe(apexConstant("MAX_EVENTS_PER_REQUEST"));
    }
  });

  it("every trigger and class is exercised by a test class: triggers by real change events", () => {
    expect(tests.length).toBeGreaterThan(0);
    const testSource = tests.map((t) => t.source).join("\n");
    for (const unit of apex.filter((a) => !a.isTest)) {
      if (unit.kind === "class") {
        expect(testSource, unit.name).toMatch(new RegExp(`\\b${unit.name}\\b`));
        continue;
      }
      // Production deploys need every trigger covered: the test must fire its sObject's change events.
      const sobject = unit.on!.replace(/ChangeEvent$/, "");
      const firing = tests.find(
        (t) =>
          t.source.includes("Test.enableChangeDataCapture()") &&
          t.source.includes("Test.getEventBus().deliver()") &&
          new RegExp(`\\binsert\\s+(new\\s+)?${sobject}\\b|\\bnew\\s+${sobject}\\s*\\(`).test(t.source),
      );
      expect(firing?.name, `${unit.name}: no test class inserts a ${sobject} with change data capture on`).toBeDefined();
    }
  });

  it("posts to the Named Credential's /webhooks/salesforce, through the external credential the permission set grants", () => {
    expect(forwarder.source).toContain("'callout:LeadFollowUp/webhooks/salesforce'");
    const credential = readMetadata("namedCredentials/LeadFollowUp.namedCredential-meta.xml").body;
    const parameters = credential.namedCredentialParameters as Record<string, string[]>[];
    expect(parameters.find((p) => p.parameterType?.[0] === "Url")?.parameterValue?.[0]).toBe(
      project.replacements.find((r: { replaceWithEnv: string }) => r.replaceWithEnv === "LEAD_FOLLOW_UP_WORKER_URL").stringToReplace,
    );
    const externalCredential = parameters.find((p) => p.parameterType?.[0] === "Authentication")?.externalCredential?.[0];
    expect(externalCredential).toBe("LeadFollowUp");
    const principal = (
      readMetadata(`externalCredentials/${externalCredential}.externalCredential-meta.xml`).body.externalCredentialParameters as Record<
        string,
        string[]
      >[]
    ).find((p) => p.parameterType?.[0] === "NamedPrincipal")!;
    const permissionSet = readMetadata("permissionsets/Lead_Follow_Up_Integration.permissionset-meta.xml").body;
    expect(
      (permissionSet.externalCredentialPrincipalAccesses as Record<string, string[]>[]).map((a) => [
        a.externalCredentialPrincipal?.[0],
        a.enabled?.[0],
      ]),
    ).toEqual([[`${externalCredential}-${principal.parameterGroup![0]}`, "true"]]);
    expect((permissionSet.classAccesses as Record<string, string[]>[]).map((a) => [a.apexClass?.[0], a.enabled?.[0]])).toEqual([
      ["LeadFollowUpForwarder", "true"],
    ]);
  });
});
