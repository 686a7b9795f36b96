// `npm run deploy:check`: builds the Worker of each wrangler.toml environment exactly as
// `wrangler deploy` would (`--dry-run --outdir dist/<env>`, offline, no login), measures the
// bundle and its startup CPU time against Cloudflare's limits, and fails if either breaks.
import { gzipSync } from "node:zlib";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./dev-lib.mjs";
import { ENVIRONMENTS, wrangler } from "./wrangler-offline.mjs";

const KiB = 1024;
const MiB = 1024 * KiB;
// https://developers.cloudflare.com/workers/platform/limits/ (Worker size, Worker startup time).
// Since 2026-09-04 (changelog "increased-worker-size-limit") the only size limit is 64 MiB
// uncompressed on every plan; before, it was 3 MB (Free) and 10 MB (Paid) after compression.
const SIZE_LIMIT = 64 * MiB;
const FORMER_GZIP_LIMITS = { free: 3 * MiB, paid: 10 * MiB };
const STARTUP_LIMIT_MS = 1000;

/** Upload size as wrangler counts it: every module it writes (no source map), and their gzip. */
function bundleSize(dir) {
  const files = readdirSync(dir).filter((f) => !f.endsWith(".map") && f !== "README.md" && !f.endsWith(".cpuprofile"));
  const contents = files.map((f) => readFileSync(path.join(dir, f)));
  const raw = contents.reduce((n, c) => n + c.byteLength, 0);
  return { files, raw, gzip: gzipSync(Buffer.concat(contents)).byteLength };
}

/** CPU time of the startup phase (top-level evaluation), from `wrangler check startup`'s profile. */
function startupMs(profileFile) {
  const profile = JSON.parse(readFileSync(profileFile, "utf8"));
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
  let us = 0;
  profile.samples.forEach((node, i) => { if (!idle.has(node)) us += profile.timeDeltas[i] ?? 0; });
  return us / 1000;
}

const pct = (n, of) => `${((n / of) * 100).toFixed(1)}%`;
const kib = (n) => `${(n / KiB).toFixed(1)} KiB`;

let failed = false;
for (const env of ENVIRONMENTS) {
  const outdir = path.join(ROOT, "dist", env.name);
  rmSync(outdir, { recursive: true, force: true });
  try {
    const out = wrangler(["deploy", "--dry-run", `--env=${env.flag}`, "--outdir", outdir]);
    const bindings = out.split("\n").filter((l) => l.startsWith("env.")).map((l) => l.split(/\s+/)[0].slice(4));
    const size = bundleSize(outdir);
    if (size.files.length === 0) throw new Error(`wrangler wrote no module to dist/${env.name}`);
    // A busy machine stretches the profile; only a startup over the limit three times fails.
    const profile = path.join(outdir, "startup.cpuprofile");
    let startup = Infinity;
    for (let attempt = 0; attempt < 3 && startup > STARTUP_LIMIT_MS; attempt++) {
      wrangler(["check", "startup", `--env=${env.flag}`, "--outfile", profile]);
      startup = Math.min(startup, startupMs(profile));
    }
    console.log(
      [
        `${env.name}: dist/${env.name}/${size.files.join(", ")}`,
        `  size     ${kib(size.raw)}, ${pct(size.raw, SIZE_LIMIT)} of the 64 MiB limit`,
        `  gzip     ${kib(size.gzip)}, ${pct(size.gzip, FORMER_GZIP_LIMITS.free)} of the former 3 MiB (Free) and ` +
          `${pct(size.gzip, FORMER_GZIP_LIMITS.paid)} of the former 10 MiB (Paid) compressed limits`,
        `  startup  ${startup.toFixed(0)} ms CPU on this machine (limit ${STARTUP_LIMIT_MS} ms, on Cloudflare's CPUs)`,
        `  bindings ${bindings.join(" ")}`,
      ].join("\n"),
    );
    if (size.raw > SIZE_LIMIT) {
      console.error(`${env.name}: the bundle is over Cloudflare's 64 MiB Worker size limit`);
      failed = true;
    }
    if (startup > STARTUP_LIMIT_MS) {
      console.error(`${env.name}: startup takes over the ${STARTUP_LIMIT_MS} ms Cloudflare allows`);
      failed = true;
    }
  } catch (error) {
    console.error(`${env.name}: ${error.message}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
