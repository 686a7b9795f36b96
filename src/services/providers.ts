// The providers of this isolate, chosen from configuration at first use and kept while it holds.
import type { Env } from "../env";
import type { Embedder } from "../providers/embedder";
import type { LLM } from "../providers/llm";
import { selectEmbedder } from "../providers/select-embedder";
import { selectLlm } from "../providers/select-llm";

// An isolate normally sees one configuration, so each provider is built once; the cache is keyed
// by the settings it was built from, so that an env with other settings never gets a stale one.
let embedder: { key: string; value: Embedder } | null = null;
let llm: { key: string; value: LLM | null } | null = null;

const embedderKey = (env: Env) => JSON.stringify([env.EMBEDDER, env.EMBEDDING_MODEL, env.EMBEDDING_DIMENSIONS, env.OPENAI_BASE_URL, env.OPENAI_API_KEY, env.AI === undefined]);
const llmKey = (env: Env) => JSON.stringify([env.LLM, env.LLM_MODEL, env.OPENAI_BASE_URL, env.OPENAI_API_KEY, env.AI === undefined]);

export function getEmbedder(env: Env): Embedder {
  const key = embedderKey(env);
  if (embedder?.key !== key) embedder = { key, value: selectEmbedder(env) };
  return embedder.value;
}

/** The configured LLM, or null when the embedded rules are used (LLM unset or "rules"). */
export function getLlm(env: Env): LLM | null {
  const key = llmKey(env);
  if (llm?.key !== key) llm = { key, value: selectLlm(env) };
  return llm.value;
}
