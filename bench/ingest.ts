// bench:ingest — memories per second for infer:false adds over HTTP (@memos-edge/client), batches of 1 and 100, one cube.
import { percentile, startServer } from "./lib/server";

const SENTENCES = [
  "prefers green tea in the morning",
  "is planning a trip to Lisbon in May",
  "works as a nurse at the city hospital",
  "adopted a cat named Miso last year",
  "runs a half marathon every autumn",
  "is learning to play the cello",
];

function text(i: number): string {
  return `User ${i % 97} ${SENTENCES[i % SENTENCES.length]} (note ${i})`;
}

async function run(server: Awaited<ReturnType<typeof startServer>>, batch: number, requests: number, concurrency: number, user: string) {
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  const worker = async () => {
    while (next < requests) {
      const r = next++;
      const messages = Array.from({ length: batch }, (_, j) => ({ role: "user" as const, content: text(r * batch + j) }));
      const t = performance.now();
      await server.single.memories.add({ user_id: user, infer: false, messages });
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { memories: batch * requests, seconds, perSecond: (batch * requests) / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

const server = await startServer();
try {
  // Warm up the isolate, the cube and the D1 connection.
  await run(server, 10, 5, 1, "bench-warmup");
  const rows = [
    { label: "batch 1, 1 client", ...(await run(server, 1, 300, 1, "bench-b1")) },
    { label: "batch 1, 8 clients", ...(await run(server, 1, 600, 8, "bench-b1c")) },
    { label: "batch 100, 1 client", ...(await run(server, 100, 30, 1, "bench-b100")) },
    { label: "batch 100, 4 clients", ...(await run(server, 100, 40, 4, "bench-b100c")) },
  ];
  console.log("\nbench:ingest — infer:false adds through HTTP into one cube per row (wrangler dev, local)\n");
  console.log("case                   memories   seconds   memories/s   req p50 ms   req p95 ms");
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(22)} ${String(r.memories).padStart(8)} ${r.seconds.toFixed(2).padStart(9)} ${r.perSecond.toFixed(0).padStart(12)} ${r.p50.toFixed(1).padStart(12)} ${r.p95.toFixed(1).padStart(12)}`,
    );
  }
  console.log("\ntarget: >= 1000 memories/s in batches on one cube");
} finally {
  await server.stop();
}
