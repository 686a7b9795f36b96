// The cube's privacy mode (meta `privacy_mode`) and its PII vault: texts desensitized inside the cube,
// placeholders numbered in one synchronous transaction so that concurrent writes never collide.
import { z } from "zod";
import { applySpans, detectPii, mappingKey, PRIVACY_MODES, type PiiMapping, type PiiType, type PrivacyMode, type Span } from "../../src/governance/pii";
import { identitySchema } from "../../src/memory/cube-contract";

/**
 * New cubes mask: a value acknowledged raw cannot be taken back out of FTS, vectors, D1 and model
 * logs later, while masked text keeps search and dedup working and the value stays revealable.
 */
export const DEFAULT_PRIVACY_MODE: PrivacyMode = "mask";

/**
 * How vault values are stored. `index` turns a mapping key (type and normalized value) into the
 * key looked up in the vault; `seal`/`open` wrap values. Async so that an implementation with a
 * per-tenant data key (HMAC for the index, AES-GCM for values) fits without changing the flow.
 */
export interface VaultCipher {
  index(keys: readonly string[]): Promise<string[]>;
  seal(values: readonly string[]): Promise<string[]>;
  open(sealed: readonly string[]): Promise<string[]>;
}

/** NOT ENCRYPTION: values and keys are stored as they are, until the per-tenant data key exists. */
export const plaintextVaultCipher: VaultCipher = {
  index: async (keys) => [...keys],
  seal: async (values) => [...values],
  open: async (sealed) => [...sealed],
};

export const privacyArgs = {
  mask: z.tuple([identitySchema, z.array(z.string().max(200_000)).max(1_000)]),
  setMode: z.tuple([identitySchema, z.enum(PRIVACY_MODES)]),
  reveal: z.tuple([identitySchema, z.array(z.string().regex(/^\[[A-Z_]+_\d+\]$/).max(40)).max(1_000)]),
} as const;

export function readMode(sql: SqlStorage): PrivacyMode {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'privacy_mode'").toArray()[0];
  const parsed = z.enum(PRIVACY_MODES).safeParse(row?.value);
  return parsed.success ? parsed.data : DEFAULT_PRIVACY_MODE;
}

export function writeMode(sql: SqlStorage, mode: PrivacyMode): void {
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('privacy_mode', ?)", mode);
}

export function vaultSize(sql: SqlStorage): number {
  return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM pii_vault").one().n;
}

/** What `maskPrepared` needs, computed before the transaction (detection and the cipher's async work). */
export interface PreparedTexts {
  mode: PrivacyMode;
  texts: readonly string[];
  spans: Span[][];
  keys: string[][];
  sealed: string[][];
}

/** Detects PII in `texts` and runs the cipher over what was found; no storage is touched. */
export async function prepareTexts(mode: PrivacyMode, texts: readonly string[], cipher: VaultCipher): Promise<PreparedTexts> {
  const spans = texts.map((t) => (mode === "off" ? [] : detectPii(t)));
  const flat = spans.flat();
  if (mode !== "mask" || flat.length === 0) return { mode, texts, spans, keys: spans.map(() => []), sealed: spans.map(() => []) };
  const [keys, sealed] = await Promise.all([cipher.index(flat.map(mappingKey)), cipher.seal(flat.map((s) => s.value))]);
  const split = <T>(all: readonly T[]): T[][] => {
    let at = 0;
    return spans.map((s) => all.slice(at, (at += s.length)));
  };
  return { mode, texts, spans, keys: split(keys), sealed: split(sealed) };
}

/**
 * The desensitized texts; new values are numbered and written to the vault. Synchronous: call it
 * inside the write's transaction, so that the numbers read and the rows written cannot interleave.
 */
