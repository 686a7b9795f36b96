// llama.cpp server: KV cache saved and restored per slot, adapters scaled through /lora-adapters.
import type { Usage } from "@memos-edge/bridge-protocol";
import { BridgeError } from "../errors.js";
import type { NodeConfig } from "../config.js";
import { renderPrompt, renderSystemPrefix } from "./chat-format.js";
import type { Cancel } from "../cancel.js";
import { requestJson, streamEvents, upstreamMessage, UpstreamStatusError } from "./http.js";
import { requireOp, withPrefix } from "./types.js";
import type { AdapterRef, Capabilities, GenerateDone, GenerateInput, InferenceBackend, Operation, PrefixBlock, WarmResult } from "./types.js";

const OPS: ReadonlySet<Operation> = new Set(["generate", "prefix_warm", "token_prefix", "kv_save_restore", "lora_runtime"]);
/** The saved slot file is the block: the server never drops it, so what stays is the bridge's call. */
const CAPS: Readonly<Capabilities> = Object.freeze({ pin: "slot_file", release: "erase_slot", eviction: "bridge_budget" });

interface LoraEntry {
  id: number;
  path: string;
  scale: number;
}

interface CompletionChunk {
  content?: string;
  stop?: boolean;
  stop_type?: string;
  stopped_eos?: boolean;
  stopped_limit?: boolean;
  stopped_word?: boolean;
  tokens_cached?: number;
  tokens_evaluated?: number;
  tokens_predicted?: number;
  timings?: { cache_n?: number; prompt_n?: number; predicted_n?: number };
  error?: { message?: string };
}

/**
 * llama.cpp keeps one KV cache per slot. A block is prepared by evaluating its prefix in the
 * configured slot (`n_predict: 0`) and saving the slot to `<block id>.bin` under the server's
 * `--slot-save-path`; before a request that starts with the block the slot is restored from that
 * file, unless the slot still holds it. Adapters cannot be added at runtime: they are the files
 * given with `--lora` at start, and loading one means giving it a scale. Each request also names
 * every adapter's scale (`lora` field), so one cube's adapter never leaks into another's answer.
 * All work on the slot is serialized, because a restore must not land in the middle of a stream.
 */
export class LlamaCppBackend implements InferenceBackend {
  readonly kind = "llamacpp" as const;
  readonly operations: ReadonlySet<Operation> = OPS;
  readonly capabilities: Readonly<Capabilities> = CAPS;
  /** The block whose prefix the slot currently holds, as far as the bridge knows. */
  private slotBlock: string | null = null;
  private lock: Promise<unknown> = Promise.resolve();
  private adapters: LoraEntry[] | null = null;

  constructor(
    readonly node: NodeConfig,
    private readonly timeoutMs: number,
  ) {}

  private get slotPath(): string {
    return `/slots/${this.node.slot_id}`;
  }

  /** Runs `fn` after every earlier slot operation finished, whatever their outcome. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  warm(block: PrefixBlock): Promise<WarmResult> {
    requireOp(this, "kv_save_restore");
    return this.exclusive(async () => {
      const prompt = block.token_ids ?? renderSystemPrefix(this.node.chat_format, block.text ?? "");
      await requestJson(this.node, "/completion", {
        json: { prompt, n_predict: 0, id_slot: this.node.slot_id, cache_prompt: true, stream: false },
        timeoutMs: this.timeoutMs,
      });
      this.slotBlock = null;
      const saved = (await this.slotAction("save", block.id)) as { n_saved?: number; n_written?: number };
      this.slotBlock = block.id;
      return { tokens: saved.n_saved ?? null, bytes: saved.n_written ?? null };
    });
  }

  release(block: PrefixBlock): Promise<void> {
    // The saved file stays under --slot-save-path: llama.cpp has no route to delete it.
    return this.exclusive(async () => {
      if (this.slotBlock !== block.id) return;
      await this.slotAction("erase", null);
      this.slotBlock = null;
    });
  }

  /**
   * One slot action on the configured slot. llama-server started without --slot-save-path
   * answers 501 to every action (save, restore and erase alike): that is a backend that cannot
   * keep blocks, so it becomes `unsupported_operation` with the flag to add, not an upstream fault.
   */
  private async slotAction(action: "save" | "restore" | "erase", blockId: string | null, cancel?: Cancel): Promise<unknown> {
    try {
      return await requestJson(this.node, this.slotPath, {
        method: "POST",
        ...(blockId === null ? {} : { json: { filename: fileOf(blockId) } }),
        query: { action },
        timeoutMs: this.timeoutMs,
        ...(cancel ? { cancel } : {}),
      });
    } catch (err) {
      if (err instanceof UpstreamStatusError && err.upstreamStatus === 501) {
        throw new BridgeError(
          "unsupported_operation",
          `node ${this.node.id} refuses slot ${action} (501): llama-server keeps KV cache files only when started with --slot-save-path DIR`,
          { backend: this.kind, node: this.node.id, operation: "kv_save_restore", action, message: upstreamMessage(err.body) },
        );
      }
      throw err;
    }
  }

  async generate(input: GenerateInput, onDelta: (text: string) => void): Promise<GenerateDone> {
    requireOp(this, "generate");
    // The slot is held for the whole stream.
    return this.exclusive(() => this.generateLocked(input, onDelta));
  }

