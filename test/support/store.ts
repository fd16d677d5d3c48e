import { env } from "cloudflare:workers";
import { listDurableObjectIds } from "cloudflare:test";

/** How many record objects exist and how many D1 rows: "nothing stored" means neither grew. */
export async function storedCounts() {
  const objects = (await listDurableObjectIds(env.LEAD)).length;
  const rows = (await env.DB.prepare("SELECT count(*) AS n FROM records").first<{ n: number }>())!.n;
  return { objects, rows };
}
