// `npm run dev`: the whole service offline: local D1 (migrated), Durable Objects, Queues, embedded providers.
// `npm run dev -- --port 9000 --ip 0.0.0.0` (or PORT=9000) chooses where it listens.
import { parseArgs } from "node:util";
import { applyMigrations, ensureDevVars, startDev } from "./dev-lib.mjs";
import { buildConsole } from "../console/build.mjs";

const { values } = parseArgs({ options: { port: { type: "string" }, ip: { type: "string" } }, strict: true });
const port = Number(values.port ?? process.env.PORT ?? 8787);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`--port must be a port number, got "${values.port ?? process.env.PORT}"`);
  process.exit(2);
}
const ip = values.ip ?? process.env.IP ?? "127.0.0.1";
const vars = ensureDevVars();
// The console (/console) is built from console/src into the static assets wrangler serves (not committed).
console.log("Building the console…");
await buildConsole();
console.log("Applying D1 migrations to the local database…");
applyMigrations();
const { child, ready } = startDev({ port, ip, onLine: (line) => console.log(line) });
const url = await ready;
// The dev tenant is created on the first request, from DEV_API_KEY; make it now so the key works at once.
await fetch(`${url}/v1/cubes`, { headers: { authorization: `Bearer ${vars.DEV_API_KEY}` } }).catch(() => undefined);
// The admin token stays out of the log (logs are shared and kept); it is in .dev.vars.
console.log(`
  memos-edge is running at ${url}
  Development API key:  ${vars.DEV_API_KEY}
  Admin token:          ADMIN_TOKEN in .dev.vars
  API reference:        ${url}/docs
  Console:              ${url}/console/ (sign in with the key above)

  curl -s ${url}/v1/memories -H "Authorization: Bearer ${vars.DEV_API_KEY}" \\
    -H "content-type: application/json" -d '{"user_id":"alice","text":"Alice prefers green tea","infer":false}'
`);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill("SIGINT"));
child.on("exit", (code) => process.exit(code ?? 0));
