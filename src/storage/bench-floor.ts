import { sql } from "drizzle-orm";
import { compiled } from "./orm";
import { benchFloor } from "./schema";

/** The least a form's answer must write: one counted row, built once like the intake route's statements. */
const countWrite = compiled<Record<string, never>>((q) =>
  q
    .insert(benchFloor)
    .values({ id: 1, writes: 1 })
    .onConflictDoUpdate({ target: benchFloor.id, set: { writes: sql`${benchFloor.writes} + 1` } }),
);

/** The one write `npm run bench:intake`'s floor route makes: a counter row (migrations/0012_bench_floor.sql). */
export async function countFloorWrite(db: D1Database): Promise<void> {
  await countWrite(db, {}).run();
}
