// Where each session's next capture starts: kept in OpenClaw's state (a keyed store, or a JSON file), else in memory.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

/** The part of OpenClaw's keyed plugin store (api.runtime.state.openKeyedStore) used here. */
export interface KeyedStore<T> {
  register(key: string, value: T): Promise<void>;
  lookup(key: string): Promise<T | undefined>;
}

export interface CursorStore {
  /** Index of the first session message not captured yet, if known. */
  get(session: string): Promise<number | undefined>;
  set(session: string, next: number): Promise<void>;
}

/** Sessions whose cursor is kept; the oldest are dropped (a dropped session falls back to its last user message). */
export const MAX_SESSIONS = 1_000;

export interface Cursor {
  next: number;
}

/**
 * A keyed store in one JSON file (entries in insertion order, the oldest dropped past `maxEntries`), for
 * plugins OpenClaw does not give its SQLite store (2026.9.6 keeps it for trusted plugins). A missing or
 * unreadable file reads as empty and is rewritten whole (write to a temporary file, then rename).
 */
export function fileKeyedStore<T>(file: string, maxEntries: number): KeyedStore<T> {
  const read = async (): Promise<Map<string, T>> => {
    try {
      const entries: unknown = JSON.parse(await readFile(file, "utf8"));
      return Array.isArray(entries) ? new Map(entries.filter((e): e is [string, T] => Array.isArray(e) && typeof e[0] === "string")) : new Map();
    } catch {
      return new Map();
    }
  };
  return {
    lookup: async (key) => (await read()).get(key),
    async register(key, value) {
      const all = await read();
      all.delete(key);
      all.set(key, value);
      while (all.size > maxEntries) all.delete(all.keys().next().value!);
      await mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, JSON.stringify([...all]));
      await rename(tmp, file);
    },
  };
}

/**
 * Cursors in a durable store when there is one (so a one-shot `openclaw agent` run knows what the previous
 * run captured, and a failed capture is sent again with the next turn), in memory as well and as fallback.
 */
export function createCursorStore(durable?: KeyedStore<Cursor>, warn: (msg: string) => void = () => {}): CursorStore {
  const memory = new Map<string, number>();
  const remember = (session: string, next: number) => {
    memory.delete(session);
    memory.set(session, next);
    if (memory.size > MAX_SESSIONS) memory.delete(memory.keys().next().value!);
  };
  return {
    async get(session) {
      if (durable) {
        try {
          const c = await durable.lookup(session);
          if (c && Number.isInteger(c.next) && c.next >= 0) return c.next;
        } catch (err) {
          warn(`memos-edge capture cursor unreadable: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      return memory.get(session);
    },
    async set(session, next) {
      remember(session, next);
      if (!durable) return;
      try {
        await durable.register(session, { next });
      } catch (err) {
        warn(`memos-edge capture cursor not saved: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  };
}
