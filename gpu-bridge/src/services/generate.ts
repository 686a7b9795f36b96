// Generation with activation blocks as the prompt's prefix and an optional adapter.
import type { GenerateRequest, GenerateStart, GenerateSummary } from "@memos-edge/bridge-protocol";
import type { Cancel } from "../cancel.js";
import { backendOf, pickNode } from "../context.js";
import type { BridgeDeps } from "../context.js";
import { BridgeError } from "../errors.js";
import type { GenerateDone } from "../backends/types.js";
import type { Block } from "../registry/activation.js";
import { estimateTokens } from "./activation.js";
import { ensureLoaded, ownAdapter } from "./adapters.js";
import { recordPrompt } from "./keep-warm.js";

export interface GenerateRun {
  start: GenerateStart;
  /** Runs the generation on the node, handing it each piece of text as it arrives. */
  stream(onDelta: (text: string) => void): Promise<GenerateDone>;
  /** Summarizes the finished stream. */
  summarize(done: GenerateDone, ttftMs: number | null): GenerateSummary;
}

/**
 * Resolves blocks (which must all belong to the cube and sit on one node), loads the adapter
 * on that node if asked, marks the blocks used, and returns the node's stream unstarted.
 */
export async function startGenerate(deps: BridgeDeps, req: GenerateRequest, cancel: Cancel): Promise<GenerateRun> {
  const blocks: Block[] = req.block_ids.map((id) => {
    const b = deps.blocks.get(id);
    if (!b || b.tenant_id !== req.tenant_id || b.cube_id !== req.cube_id) throw new BridgeError("not_found", `block ${id} not found`);
    return b;
  });
  const nodes = new Set(blocks.map((b) => b.node_id));
  if (nodes.size > 1) {
    throw new BridgeError("invalid_request", "blocks of one request must be on one node", { nodes: [...nodes] });
  }
  const adapter = req.adapter ? ownAdapter(deps, req.tenant_id, req.cube_id, req.adapter) : null;
  const model = req.model ?? blocks[0]?.model ?? adapter?.base_model;
  const mismatched = blocks.find((b) => b.model !== model);
  if (mismatched) throw new BridgeError("invalid_request", `block ${mismatched.id} was prepared for model ${mismatched.model}, not ${model}`);
  if (adapter && model !== adapter.base_model) {
    throw new BridgeError("invalid_request", `adapter ${adapter.name} is for ${adapter.base_model}, not ${model}`);
  }
  const node = pickNode(deps, { node: blocks[0]?.node_id, model });
  const useModel = model ?? (node.models[0] as string);
  if (adapter) await ensureLoaded(deps, adapter, node);
  const now = deps.now();
  for (const b of blocks) deps.blocks.touch(b.id, now);
  if (req.heat !== undefined) for (const b of blocks) deps.blocks.reportHeat(b.id, req.heat, now);
  if (blocks.length) deps.db.persistSoon();

  const backend = backendOf(deps, node.id);
  const input = {
    model: useModel,
    blocks,
    messages: req.messages,
    adapter: adapter ? { name: adapter.id, source: adapter.source } : null,
    maxTokens: req.max_tokens,
    temperature: req.temperature,
    cancel,
  };
  return {
    start: { node: node.id, model: useModel, blocks: blocks.map((b) => b.id), adapter: adapter?.name ?? null },
    async stream(onDelta) {
      // On resident blocks, the prompt's own tokens are in flight beside the others': the conversation demand.
      const end = blocks.length && node.cache_bytes ? deps.churn.begin(node.id, estimateTokens(req.messages.map((m) => m.content).join(""))) : () => undefined;
      try {
        return await backend.generate(input, onDelta);
      } finally {
        end();
      }
    },
    summarize(done, ttftMs) {
      const cached = done.usage.cached_tokens;
      // Trust the node when it counts cached tokens; otherwise a registered prefix is a hit by
      // construction (it was warmed and has not been evicted by the bridge).
      const summary: GenerateSummary = {
        finish_reason: done.finish_reason,
        usage: done.usage,
        cache_hit: cached !== null ? cached > 0 : blocks.length > 0,
        cache_source: cached !== null ? "node" : "registry",
        ttft_ms: ttftMs,
      };
      if (blocks.length) deps.metrics.cacheResult(node.id, summary.cache_hit);
      // The prompt went through the node's prefix cache: what it pushed in counts against the resident blocks.
      const promptTokens = done.usage.prompt_tokens ?? blocks.reduce((n, b) => n + b.tokens, 0) + estimateTokens(req.messages.map((m) => m.content).join(""));
      recordPrompt(deps, node, promptTokens, done.usage.completion_tokens ?? 0, blocks);
      if (ttftMs !== null) deps.metrics.firstToken(node.id, ttftMs / 1000);
      return summary;
    },
  };
}
