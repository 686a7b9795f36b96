// Runs the pinned wrangler CLI offline and logged out, for the deploy and Env checks.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { ROOT, wranglerEnv } from "./dev-lib.mjs";

const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

/** The wrangler.toml environments: "" is the top level (development, what `npm run dev` and the tests use). */
export const ENVIRONMENTS = [
  { name: "development", flag: "" },
  { name: "production", flag: "production" },
];

/**
 * Runs `wrangler ...args` with no credentials, no banner (so no update check against the npm
 * registry), no metrics and wrangler's config inside the project: what it does here needs no login.
 * Throws with wrangler's output when it fails.
 */
export function wrangler(args) {
  const env = wranglerEnv({ WRANGLER_HIDE_BANNER: "true", CI: "true" });
  for (const name of ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL", "CLOUDFLARE_ACCOUNT_ID"]) {
    delete env[name];
  }
  const run = spawnSync(process.execPath, [WRANGLER, ...args], { cwd: ROOT, env, encoding: "utf8" });
  const output = `${run.stdout ?? ""}${run.stderr ?? ""}`;
  if (run.status !== 0) {
    throw new Error(`wrangler ${args.join(" ")} failed (exit ${run.status ?? run.signal}):\n${output}`);
  }
  return output;
}
