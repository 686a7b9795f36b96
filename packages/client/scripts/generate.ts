// Regenerates openapi.json and src/schema.d.ts from the document the Worker's app serves now.
import { writeFileSync } from "node:fs";
import { documentText, schemaText, servedDocument } from "./document.ts";

const doc = await servedDocument();
writeFileSync(new URL("../openapi.json", import.meta.url), documentText(doc));
writeFileSync(new URL("../src/schema.d.ts", import.meta.url), await schemaText(doc));
console.log(`openapi.json: ${Object.keys(doc.paths ?? {}).length} paths; src/schema.d.ts written`);
