// Builds the console (console/src, Preact + the typed client from source) into console/public/console/build with esbuild, offline.
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { readFileSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const OUT = path.join(HERE, "public", "console", "build");

/** Builds app.js (+ lazily loaded chunks, e.g. the graph page) and app.css; answers the files with their sizes. */
export async function buildConsole({ quiet = false } = {}) {
  // Built beside the served folder, then swapped in, so a wrangler dev serving it never sees half a build.
  const staging = `${OUT}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  await build({
    entryPoints: { app: path.join(HERE, "src", "main.tsx"), "app-style": path.join(HERE, "src", "console.css") },
    outdir: staging,
    bundle: true,
    splitting: true,
    format: "esm",
    minify: true,
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    chunkNames: "chunks/[name]-[hash]",
    // The typed client is built from its source, so the console talks through exactly the published API.
    alias: { "@memos-edge/client": path.join(HERE, "..", "packages", "client", "src", "index.ts") },
    legalComments: "none",
    logLevel: quiet ? "error" : "warning",
  });
  rmSync(OUT, { recursive: true, force: true });
  renameSync(staging, OUT);
  const files = listFiles(OUT).map((f) => {
    const bytes = readFileSync(f);
    return { file: path.relative(OUT, f), bytes: bytes.byteLength, gzip: gzipSync(bytes).byteLength };
  });
  if (!quiet) {
    for (const f of files) console.log(`console: ${f.file.padEnd(36)} ${(f.bytes / 1024).toFixed(1).padStart(7)} KiB, ${(f.gzip / 1024).toFixed(1).padStart(6)} KiB gzip`);
  }
  return files;
}

function listFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildConsole();
}
