// Stand-in for llama.cpp's llama-server: /completion with slots and prompt cache, slot save /
// restore / erase under --slot-save-path (501 for every slot action without it), /lora-adapters.
import type { ServerResponse } from "node:http";
import { commonPrefix, json, sleep, sseData, sseStart, startStandin, tokensOf } from "./server.js";
import type { Standin } from "./server.js";

interface LoraEntry {
  id: number;
  path: string;
  scale: number;
}

export interface LlamaStandin extends Standin {
  slots: string[];
  files: Map<string, string>;
  loras: LoraEntry[];
  words: string[];
  dieAfterChunks: number | null;
  /** Whether the server runs with --slot-save-path; settable, as after a restart with other flags. */
  slotSavePath: boolean;
}

/** llama-server's answer to any slot action when started without --slot-save-path (HTTP 501). */
export const NO_SLOT_SAVE_PATH = "This server does not support slots action. Start it with `--slot-save-path`";

function err(res: ServerResponse, status: number, message: string, type = "invalid_request_error"): void {
  json(res, status, { error: { code: status, message, type } });
}

/** The prompt as the cache compares it: tokens written as ⟨id⟩, strings as themselves. */
function flatten(prompt: unknown): string | null {
  if (typeof prompt === "string") return prompt;
  if (Array.isArray(prompt) && prompt.every((p) => typeof p === "string" || typeof p === "number")) {
    return prompt.map((p) => (typeof p === "number" ? `⟨${p}⟩` : p)).join("");
  }
  return null;
}

export async function startLlamaCpp(opts: { slots?: number; slotSavePath?: boolean; loras?: string[] } = {}): Promise<LlamaStandin> {
  const slots = Array.from({ length: opts.slots ?? 2 }, () => "");
  const files = new Map<string, string>();
  const loras: LoraEntry[] = (opts.loras ?? []).map((path, id) => ({ id, path, scale: 1 }));
  const state = { words: ["x", "y", "z"], dieAfterChunks: null as number | null, slotSavePath: opts.slotSavePath ?? false };
  const s = await startStandin(async (req, res) => {
    const path = req.url.pathname;
    if (req.method === "GET" && path === "/health") return json(res, 200, { status: "ok" });
    if (req.method === "GET" && path === "/lora-adapters") return json(res, 200, loras);
    if (req.method === "POST" && path === "/lora-adapters") {
      const body = req.body;
      if (!Array.isArray(body)) return err(res, 400, "request body must be an array");
      for (const e of body as { id?: unknown; scale?: unknown }[]) {
        const hit = loras.find((l) => l.id === e.id);
        if (!hit || typeof e.scale !== "number") return err(res, 400, "invalid adapter id");
        hit.scale = e.scale;
      }
      return json(res, 200, { success: true });
    }
    const slotMatch = /^\/slots\/(\d+)$/.exec(path);
    if (req.method === "POST" && slotMatch) {
      // llama-server checks the save path before the slot id or the action: erase is refused too.
      if (!state.slotSavePath) return err(res, 501, NO_SLOT_SAVE_PATH, "not_supported_error");
      const id = Number(slotMatch[1]);
      if (id >= slots.length) return err(res, 400, "Invalid slot ID");
      const action = req.url.searchParams.get("action");
      const filename = (req.body as { filename?: unknown }).filename;
      if (action === "erase") {
        const n = tokensOf(slots[id] ?? "");
        slots[id] = "";
        return json(res, 200, { id_slot: id, n_erased: n });
      }
      if (typeof filename !== "string" || !/^[\w.-]+$/.test(filename) || filename.endsWith(".")) return err(res, 400, "Invalid filename");
      if (action === "save") {
        const content = slots[id] ?? "";
        files.set(filename, content);
        return json(res, 200, { id_slot: id, filename, n_saved: tokensOf(content), n_written: tokensOf(content) * 1000, timings: { save_ms: 1.5 } });
      }
      if (action === "restore") {
        const content = files.get(filename);
        if (content === undefined) return err(res, 400, "failed to restore slot, file not found");
        slots[id] = content;
        return json(res, 200, { id_slot: id, filename, n_restored: tokensOf(content), n_read: tokensOf(content) * 1000, timings: { restore_ms: 1.2 } });
      }
      return err(res, 400, "Invalid action");
    }
    if (req.method === "POST" && path === "/completion") {
      const b = req.body as { prompt?: unknown; n_predict?: number; id_slot?: number; cache_prompt?: boolean; stream?: boolean };
      const prompt = flatten(b.prompt);
      if (prompt === null) return err(res, 400, '"prompt" must be a string, or an array of tokens and strings');
      const slot = b.id_slot ?? -1;
      if (slot >= slots.length) return err(res, 400, "Invalid slot ID");
      const sid = slot < 0 ? 0 : slot;
      const cachedChars = b.cache_prompt ? commonPrefix(slots[sid] ?? "", prompt) : 0;
      slots[sid] = prompt;
      const cacheN = Math.floor(cachedChars / 4);
      const promptN = tokensOf(prompt) - cacheN;
      const nPredict = b.n_predict ?? -1;
      const words = nPredict < 0 ? state.words : state.words.slice(0, nPredict);
      const final = {
        content: "",
        id_slot: sid,
        stop: true,
        stop_type: nPredict >= 0 && nPredict < state.words.length ? "limit" : "eos",
        tokens_predicted: words.length,
        tokens_evaluated: tokensOf(prompt),
        tokens_cached: cacheN,
        timings: { cache_n: cacheN, prompt_n: promptN, predicted_n: words.length },
      };
      if (!b.stream) return json(res, 200, { ...final, content: words.join("") });
      sseStart(res);
      let sent = 0;
      for (const w of words) {
        if (state.dieAfterChunks !== null && sent >= state.dieAfterChunks) {
          await sleep(20);
          res.socket?.destroy();
          return;
        }
        sseData(res, { content: w, stop: false, id_slot: sid });
        sent++;
        await sleep(0);
      }
      sseData(res, final);
      res.end();
      return;
    }
    return err(res, 404, "File Not Found", "not_found_error");
  });
  return {
    ...s,
    slots,
    files,
    loras,
    get words() {
      return state.words;
    },
    set words(w: string[]) {
      state.words = w;
    },
    get dieAfterChunks() {
      return state.dieAfterChunks;
    },
    set dieAfterChunks(v: number | null) {
      state.dieAfterChunks = v;
    },
    get slotSavePath() {
      return state.slotSavePath;
    },
    set slotSavePath(v: boolean) {
      state.slotSavePath = v;
    },
  };
}
