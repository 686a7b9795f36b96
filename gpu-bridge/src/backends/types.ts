// The InferenceBackend interface every inference server adapter implements, and its operations.
import type { BlockRelease, ChatMessage, Usage } from "@memos-edge/bridge-protocol";
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
  /** Load and unload LoRA adapters at runtime. */
  | "lora_runtime";

/**
 * What a backend really does with activation blocks, reported per node on `/healthz` and
 * `/v1/nodes`, so a caller can tell a block the bridge keeps from one the server may drop.
 */
export interface Capabilities {
  /**
   * What `pinned: true` guarantees. `none`: nothing (the server evicts cached prefixes by its own
   * LRU whatever the bridge registers), so the bridge refuses to pin. `slot_file`: the block's KV
   * is saved to a file on the node and restored into the slot before use, and the bridge never
   * evicts a pinned block to make room under the node's budget.
   */
  pin: "none" | "slot_file";
  /**
   * What evicting one block does on the node. `forget`: nothing is sent; the bridge drops the
   * block and its share of the budget, and the server's LRU reclaims the memory when it needs it.
   * `erase_slot`: the slot is erased if it still holds the block; the saved file stays on disk.
   * Never a flush of the whole cache: that would drop every other block with it.
   */
  release: BlockRelease;
  /**
   * Who decides what leaves the node's cache. `server_lru`: the inference server, at any time;
   * the bridge's budget only bounds what it registers. `bridge_budget`: the bridge, evicting the
   * least recently used unpinned blocks when a node's budget is full.
   */
  eviction: "server_lru" | "bridge_budget";
}

/** vLLM and SGLang: automatic prefix caching that the server alone evicts, with no per-prefix API. */
export const SERVER_LRU: Readonly<Capabilities> = Object.freeze({ pin: "none", release: "forget", eviction: "server_lru" });

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

/** How a generation ended, known once its stream is complete. */
export interface GenerateDone {
  finish_reason: string | null;
  usage: Usage;
}

export interface InferenceBackend {
  readonly kind: BackendKind;
  readonly node: NodeConfig;
  readonly operations: ReadonlySet<Operation>;
  readonly capabilities: Readonly<Capabilities>;
  /** Prepares the block's KV cache on the node so later prompts that start with it reuse it. */
  warm(block: PrefixBlock, model: string): Promise<WarmResult>;
  /** Does what `capabilities.release` says for a block the bridge no longer keeps; never touches other blocks. */
  release(block: PrefixBlock): Promise<void>;
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

/** Throws the stable error for `pinned: true` on a backend that cannot keep a block. */
export function requirePin(b: InferenceBackend): void {
  if (b.capabilities.pin !== "none") return;
  throw new BridgeError(
    "unsupported_operation",
    `backend ${b.kind} (node ${b.node.id}) cannot pin a block: the server evicts cached prefixes by its own LRU whatever the bridge registers`,
    { backend: b.kind, node: b.node.id, operation: "pin", capabilities: b.capabilities },
  );
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
