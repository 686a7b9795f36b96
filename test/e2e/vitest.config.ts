// Vitest for the Node-side end-to-end tests: each starts a real `wrangler dev` (or `npm run dev`) on this machine.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  test: {
    environment: "node",
    include: ["**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each file starts its own wrangler; two at once on two cores only slow each other down.
    fileParallelism: false,
  },
});
