// Tests run inside workerd with the real wrangler config: D1, Durable Objects and Queues are local.
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

process.env.WRANGLER_SEND_METRICS ??= "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";

const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));

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
          ENVIRONMENT: "test",
          // The bridge and its vLLM stand-in are started by test/setup/bridge-global.ts.
          BRIDGE_URL: "http://127.0.0.1:18792",
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
    globalSetup: ["./test/setup/bridge-global.ts"],
  },
});
