// SGLang: RadixAttention prefix reuse that SGLang alone evicts, runtime LoRA through /load_lora_adapter.
import { BridgeError } from "../errors.js";
import { requestJson, UpstreamStatusError } from "./http.js";
import { isRouteMissing, OpenAiChatBackend } from "./openai-chat.js";
import { requireOp } from "./types.js";
import type { AdapterRef } from "./types.js";

interface LoraResult {
  success?: boolean;
  error_message?: string | null;
}

/**
 * SGLang's radix tree keeps every computed prefix, as token ids after the chat template was
 * applied, until memory pressure evicts it (LRU). It can neither drop nor pin a single prefix:
 * `/flush_cache` resets the whole tree, every other block and every other client's prefixes
 * with it, so releasing a block sends nothing and SGLang's LRU reclaims the memory. A request
 * names a loaded adapter with SGLang's `lora_path` extension of the chat request.
 */
export class SglangBackend extends OpenAiChatBackend {
  readonly kind = "sglang" as const;

  protected target(model: string, adapter: AdapterRef | null): { model: string; lora_path?: string } {
    return adapter ? { model, lora_path: adapter.name } : { model };
  }

  async loadAdapter(a: AdapterRef): Promise<void> {
    await this.loraCall("/load_lora_adapter", { lora_name: a.name, lora_path: a.source }, a, "load");
  }

  async unloadAdapter(a: AdapterRef): Promise<void> {
    await this.loraCall("/unload_lora_adapter", { lora_name: a.name }, a, "unload");
  }

  private async loraCall(path: string, json: Record<string, string>, a: AdapterRef, what: "load" | "unload"): Promise<void> {
    requireOp(this, "lora_runtime");
    try {
      const body = (await requestJson(this.node, path, { json, timeoutMs: this.timeoutMs })) as LoraResult;
      if (body.success === false) throw this.loraFailed(what, a, body.error_message ?? "unknown error");
    } catch (err) {
      if (!(err instanceof UpstreamStatusError)) throw err;
      if (isRouteMissing(err)) {
        throw new BridgeError("unsupported_operation", `node ${this.node.id} has no runtime LoRA routes; start SGLang with --enable-lora`, {
          node: this.node.id,
          operation: "lora_runtime",
        });
      }
      let msg = err.body;
      try {
        msg = (JSON.parse(err.body) as LoraResult).error_message ?? err.body;
      } catch {
        // keep the raw body
      }
      // Idempotent like the vLLM adapter: loading a loaded one or unloading a missing one is done.
      if (what === "load" && /already (been )?loaded|already exists/i.test(msg)) return;
      if (what === "unload" && /not (been )?loaded|not found|cannot be found|does not exist/i.test(msg)) return;
      throw this.loraFailed(what, a, msg);
    }
  }

  private loraFailed(what: string, a: AdapterRef, message: string): BridgeError {
    return new BridgeError("upstream_error", `node ${this.node.id} could not ${what} adapter ${a.name}: ${message}`, {
      node: this.node.id,
      message,
    });
  }
}
