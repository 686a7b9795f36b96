// Tests run inside workerd with the real wrangler config: D1, Durable Objects and Queues are local.
import { createServer } from "node:net";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

process.env.WRANGLER_SEND_METRICS ??= "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";

const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));

/** A loopback port free right now, so that two root suites (two checkouts, two helpers) never collide. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
// Read by the globalSetup (test/setup/bridge-global.ts), which runs in this same process.
process.env.TEST_BRIDGE_PORT ??= String(await freePort());
process.env.TEST_SILENT_PORT ??= String(await freePort());
process.env.TEST_TIGHT_BRIDGE_PORT ??= String(await freePort());

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      // The production entry, with a cube class that adds test probes (test/fixtures/cube-probe.ts).
      main: "./test/fixtures/worker.ts",
      remoteBindings: false,
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: migrations,
          ADMIN_TOKEN: "test-admin-token-0123456789",
          // base64 of 32 bytes: encryption at rest and watermarks.
          MASTER_KEY: "dGVzdC1tYXN0ZXIta2V5LTAxMjM0NTY3ODlhYmNkZWY=",
          ENVIRONMENT: "test",
          // The bridge and its vLLM stand-in are started by test/setup/bridge-global.ts.
          BRIDGE_URL: `http://127.0.0.1:${process.env.TEST_BRIDGE_PORT}`,
          // A bridge that accepts and answers late (test/bridge-degrade.test.ts).
          TEST_SILENT_URL: `http://127.0.0.1:${process.env.TEST_SILENT_PORT}`,
          // A bridge whose node holds 1,000 tokens of blocks (test/activation.test.ts).
          TEST_TIGHT_BRIDGE_URL: `http://127.0.0.1:${process.env.TEST_TIGHT_BRIDGE_PORT}`,
          BRIDGE_SECRET: "e2e-bridge-secret-0123456789abcdef",
          BRIDGE_TIMEOUT_MS: "3000",
        },
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    // test/e2e runs in Node against a real wrangler dev (npm run test:e2e).
    exclude: ["test/e2e/**", "node_modules/**"],
    setupFiles: ["./test/setup/apply-migrations.ts"],
    // Tests that walk many routes or cubes take seconds on a loaded 2-core CI machine; a hang still fails.
    testTimeout: 30_000,
    globalSetup: ["./test/setup/bridge-global.ts"],
  },
});