export function maskPrepared(sql: SqlStorage, p: PreparedTexts, now: number): string[] {
  if (p.mode === "off") return [...p.texts];
  const allKeys = [...new Set(p.keys.flat())];
  const placeholders: Record<string, string> = {};
  for (let i = 0; i < allKeys.length; i += 50) {
    const chunk = allKeys.slice(i, i + 50);
    const rows = sql.exec<{ key: string; placeholder: string }>(`SELECT key, placeholder FROM pii_vault WHERE key IN (${chunk.map(() => "?").join(",")})`, ...chunk).toArray();
    for (const r of rows) placeholders[r.key] = r.placeholder;
  }
  const next: Partial<Record<PiiType, number>> = {};
  for (const r of sql.exec<{ type: PiiType; n: number }>("SELECT type, MAX(n) AS n FROM pii_vault GROUP BY type").toArray()) next[r.type] = r.n + 1;
  let mapping: PiiMapping = { placeholders, next };
  return p.texts.map((text, i) => {
    const spans = p.spans[i] ?? [];
    if (p.mode === "redact") return applySpans(text, spans, "redact", mapping).text;
    const keys = p.keys[i] ?? [];
    const done = applySpans(text, spans, "mask", mapping, keys);
    for (const entry of done.added) {
      const j = keys.indexOf(entry.key);
      sql.exec(
        "INSERT INTO pii_vault (placeholder, type, n, key, value, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        entry.placeholder,
        entry.type,
        Number(entry.placeholder.slice(entry.type.length + 2, -1)),
        entry.key,
        p.sealed[i]?.[j] ?? "",
        now,
      );
    }
    mapping = done.mapping;
    return done.text;
  });
}

/**
 * Texts desensitized for reading, never writing: values the vault knows become their placeholder
 * (so a search by an email finds the memories that hold it masked), unknown ones a number the
 * vault has not given. Nothing is stored. For queries, before they are embedded.
 */
export function maskForReading(sql: SqlStorage, p: PreparedTexts): string[] {
  if (p.mode === "off") return [...p.texts];
  const allKeys = [...new Set(p.keys.flat())];
  const placeholders: Record<string, string> = {};
  for (let i = 0; i < allKeys.length; i += 50) {
    const chunk = allKeys.slice(i, i + 50);
    for (const r of sql.exec<{ key: string; placeholder: string }>(`SELECT key, placeholder FROM pii_vault WHERE key IN (${chunk.map(() => "?").join(",")})`, ...chunk)) placeholders[r.key] = r.placeholder;
  }
  const next: Partial<Record<PiiType, number>> = {};
  for (const r of sql.exec<{ type: PiiType; n: number }>("SELECT type, MAX(n) AS n FROM pii_vault GROUP BY type").toArray()) next[r.type] = r.n + 1;
  return p.texts.map((text, i) => applySpans(text, p.spans[i] ?? [], p.mode === "redact" ? "redact" : "mask", { placeholders, next }, p.keys[i] ?? []).text);
}

/** A vault row whose value was erased keeps its number (so it is never given to another value) and nothing else. */
const ERASED = "erased:";

/**
 * Erases the vault values of `placeholders` that no live memory text and no stored version
 * still names (raw messages are sealed and are not read here: a deleted memory's values go even
 * if the conversation it came from stays). The row stays, without key or value, so the number is
 * never given again: a placeholder in an old text can never come to mean someone else's value.
 */
export function eraseUnreferenced(sql: SqlStorage, placeholders: readonly string[]): number {
  let erased = 0;
  for (const p of new Set(placeholders)) {
    const used = sql
      .exec(
        `SELECT 1 FROM memories WHERE state != 'deleted' AND instr(text, ?1) > 0
         UNION ALL SELECT 1 FROM memory_versions WHERE instr(snapshot, ?1) > 0 LIMIT 1`,
        p,
      )
      .toArray().length > 0;
    if (used) continue;
    erased += sql.exec("UPDATE pii_vault SET key = ?, value = '' WHERE placeholder = ? AND key NOT LIKE 'erased:%'", `${ERASED}${p}`, p).rowsWritten;
  }
  return erased;
}

/** The vault values of the given placeholders (those it holds), opened with the cipher. */
export async function revealValues(sql: SqlStorage, placeholders: readonly string[], cipher: VaultCipher): Promise<Record<string, string>> {
  const found: { placeholder: string; value: string }[] = [];
  for (let i = 0; i < placeholders.length; i += 50) {
    const chunk = placeholders.slice(i, i + 50);
    found.push(
      ...sql
        .exec<{ placeholder: string; value: string }>(`SELECT placeholder, value FROM pii_vault WHERE placeholder IN (${chunk.map(() => "?").join(",")}) AND key NOT LIKE '${ERASED}%'`, ...chunk)
        .toArray(),
    );
  }
  const opened = await cipher.open(found.map((f) => f.value));
  return Object.fromEntries(found.map((f, i) => [f.placeholder, opened[i] ?? ""]));
}
