// The same service without the governance layer: the commit before it, checked out in a temporary git worktree and run with wrangler dev.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { withClients, type Server } from "./server";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The last commit before grants, key limits, audit, desensitization, encryption, watermarks and
 * provenance landed (2026-12-01): the "governance off" side of bench:search and bench:ingest.
 * GOVERNANCE_BASELINE_REF names another; GOVERNANCE_BASELINE=off skips the comparison.
 */
export const GOVERNANCE_BASELINE_REF = process.env.GOVERNANCE_BASELINE_REF ?? "39adcce";
export const compareGovernance = process.env.GOVERNANCE_BASELINE !== "off";

interface DevLib {
  applyMigrations(persistTo: string): void;
  ensureDevVars(file?: string): { DEV_API_KEY: string };
  startDev(options: { port: number; persistTo: string }): { child: import("node:child_process").ChildProcess; ready: Promise<string> };
}

/**
 * Starts `ref` of this repository as a second wrangler dev: a detached worktree sharing this
 * checkout's node_modules (the lock file changed only by additions since), its own .dev.vars,
 * migrations and state. Everything it made is removed on stop.
 */
export async function startBaselineServer(ref = GOVERNANCE_BASELINE_REF, port = 8890 + Math.floor(Math.random() * 100)): Promise<Server> {
  const dir = mkdtempSync(path.join(tmpdir(), "memos-baseline-"));
  rmSync(dir, { recursive: true, force: true });
  execFileSync("git", ["-C", ROOT, "worktree", "add", "--detach", "--force", dir, ref], { stdio: "ignore" });
  const remove = () => {
    try {
      execFileSync("git", ["-C", ROOT, "worktree", "remove", "--force", dir], { stdio: "ignore" });
    } catch {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    const libPath = path.join(dir, "scripts", "dev-lib.mjs");
    if (!existsSync(libPath)) throw new Error(`${ref} has no scripts/dev-lib.mjs to start it with`);
    const lib = (await import(pathToFileURL(libPath).href)) as DevLib;
    const vars = lib.ensureDevVars(path.join(dir, ".dev.vars"));
    const persist = mkdtempSync(path.join(tmpdir(), "memos-baseline-state-"));
    lib.applyMigrations(persist);
    const { child, ready } = lib.startDev({ port, persistTo: persist });
    const url = await ready;
    return withClients(url, vars.DEV_API_KEY, async () => {
      child.kill("SIGINT");
      await new Promise((r) => setTimeout(r, 500));
      rmSync(persist, { recursive: true, force: true });
      remove();
    });
  } catch (err) {
    remove();
    throw err;
  }
}