  private async generateLocked(input: GenerateInput, onDelta: (text: string) => void): Promise<GenerateDone> {
    const first = input.blocks[0];
    if (first && this.slotBlock !== first.id) {
      this.slotBlock = null;
      try {
        await this.slotAction("restore", first.id, input.cancel);
        this.slotBlock = first.id;
      } catch (err) {
        // A missing or unreadable file (or a server restarted without --slot-save-path) only costs
        // the cache hit: the prompt still carries the text, and the node reports what it cached.
        if (!(err instanceof UpstreamStatusError) && !isNoSlotSavePath(err)) throw err;
      }
    }
    const lora = await this.loraField(input.adapter);
    const json = {
      prompt: this.prompt(input),
      n_predict: input.maxTokens,
      temperature: input.temperature,
      id_slot: this.node.slot_id,
      cache_prompt: true,
      stream: true,
      ...(lora ? { lora } : {}),
    };
    this.slotBlock = first ? first.id : null;
    // Declared wide: it is set in the callback, which the compiler's narrowing does not see.
    let final = null as CompletionChunk | null;
    await streamEvents(this.node, "/completion", { json, timeoutMs: this.timeoutMs, cancel: input.cancel }, (data) => {
      // After the stop chunk, read on to the end of the body so the connection is kept alive.
      if (final || data === "[DONE]") return;
      const chunk = JSON.parse(data) as CompletionChunk;
      if (chunk.error) throw new BridgeError("upstream_stream_failed", `node ${this.node.id}: ${chunk.error.message ?? "error"}`);
      if (chunk.content) onDelta(chunk.content);
      if (chunk.stop) final = chunk;
    });
    if (!final) {
      this.slotBlock = null;
      throw new BridgeError("upstream_stream_failed", `stream from node ${this.node.id} ended before stop`, { node: this.node.id });
    }
    return { finish_reason: finishOf(final), usage: usageOf(final) };
  }

  /** A text prompt in the node's chat format, or a mixed array when a block is token ids. */
  private prompt(input: GenerateInput): string | (string | number)[] {
    const fmt = this.node.chat_format;
    if (input.blocks.every((b) => b.token_ids === null)) return renderPrompt(fmt, withPrefix(input.blocks, input.messages));
    const parts: (string | number)[] = [];
    for (const b of input.blocks) {
      if (b.token_ids) parts.push(...b.token_ids);
      else parts.push(renderSystemPrefix(fmt, b.text ?? ""));
    }
    parts.push(renderPrompt(fmt, input.messages));
    return parts;
  }

  private async loraList(refresh = false): Promise<LoraEntry[]> {
    if (!this.adapters || refresh) {
      this.adapters = (await requestJson(this.node, "/lora-adapters", { timeoutMs: this.timeoutMs })) as LoraEntry[];
    }
    return this.adapters;
  }

  /** The adapter list for per-request scales; a server without the route has none. */
  private async loraListOrEmpty(): Promise<LoraEntry[]> {
    if (this.adapters) return this.adapters;
    try {
      return await this.loraList();
    } catch (err) {
      if (err instanceof UpstreamStatusError && (err.upstreamStatus === 404 || err.upstreamStatus === 501)) return (this.adapters = []);
      throw err;
    }
  }

  private find(list: LoraEntry[], a: AdapterRef): LoraEntry {
    const hit = list.find((e) => e.path === a.source || e.path.endsWith(`/${a.source}`));
    if (!hit) {
      throw new BridgeError(
        "not_found",
        `node ${this.node.id} has no adapter file ${a.source}; llama.cpp loads adapters only at start (--lora FILE)`,
        { node: this.node.id, available: list.map((e) => e.path) },
      );
    }
    return hit;
  }

  /**
   * Per-request scales: the wanted adapter at 1, every other at 0 (llama.cpp applies files given
   * with --lora at scale 1 by default, to every request); none when the node has no adapters.
   */
  private async loraField(adapter: AdapterRef | null): Promise<{ id: number; scale: number }[] | null> {
    const list = await this.loraListOrEmpty();
    if (list.length === 0) return null;
    const chosen = adapter ? this.find(list, adapter).id : -1;
    return list.map((e) => ({ id: e.id, scale: e.id === chosen ? 1 : 0 }));
  }

  private async setScale(a: AdapterRef, scale: number): Promise<void> {
    requireOp(this, "lora_runtime");
    const list = await this.loraList(true);
    const target = this.find(list, a);
    const body = list.map((e) => ({ id: e.id, scale: e.id === target.id ? scale : e.scale }));
    await requestJson(this.node, "/lora-adapters", { json: body, timeoutMs: this.timeoutMs });
    this.adapters = list.map((e) => ({ ...e, scale: e.id === target.id ? scale : e.scale }));
  }

  loadAdapter(a: AdapterRef): Promise<void> {
    return this.setScale(a, 1);
  }

  unloadAdapter(a: AdapterRef): Promise<void> {
    return this.setScale(a, 0);
  }
}

function isNoSlotSavePath(err: unknown): boolean {
  return err instanceof BridgeError && err.code === "unsupported_operation";
}

function fileOf(blockId: string): string {
  return `${blockId}.bin`;
}

function finishOf(c: CompletionChunk): string {
  if (c.stop_type) return c.stop_type === "limit" ? "length" : "stop";
  return c.stopped_limit ? "length" : "stop";
}

function usageOf(c: CompletionChunk): Usage {
  return {
    prompt_tokens: c.tokens_evaluated ?? c.timings?.prompt_n ?? null,
    completion_tokens: c.tokens_predicted ?? c.timings?.predicted_n ?? null,
    cached_tokens: c.timings?.cache_n ?? c.tokens_cached ?? null,
  };
}
