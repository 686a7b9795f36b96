// Runs the vLLM stand-in in its own process for the overhead benchmark; prints its URL.
import { startVllm } from "../test/standins/vllm.js";

const v = await startVllm({ model: "bench-model" });
// The request log and the prompt list of the prefix cache would grow without bound over a
// benchmark, and the cache's linear scan would make every later request slower than the
// previous one (a real server looks prefixes up by block hash). Nobody reads either here.
setInterval(() => {
  v.requests.length = 0;
  v.cache.clear();
}, 250).unref();
process.stdout.write(`${v.url}\n`);
process.on("SIGTERM", () => void v.close().then(() => process.exit(0)));
