import { describe, expect, it } from "vitest";
import { ObjectsStore } from "./objects-store.ts";

const source = { changeSource: "CRM_UI" as const, sourceId: "userId:1" };

describe("HubSpot emulator: lookups by value", () => {
  it("follows every write: a changed value is found under the new one only, an archived object only when asked", () => {
    const store = new ObjectsStore();
    const { object: first } = store.create("tasks", { lead_follow_up_key: "k1" }, source, 1);
    // The index is built by the first lookup and kept current afterwards.
    expect(store.findBy("tasks", "lead_follow_up_key", "k1")?.id).toBe(first.id);
    const { object: second } = store.create("tasks", { lead_follow_up_key: "k2" }, source, 2);
    expect(store.findBy("tasks", "lead_follow_up_key", "k2")?.id).toBe(second.id);

    store.update(first, { lead_follow_up_key: "k3" }, source, 3);
    expect(store.findBy("tasks", "lead_follow_up_key", "k1")).toBeUndefined();
    expect(store.findBy("tasks", "lead_follow_up_key", "k3")?.id).toBe(first.id);

    store.archive(second, 4);
    expect(store.findBy("tasks", "lead_follow_up_key", "k2")).toBeUndefined();
    expect(store.findBy("tasks", "lead_follow_up_key", "k2", true)?.id).toBe(second.id);

    store.reset();
    expect(store.findBy("tasks", "lead_follow_up_key", "k3")).toBeUndefined();
  });

  it("compares emails case-insensitively, like HubSpot", () => {
    const store = new ObjectsStore();
    const { object } = store.create("contacts", { email: "Ada@Example.com" }, source, 1);
    expect(store.findBy("contacts", "email", "ada@EXAMPLE.com")?.id).toBe(object.id);
  });
});
