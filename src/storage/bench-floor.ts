/** The one write `npm run bench:intake`'s floor route makes: a counter row (migrations/0012_bench_floor.sql). */
export async function countFloorWrite(db: D1Database): Promise<void> {
  await db.prepare("INSERT INTO bench_floor (id, writes) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET writes = writes + 1").run();
}
