// `npm run bench:bridge`: the bridge's own overhead per forwarded request. The vLLM stand-in and
// the bridge each run in their own process on loopback; each concurrency level measures direct
// calls to the stand-in and the same calls through the bridge, and reports the difference.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import os, { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createSigner } from "@memos-edge/bridge-protocol";
import { nodePrimitives } from "../src/node-crypto.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const standinScript = process.env.BENCH_STANDIN ?? join(here, "standin-proc.ts");
const bridgeScript = process.env.BENCH_BRIDGE ?? join(here, "../src/main.ts");
const SECRET = "bench-secret-0123456789abcdef-0123456789";
const LEVELS = [1, 16, 64];
const PER_LEVEL = 4000;
/**
 * Requests per path before measuring. The bridge is a long-running service: its figure is the
 * steady state, after V8 has optimized the hot path. With 200 warm-up requests the 16-client
 * level still paid for that optimization (background compiles, about a quarter of the bridge's
 * CPU then) and read 1.9 to 2.5 ms p95 added where the steady state reads 0.6 to 1.3 ms.
 */
const WARMUP = 3000;

function launch(script: string, env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const extra = process.env.BENCH_PROFILE && script === bridgeScript ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_PROFILE] : [];
  // Bundled .mjs scripts (BENCH_STANDIN / BENCH_BRIDGE) run on plain node, without tsx.
  const loader = script.endsWith(".ts") ? ["--import", "tsx"] : [];
  const child = spawn(process.execPath, [...extra, ...loader, script], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) resolve({ child, match: m });
    });
    child.on("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

// The same keep-alive client for direct and bridged calls; node:http costs the client (which
// shares the CPUs with the bridge and the stand-in) far less than fetch does.
const agent = new Agent({ keepAlive: true, maxSockets: 128 });

function post(base: string, path: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname: url.hostname, port: url.port, path, method: "POST", agent, headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (s: string) => (text += s));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuOf(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

const selfCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function run(concurrency: number, total: number, once: () => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const t0 = performance.now();
        await once();
        times.push(performance.now() - t0);
      }
    }),
  );
  return times.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bridge-bench-"));
  const standin = await launch(standinScript, {}, /(http:\/\/127\.0\.0\.1:\d+)\n/);
  const upstream = standin.match[1] as string;
  const nodesFile = join(dir, "nodes.json");
  writeFileSync(nodesFile, JSON.stringify({ nodes: [{ id: "bench", backend: "vllm", url: upstream, models: ["bench-model"], budget_bytes: 1e12 }] }));
  const bridge = await launch(
    bridgeScript,
    { BRIDGE_SECRET: SECRET, BRIDGE_NODES_FILE: nodesFile, BRIDGE_PORT: "0", BRIDGE_DB_PATH: join(dir, "bench.sqlite") },
    /listening on (http:\/\/[\d.]+:\d+)/,
  );
  const bridgeUrl = bridge.match[1] as string;
  // The Worker signs in workerd; here the client signs with node:crypto so that the client's
  // own CPU, which shares this machine, stays out of the bridge's figure as far as possible.
  const signer = createSigner(SECRET, nodePrimitives);
  const messages = [{ role: "user", content: "How are you today?" }];

  const direct = async () => {
    const body = JSON.stringify({ model: "bench-model", messages, max_tokens: 16, temperature: 0, stream: true, stream_options: { include_usage: true } });
    const res = await post(upstream, "/v1/chat/completions", {}, body);
    if (res.status !== 200 || !res.text.includes("[DONE]")) throw new Error(`stand-in answered ${res.status}: ${res.text}`);
  };
  const bridged = async () => {
    const body = JSON.stringify({ tenant_id: "tnt_bench", cube_id: "cube_bench", messages, max_tokens: 16, temperature: 0 });
    const headers = await signer.sign({ method: "POST", pathWithQuery: "/v1/generate", body });
    const res = await post(bridgeUrl, "/v1/generate", headers, body);
    if (res.status !== 200 || !res.text.includes("event: done")) throw new Error(`bridge answered ${res.status}: ${res.text}`);
  };

  try {
    await run(16, WARMUP, direct);
    await run(16, WARMUP, bridged);
    console.log(`bridge overhead per forwarded request (streamed chat, loopback, ${PER_LEVEL} requests per run, after ${WARMUP} warm-up requests per path)`);
    console.log("concurrency | direct p50 / p95 ms | bridged p50 / p95 ms | added p50 / p95 ms");
    const cpu: string[] = [];
    const sample = () => [selfCpu(), cpuOf(standin.child.pid), cpuOf(bridge.child.pid)];
    const perRequest = (a: number[], b: number[]) => a.map((x, i) => (((b[i] ?? NaN) - x) * 1000) / PER_LEVEL);
    for (const c of LEVELS) {
      const s0 = sample();
      const d = await run(c, PER_LEVEL, direct);
      const s1 = sample();
      const b = await run(c, PER_LEVEL, bridged);
      const s2 = sample();
      const [dc, ds] = perRequest(s0, s1);
      const [bc, bs, bb] = perRequest(s1, s2);
      const g = (x: number | undefined) => (x ?? NaN).toFixed(3);
      cpu.push(`${String(c).padStart(11)} | client ${g(dc)}, stand-in ${g(ds)} | client ${g(bc)}, stand-in ${g(bs)}, bridge ${g(bb)}`);
      const [d50, d95, b50, b95] = [percentile(d, 50), percentile(d, 95), percentile(b, 50), percentile(b, 95)];
      const f = (x: number) => x.toFixed(2).padStart(6);
      console.log(`${String(c).padStart(11)} | ${f(d50)} / ${f(d95)}     | ${f(b50)} / ${f(b95)}      | ${f(b50 - d50)} / ${f(b95 - d95)}`);
    }
    console.log("\nCPU ms per request (user + system, from /proc; 10 ms clock ticks, so about ±0.01 ms here)");
    console.log("concurrency | direct                         | bridged");
    for (const line of cpu) console.log(line);
    console.log(`${os.cpus().length} CPUs shared by the client, the stand-in and the bridge`);
    console.log("target: under 2 ms p95 added at 16 concurrent clients (client-side signing with node:crypto included)");
  } finally {
    standin.child.kill("SIGTERM");
    bridge.child.kill("SIGTERM");
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
