import { DurableObject } from "cloudflare:workers";
export class CubeObject extends DurableObject {
  ping(): number { this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t(x)"); this.ctx.storage.sql.exec("CREATE VIRTUAL TABLE IF NOT EXISTS f USING fts5(a)"); return 1; }
}
export default { async fetch(req: Request, env: any) { const s = env.CUBE.get(env.CUBE.idFromName("a")); return new Response(String(await s.ping())); } };
