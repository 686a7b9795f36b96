// The client cannot drift from the API: its committed openapi.json and schema.d.ts are what the Worker's app generates now.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { documentText, schemaText, servedDocument } from "../../packages/client/scripts/document.ts";

const committed = (file: string) => readFileSync(new URL(`../../packages/client/${file}`, import.meta.url), "utf8");
const FIX = "run `npm run generate -w @memos-edge/client` and commit packages/client/openapi.json and src/schema.d.ts";

describe("client snapshot", () => {
  it("openapi.json is the document the app serves", async () => {
    const doc = await servedDocument();
    expect(committed("openapi.json"), FIX).toBe(documentText(doc));
  });

  it("src/schema.d.ts is what openapi-typescript makes of it", async () => {
    const doc = await servedDocument();
    expect(committed("src/schema.d.ts"), FIX).toBe(await schemaText(doc));
  });
});
