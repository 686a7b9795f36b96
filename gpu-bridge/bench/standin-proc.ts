// Runs the vLLM stand-in in its own process for the overhead benchmark; prints its URL.
import { startVllm } from "../test/standins/vllm.js";

const v = await startVllm({ model: "bench-model" });
// The request log would grow without bound over a benchmark; nobody reads it here.
setInterval(() => (v.requests.length = 0), 1000).unref();
process.stdout.write(`${v.url}\n`);
process.on("SIGTERM", () => void v.close().then(() => process.exit(0)));
