// The InferenceBackend interface every inference server adapter implements, and its operations.
import type { Cancel } from "../cancel.js";
import { BridgeError } from "../errors.js";
import type { BackendKind, NodeConfig } from "../config.js";

/**
 * What an adapter can do. Every adapter states its set; asking for anything else is an
 * `unsupported_operation` error naming the backend and the operation.
 */
export type Operation =
  /** Stream a chat answer whose prompt starts with the blocks' prefix. */
  | "generate"
  /** Prepare a text block's KV cache on the node (prefix caching). */
  | "prefix_warm"
  /** Blocks given as token ids rather than text. */
  | "token_prefix"
  /** KV cache saved to and restored from files per slot. */
  | "kv_save_restore"
  /** Drop the node's whole prefix cache. */
  | "cache_flush"
  /** Load and unload LoRA adapters at runtime. */
  | "lora_runtime";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** A block as a backend sees it: identity and content only. */
export interface PrefixBlock {
  id: string;
  text: string | null;
  token_ids: number[] | null;
}

export interface WarmResult {
  /** Tokens the node counted for the block, when it says. */
  tokens: number | null;
  /** Bytes the node reports the block's KV takes (llama.cpp slot save), when it says. */
  bytes: number | null;
}

export interface AdapterRef {
  /** Name used on the node: the bridge's adapter id, unique and safe. */
  name: string;
  /** Path on the node or object-store URL of the weights. */
  source: string;
}

export interface GenerateInput {
  model: string;
  blocks: PrefixBlock[];
  messages: ChatMessage[];
  adapter: AdapterRef | null;
  maxTokens: number;
  temperature: number;
  /** Fired when the caller no longer wants the answer; ends the node's request. */
  cancel: Cancel;
}

export interface Usage {
  prompt_tokens: number | null;
  completion_tokens: number | null;
  /** Prompt tokens the node served from its cache; null when the node does not report it. */
  cached_tokens: number | null;
}

/** How a generation ended, known once its stream is complete. */
export interface GenerateDone {
  finish_reason: string | null;
  usage: Usage;
}

export interface InferenceBackend {
  readonly kind: BackendKind;
  readonly node: NodeConfig;
  readonly operations: ReadonlySet<Operation>;
  /** Prepares the block's KV cache on the node so later prompts that start with it reuse it. */
  warm(block: PrefixBlock, model: string): Promise<WarmResult>;
  /** Tells the node a block is no longer wanted; `remaining` is how many blocks stay on it. */
  release(block: PrefixBlock, remaining: number): Promise<void>;
  /**
   * Streams an answer: each piece of text goes to `onDelta` as the node sends it (pushed, not
   * pulled, so a token costs no async iterator steps). Resolves once the stream is complete;
   * rejects with a BridgeError when it fails, before or after some text.
   */
  generate(input: GenerateInput, onDelta: (text: string) => void): Promise<GenerateDone>;
  loadAdapter(adapter: AdapterRef): Promise<void>;
  unloadAdapter(adapter: AdapterRef): Promise<void>;
}

/** Throws the stable error for an operation this backend lacks. */
export function requireOp(b: InferenceBackend, op: Operation): void {
  if (!b.operations.has(op)) {
    throw new BridgeError("unsupported_operation", `backend ${b.kind} (node ${b.node.id}) does not support ${op}`, {
      backend: b.kind,
      node: b.node.id,
      operation: op,
    });
  }
}

/** The prefix text of the blocks in the given order; the separator is part of the cached prefix. */
export function prefixText(blocks: PrefixBlock[]): string {
  return blocks.map((b) => b.text ?? "").join("\n\n");
}

/**
 * Messages with the prefix first: the blocks' text opens the system message, so the rendered
 * prompt starts with exactly the tokens that warming put in the cache. A caller's own system
 * message follows the prefix inside the same message.
 */
export function withPrefix(blocks: PrefixBlock[], messages: ChatMessage[]): ChatMessage[] {
  if (blocks.length === 0) return messages;
  const prefix = prefixText(blocks);
  const systems = messages.filter((m) => m.role === "system").map((m) => m.content);
  const rest = messages.filter((m) => m.role !== "system");
  const system = systems.length ? `${prefix}\n\n${systems.join("\n\n")}` : prefix;
  return [{ role: "system", content: system }, ...rest];
}
