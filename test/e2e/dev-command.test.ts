// `npm run dev` as a newcomer runs it: it listens where `--port`/`--ip` say, and keeps the admin token out of its log.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error: plain ESM helper shared with `npm run dev`, no type declarations
import { ensureDevVars } from "../../scripts/dev-lib.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("npm run dev", () => {
  it("honours --port and --ip, answers there, and prints where the admin token is instead of the token", async () => {
    const { ADMIN_TOKEN, DEV_API_KEY } = ensureDevVars() as { ADMIN_TOKEN: string; DEV_API_KEY: string };
    const port = 19_400 + Math.floor(Math.random() * 100) * 2;
    const child = spawn(process.execPath, [path.join(ROOT, "scripts", "dev.mjs"), "--port", String(port), "--ip", "127.0.0.1"], {
      cwd: ROOT,
      env: { ...process.env, PORT: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const exited = new Promise<void>((res) => child.once("exit", () => res()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`dev did not start:\n${output}`)), 90_000);
        const scan = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes("memos-edge is running at")) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on("data", scan);
        child.stderr.on("data", scan);
        child.once("exit", () => reject(new Error(`dev exited:\n${output}`)));
      });
      expect(output).toContain(`memos-edge is running at http://127.0.0.1:${port}`);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const cubes = await fetch(`http://127.0.0.1:${port}/v1/cubes`, { headers: { authorization: `Bearer ${DEV_API_KEY}` } });
      expect(cubes.status).toBe(200);
      expect(output).not.toContain(ADMIN_TOKEN);
      expect(output).toContain("ADMIN_TOKEN in .dev.vars");
    } finally {
      child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
  });
});
