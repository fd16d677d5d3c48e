const fake: any = { prepare: (s: string) => ({ bind: (...p: unknown[]) => ({ s, p }) }), batch: async (st: any[]) => { for (const x of st) console.log(x.s, "\n  ", JSON.stringify(x.p).slice(0, 300)); return st.map(() => ({ results: [], meta: {} })); } };
const { insertEffects, recordOutcomes } = await import("./src/storage/effects.ts");
const { recordFacts } = await import("./src/storage/facts.ts");
await insertEffects(fake, [{ idempotencyKey: "k", leadKey: "l", rule: "r", effect: { type: "notifySlack", channel: "c", text: "t" } as any }], new Date(0));
await insertEffects(fake, [{ idempotencyKey: "k", leadKey: "l", rule: "r", effect: { type: "notifySlack", channel: "c", text: "t" } as any }], new Date(0), { reviveDead: true });
await recordOutcomes(fake, [{ id: "a", status: "done", attempts: 1 } as any], new Date(0));
await recordFacts(fake, [{ key: "k", kind: "x", at: "2020-01-01T00:00:00Z", recordKey: "r", crm: "hubspot", objectType: "contact" } as any]);
