// Stand-in for a vLLM OpenAI-compatible server: chat (stream and not), prefix cache, runtime LoRA.
import { chatCompletion, openAiError, PrefixCache } from "./openai.js";
import type { ChatKnobs, PrefixCacheOptions } from "./openai.js";
import { json, startStandin, text } from "./server.js";
import type { Standin } from "./server.js";

export interface VllmStandin extends Standin {
  loras: Map<string, string>;
  cache: PrefixCache;
  knobs: ChatKnobs;
}

export async function startVllm(
  opts: { model?: string; runtimeLora?: boolean; apiKey?: string; knobs?: Partial<ChatKnobs>; cache?: PrefixCacheOptions } = {},
): Promise<VllmStandin> {
  const model = opts.model ?? "llama-3-8b";
  const loras = new Map<string, string>();
  const cache = new PrefixCache(opts.cache);
  const knobs: ChatKnobs = { words: ["Hel", "lo", " there"], reportCached: true, firstChunkDelayMs: 0, dieAfterChunks: null, ...opts.knobs };
  const s = await startStandin(async (req, res) => {
    if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) return json(res, 401, { error: "Unauthorized" });
    const route = `${req.method} ${req.url.pathname}`;
    const runtime = opts.runtimeLora ?? true;
    if (route === "GET /v1/models") {
      return json(res, 200, { object: "list", data: [model, ...loras.keys()].map((id) => ({ id, object: "model" })) });
    }
    if (route === "POST /v1/chat/completions") {
      const m = (req.body as { model?: string }).model ?? "";
      if (m !== model && !loras.has(m)) return openAiError(res, 404, "NotFoundError", `The model \`${m}\` does not exist.`);
      return chatCompletion(req, res, m, cache, knobs);
    }
    // Without VLLM_ALLOW_RUNTIME_LORA_UPDATING the routes are not mounted: FastAPI's plain 404.
    if (runtime && route === "POST /v1/load_lora_adapter") {
      const b = req.body as { lora_name?: string; lora_path?: string };
      if (!b.lora_name || !b.lora_path) {
        return json(res, 400, { object: "error", message: "Both 'lora_name' and 'lora_path' must be provided.", type: "InvalidUserInput", param: null, code: 400 });
      }
      if (loras.has(b.lora_name)) {
        return json(res, 400, { object: "error", message: `The lora adapter '${b.lora_name}' has already been loaded.`, type: "InvalidUserInput", param: null, code: 400 });
      }
      if (!b.lora_path.startsWith("/adapters/")) {
        return json(res, 404, { object: "error", message: `No adapter found for ${b.lora_path}`, type: "NotFoundError", param: null, code: 404 });
      }
      loras.set(b.lora_name, b.lora_path);
      return text(res, 200, `Success: LoRA adapter '${b.lora_name}' added successfully.`);
    }
    if (runtime && route === "POST /v1/unload_lora_adapter") {
      const b = req.body as { lora_name?: string };
      if (!b.lora_name || !loras.has(b.lora_name)) {
        return json(res, 404, { object: "error", message: `The lora adapter '${b.lora_name ?? ""}' cannot be found.`, type: "NotFoundError", param: null, code: 404 });
      }
      loras.delete(b.lora_name);
      return text(res, 200, `Success: LoRA adapter '${b.lora_name}' removed successfully.`);
    }
    return json(res, 404, { detail: "Not Found" });
  });
  return { ...s, loras, cache, knobs };
}
