import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { XMLParser } from "fast-xml-parser";

/** Reading salesforce/ the way the tests need it: files, parsed metadata, Apex sources. */
export const REPO = join(import.meta.dirname, "../../..");
export const SALESFORCE = join(REPO, "salesforce");
export const SOURCE = join(SALESFORCE, "force-app/main/default");
export const METADATA_NS = "http://soap.sforce.com/2006/04/metadata";

export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (_name, path) => String(path).split(".").length >= 2 });

/** A metadata file's root element name and its children (every child element as an array of values). */
export function readMetadata(path: string): { root: string; xmlns: string; body: Record<string, unknown[]> } {
  const document = parser.parse(readFileSync(join(SOURCE, path), "utf8")) as Record<string, Record<string, unknown>>;
  const root = Object.keys(document).find((k) => k !== "?xml")!;
  const { "@_xmlns": xmlns, ...body } = document[root]!;
  return { root, xmlns: String(xmlns), body: body as Record<string, unknown[]> };
}

/** The single text value of a child element ("" when absent). */
export function text(body: Record<string, unknown[]>, name: string): string {
  const value = body[name]?.[0];
  return value === undefined ? "" : String(value);
}

export interface CustomFieldDefinition {
  sobject: string;
  name: string;
  body: Record<string, unknown[]>;
}

/** Custom fields in objects/<SObject>/fields/<Field>.field-meta.xml. */
export function customFields(): CustomFieldDefinition[] {
  return filesUnder(join(SOURCE, "objects"))
    .filter((f) => f.endsWith(".field-meta.xml"))
    .map((f) => {
      const [sobject, , file] = f.split("/");
      return { sobject: sobject!, name: file!.replace(".field-meta.xml", ""), body: readMetadata(`objects/${f}`).body };
    });
}

/** Field-level security the permission set grants: "Lead.Lead_Score__c" → { readable, editable }. */
export function fieldPermissions(permissionSet = "Lead_Follow_Up_Integration"): Map<string, { readable: boolean; editable: boolean }> {
  const { body } = readMetadata(`permissionsets/${permissionSet}.permissionset-meta.xml`);
  return new Map(
    (body.fieldPermissions as Record<string, string[]>[]).map((p) => [
      p.field![0]!,
      { readable: p.readable![0] === "true", editable: p.editable![0] === "true" },
    ]),
  );
}

export interface ApexSource {
  name: string;
  kind: "class" | "trigger";
  source: string;
  isTest: boolean;
  /** For triggers: the event sObject ("LeadChangeEvent"). */
  on?: string;
}

/** Apex classes and triggers, with comments removed so a name in a comment does not count as use. */
export function apexSources(): ApexSource[] {
  const strip = (s: string) => s.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  const classes = filesUnder(join(SOURCE, "classes"))
    .filter((f) => f.endsWith(".cls"))
    .map((f): ApexSource => {
      const source = strip(readFileSync(join(SOURCE, "classes", f), "utf8"));
      return { name: f.replace(/\.cls$/, ""), kind: "class", source, isTest: /@IsTest\s+(private|public)\s+class/i.test(source) };
    });
  const triggers = filesUnder(join(SOURCE, "triggers"))
    .filter((f) => f.endsWith(".trigger"))
    .map((f): ApexSource => {
      const source = strip(readFileSync(join(SOURCE, "triggers", f), "utf8"));
      const on = /^\s*trigger\s+\w+\s+on\s+(\w+)\s*\(/i.exec(source)?.[1];
      return { name: f.replace(/\.trigger$/, ""), kind: "trigger", source, isTest: false, on };
    });
  return [...classes, ...triggers];
}
