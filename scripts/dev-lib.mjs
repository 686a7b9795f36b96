// Shared by `npm run dev` and the benchmarks: local secrets, D1 migrations, and a wrangler dev process.
import { spawn, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

/** Keeps wrangler offline and its logs and registry inside the project. */
export function wranglerEnv(extra = {}) {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_LOG_PATH: path.join(ROOT, ".wrangler", "logs"),
    XDG_CONFIG_HOME: path.join(ROOT, ".wrangler", "config"),
    ...extra,
  };
}

const key = () => "mk_" + randomBytes(32).toString("base64url");

/** Creates .dev.vars once with a development API key, admin token and master key; returns them. */
export function ensureDevVars(file = path.join(ROOT, ".dev.vars")) {
  const vars = {};
  if (existsSync(file)) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const m = line.match(/^([A-Z_]+)\s*=\s*"?([^"]*)"?\s*$/);
      if (m) vars[m[1]] = m[2];
    }
  }
  let changed = false;
  if (!vars.DEV_API_KEY) { vars.DEV_API_KEY = key(); changed = true; }
  if (!vars.ADMIN_TOKEN) { vars.ADMIN_TOKEN = randomBytes(24).toString("base64url"); changed = true; }
  // The root secret of encryption at rest and watermarks (base64 of 32 bytes), local to this checkout.
  if (!vars.MASTER_KEY) { vars.MASTER_KEY = randomBytes(32).toString("base64"); changed = true; }
  if (changed) {
    writeFileSync(file, Object.entries(vars).map(([k, v]) => `${k}="${v}"`).join("\n") + "\n", { mode: 0o600 });
  }
  return vars;
}

/** Applies D1 migrations to the local database (persisted under `persistTo` when given). */
export function applyMigrations(persistTo) {
  mkdirSync(path.join(ROOT, ".wrangler", "logs"), { recursive: true });
  const args = [WRANGLER, "d1", "migrations", "apply", "DB", "--local", ...(persistTo ? ["--persist-to", persistTo] : [])];
  execFileSync(process.execPath, args, { cwd: ROOT, env: wranglerEnv({ CI: "true" }), stdio: ["ignore", "pipe", "inherit"] });
}

/**
 * Starts `wrangler dev --local` and resolves with its URL once it is ready.
 * `onLine` sees every output line (the dev command prints them; benchmarks stay quiet).
 */
export function startDev({ port = 8787, ip = "127.0.0.1", persistTo, inspectorPort, vars = {}, onLine = () => {} } = {}) {
  const args = [WRANGLER, "dev", "--local", "--ip", ip, "--port", String(port), "--inspector-port", String(inspectorPort ?? port + 1000), "--show-interactive-dev-session=false"];
  if (persistTo) args.push("--persist-to", persistTo);
  // Settings for this run only (tests: another provider), on top of wrangler.toml and .dev.vars.
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const host = ip === "0.0.0.0" || ip === "::" ? "127.0.0.1" : ip.includes(":") ? `[${ip}]` : ip;
  const child = spawn(process.execPath, args, { cwd: ROOT, env: wranglerEnv(), stdio: ["ignore", "pipe", "pipe"] });
  const ready = new Promise((resolve, reject) => {
    let buffered = "";
    const scan = (chunk) => {
      buffered += chunk.toString();
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        onLine(line);
        if (/Ready on http/.test(line)) resolve(`http://${host}:${port}`);
      }
    };
    child.stdout.on("data", scan);
    child.stderr.on("data", scan);
    child.on("exit", (code) => reject(new Error(`wrangler dev exited with ${code}`)));
  });
  return { child, ready };
}
