// `npm run dev`: the whole service offline: local D1 (migrated), Durable Objects, Queues, embedded providers.
import { applyMigrations, ensureDevVars, startDev } from "./dev-lib.mjs";

const port = Number(process.env.PORT ?? 8787);
const vars = ensureDevVars();
console.log("Applying D1 migrations to the local database…");
applyMigrations();
const { child, ready } = startDev({ port, onLine: (line) => console.log(line) });
const url = await ready;
// The dev tenant is created on the first request, from DEV_API_KEY; make it now so the key works at once.
await fetch(`${url}/v1/cubes`, { headers: { authorization: `Bearer ${vars.DEV_API_KEY}` } }).catch(() => undefined);
console.log(`
  memos-edge is running at ${url}
  Development API key:  ${vars.DEV_API_KEY}
  Admin token:          ${vars.ADMIN_TOKEN}   (both kept in .dev.vars)
  API reference:        ${url}/docs

  curl -s ${url}/v1/memories -H "Authorization: Bearer ${vars.DEV_API_KEY}" \\
    -H "content-type: application/json" -d '{"user_id":"alice","text":"Alice prefers green tea","infer":false}'
`);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill("SIGINT"));
child.on("exit", (code) => process.exit(code ?? 0));
