// Test-only bindings, added on top of the one Env declaration.
import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      /** A loopback server that accepts and answers 503 after a second. */
      TEST_SILENT_URL: string;
      /** A real bridge over the suite's vLLM stand-in whose node holds 1,000 tokens of blocks. */
      TEST_TIGHT_BRIDGE_URL: string;
    }
  }
}
