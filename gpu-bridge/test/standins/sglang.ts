// Stand-in for an SGLang server: OpenAI chat with lora_path, /generate, /flush_cache, runtime LoRA.
import { chatCompletion, openAiError, PrefixCache } from "./openai.js";
import type { ChatKnobs } from "./openai.js";
import { commonPrefix, json, startStandin, text, tokensOf } from "./server.js";
import type { Standin } from "./server.js";

export interface SglangStandin extends Standin {
  loras: Map<string, string>;
  cache: PrefixCache;
  knobs: ChatKnobs;
  /** While true, /flush_cache refuses as SGLang does with requests in flight. */
  busy: boolean;
}

export async function startSglang(opts: { model?: string; knobs?: Partial<ChatKnobs> } = {}): Promise<SglangStandin> {
  const model = opts.model ?? "qwen2-7b";
  const loras = new Map<string, string>();
  const cache = new PrefixCache();
  const knobs: ChatKnobs = { words: ["a", "b", "c"], reportCached: true, firstChunkDelayMs: 0, dieAfterChunks: null, ...opts.knobs };
  const state = { busy: false };
  const s = await startStandin(async (req, res) => {
    const route = `${req.method} ${req.url.pathname}`;
    const loaded = () => Object.fromEntries(loras);
    if (route === "POST /load_lora_adapter") {
      const b = req.body as { lora_name?: string; lora_path?: string };
      if (!b.lora_name || !b.lora_path) return json(res, 400, { detail: "lora_name and lora_path are required" });
      if (loras.has(b.lora_name)) {
        return json(res, 400, { success: false, error_message: `LoRA adapter ${b.lora_name} is already loaded.`, loaded_adapters: loaded() });
      }
      loras.set(b.lora_name, b.lora_path);
      return json(res, 200, { success: true, error_message: null, loaded_adapters: loaded() });
    }
    if (route === "POST /unload_lora_adapter") {
      const b = req.body as { lora_name?: string };
      if (!b.lora_name || !loras.delete(b.lora_name)) {
        return json(res, 400, { success: false, error_message: `LoRA adapter ${b.lora_name ?? ""} is not loaded.`, loaded_adapters: loaded() });
      }
      return json(res, 200, { success: true, error_message: null, loaded_adapters: loaded() });
    }
    if (req.url.pathname === "/flush_cache" && (req.method === "POST" || req.method === "GET")) {
      if (state.busy) return text(res, 400, "Cache not flushed: there are running or waiting requests.\n");
      cache.clear();
      return text(res, 200, "Cache flushed.\nPlease check backend logs for more details. (When there are running or waiting requests, the operation will not be performed.)\n");
    }
    if (route === "POST /generate") {
      const b = req.body as { text?: string; lora_path?: string | null };
      if (typeof b.text !== "string") return json(res, 400, { object: "error", message: "Either text or input_ids should be provided.", type: "Bad Request", code: 400 });
      const best = cache.prompts.reduce((m, p) => Math.max(m, commonPrefix(p, b.text as string)), 0);
      cache.prompts.push(b.text);
      return json(res, 200, {
        text: knobs.words.join(""),
        meta_info: { id: "gen-1", prompt_tokens: tokensOf(b.text), completion_tokens: knobs.words.length, cached_tokens: Math.floor(best / 4), finish_reason: { type: "stop" } },
      });
    }
    if (route === "POST /v1/chat/completions") {
      const b = req.body as { model?: string; lora_path?: string };
      if (b.model !== model) return openAiError(res, 404, "NotFoundError", `The model \`${b.model ?? ""}\` does not exist.`);
      if (b.lora_path && !loras.has(b.lora_path)) return openAiError(res, 400, "BadRequestError", `LoRA adapter ${b.lora_path} is not loaded`);
      return chatCompletion(req, res, model, cache, knobs);
    }
    return json(res, 404, { detail: "Not Found" });
  });
  return {
    ...s,
    loras,
    cache,
    knobs,
    get busy() {
      return state.busy;
    },
    set busy(v: boolean) {
      state.busy = v;
    },
  };
}
