// The providers of this isolate, chosen once from configuration at first use.
import type { Env } from "../env";
import type { Embedder } from "../providers/embedder";
import { selectEmbedder } from "../providers/select-embedder";

let embedder: Embedder | null = null;

export function getEmbedder(env: Env): Embedder {
  embedder ??= selectEmbedder(env);
  return embedder;
}
