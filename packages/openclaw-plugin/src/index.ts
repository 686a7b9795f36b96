// OpenClaw plugin entry (kind "memory"): recall in before_prompt_build, capture at agent_end, and the memory tools.
import { recallBlock, stripRecall } from "./block.ts";
import { captureKey, captureMessages, newTurnsStart, sessionIdOf } from "./capture.ts";
import { parseConfig } from "./config.ts";
import path from "node:path";
import { createCursorStore, fileKeyedStore, MAX_SESSIONS, type Cursor, type KeyedStore } from "./cursors.ts";
import { createService } from "./service.ts";
import { memoryTools, type MemoryTool } from "./tools.ts";

/** The part of OpenClaw's plugin API this plugin uses (openclaw/plugin-sdk's OpenClawPluginApi has more). */
export interface PluginApi {
  pluginConfig?: unknown;
  runtime?: {
    state?: {
      openKeyedStore?: <T>(opts: { namespace: string; maxEntries: number }) => KeyedStore<T>;
      resolveStateDir?: (env: NodeJS.ProcessEnv) => string;
    };
  };
  logger: { info(msg: string): void; warn(msg: string): void };
  registerTool(tool: MemoryTool): void;
  on(hook: "before_prompt_build", handler: (event: PromptEvent, ctx: HookContext) => Promise<{ prependContext?: string } | void>, opts?: { timeoutMs?: number }): void;
  on(hook: "agent_end", handler: (event: AgentEndEvent, ctx: HookContext) => Promise<void>, opts?: { timeoutMs?: number }): void;
}

export interface PromptEvent {
  prompt: string;
  currentUserMessage?: string;
  messages: unknown[];
}

export interface AgentEndEvent {
  runId?: string;
  messages: unknown[];
  success: boolean;
}

export interface HookContext {
  sessionId?: string;
  sessionKey?: string;
  agentId?: string;
}

const QUERY_CHARS = 2_000;

/** OpenClaw's keyed store where this plugin may use it, else a JSON file in OpenClaw's state folder, else none (memory). */
function openCursorStore(api: PluginApi): KeyedStore<Cursor> | undefined {
  const state = api.runtime?.state;
  try {
    if (state?.openKeyedStore) return state.openKeyedStore<Cursor>({ namespace: "capture-cursors", maxEntries: MAX_SESSIONS });
  } catch {
    // 2026.9.6 gives the keyed store to trusted plugins only.
  }
  try {
    const dir = state?.resolveStateDir?.(process.env);
    if (dir) return fileKeyedStore<Cursor>(path.join(dir, "plugins", "memos-edge", "capture-cursors.json"), MAX_SESSIONS);
  } catch {
    // no state folder: memory only
  }
  return undefined;
}

const plugin = {
  id: "memos-edge",
  name: "memos-edge memory",
  description: "Long-term memory from a memos-edge service: recall before each prompt, capture after each run, and memory tools.",
  kind: "memory" as const,
  register(api: PluginApi) {
    const cfg = parseConfig(api.pluginConfig);
    const service = createService(cfg);
    for (const tool of memoryTools(cfg, service)) api.registerTool(tool);

    if (cfg.recall) {
      api.on(
        "before_prompt_build",
        async (event) => {
          const query = stripRecall(event.currentUserMessage || event.prompt || "").slice(0, QUERY_CHARS);
          if (query.trim().length === 0) return;
          try {
            const found = await service.search(
              {
                query,
                format: "context",
                top_k: cfg.topK,
                budget_tokens: cfg.budgetTokens,
                ...(cfg.recallScope === "agent" && cfg.agentId ? { agent_id: cfg.agentId } : {}),
              },
              cfg.recallTimeoutMs,
            );
            if (!found.context || found.context.included.length === 0) return;
            return { prependContext: recallBlock(found.context.context) };
          } catch (err) {
            // Never into the turn: without memory the turn goes on.
            api.logger.warn(`memos-edge recall skipped: ${err instanceof Error ? err.message : String(err)}`);
            return;
          }
        },
        { timeoutMs: cfg.recallTimeoutMs + 250 },
      );
    }

    if (cfg.capture) {
      const cursors = createCursorStore(openCursorStore(api), (msg) => api.logger.warn(msg));
      api.on(
        "agent_end",
        async (event, ctx) => {
          if (!event.success) return;
          const session = ctx.sessionKey ?? ctx.sessionId ?? "default";
          const messages = Array.isArray(event.messages) ? event.messages : [];
          const start = newTurnsStart(messages, await cursors.get(session));
          const turns = captureMessages(messages, start);
          if (turns.length === 0) return;
          try {
            const sessionId = sessionIdOf(ctx.sessionId ?? ctx.sessionKey);
            await service.addMessages(turns, { ...(sessionId ? { sessionId } : {}), idempotencyKey: captureKey(session, turns) });
            await cursors.set(session, messages.length);
          } catch (err) {
            // The cursor stays at this turn: the next capture of the session sends it again.
            await cursors.set(session, start);
            api.logger.warn(`memos-edge capture failed (sent again with the next turn): ${err instanceof Error ? err.message : String(err)}`);
          }
        },
        { timeoutMs: cfg.requestTimeoutMs + 1_000 },
      );
    }
  },
};

export default plugin;
