// The cube's privacy mode (meta `privacy_mode`) and its PII vault: texts desensitized inside the cube,
// placeholders numbered in one synchronous transaction so that concurrent writes never collide.
import { z } from "zod";
import { applySpans, detectPii, mappingKey, MODEL_PII_TYPES, normalizeModelValue, PRIVACY_MODES, resolveOverlaps, toSpans, type ModelSpan, type PiiMapping, type PiiType, type PrivacyMode, type Span } from "../../src/governance/pii";
import { identitySchema, LIMITS, modelSpansSchema } from "../../src/memory/cube-contract";

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
  /** maskTexts: the texts, and optionally the model's spans of each. */
  maskWrite: z.tuple([identitySchema, z.array(z.string().max(200_000)).max(1_000), z.array(modelSpansSchema).max(1_000).optional()]),
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

/**
 * Detects PII in `texts` (with the spans a model found in each, `extra[i]`, merged in: overlaps go
 * to the longer, then the more specific) and runs the cipher over what was found; no storage is touched.
 */
export async function prepareTexts(
  mode: PrivacyMode,
  texts: readonly string[],
  cipher: VaultCipher,
  extra?: ReadonlyArray<readonly ModelSpan[] | undefined>,
  /** False for reading (queries): nothing is written, so values need no sealing. */
  seal = true,
): Promise<PreparedTexts> {
  const spans = texts.map((t, i) => {
    if (mode === "off") return [];
    const found = detectPii(t);
    const more = extra?.[i];
    return more?.length ? resolveOverlaps([...found, ...toSpans(t, more)]) : found;
  });
  const flat = spans.flat();
  if (mode !== "mask" || flat.length === 0) return { mode, texts, spans, keys: spans.map(() => []), sealed: spans.map(() => []) };
  const [keys, sealed] = await Promise.all([cipher.index(flat.map(mappingKey)), seal ? cipher.seal(flat.map((s) => s.value)) : flat.map(() => "")]);
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

/**
 * Words of a text read for names the vault knows (every word of the longest query: a name is
 * never sent on because it came late; each word costs 12 keyed hashes at most), and the longest
 * name in words.
 */
const NAME_SCAN_WORDS = LIMITS.queryChars / 2;
const NAME_MAX_WORDS = 6;

/**
 * Spans of `texts` that spell a name or address the vault already holds (a model found it in a
 * stored text), so that a query names the person by the placeholder the memories use, without a
 * model call per query: every run of 1 to 6 words is looked up by its keyed index. Nothing is
 * read when the vault holds no model-found value.
 */
export async function knownNameSpans(sql: SqlStorage, texts: readonly string[], cipher: VaultCipher): Promise<ModelSpan[][] | undefined> {
  const types = MODEL_PII_TYPES as readonly string[];
  const holdsModelValues = sql.exec(`SELECT 1 FROM pii_vault WHERE type IN (${types.map(() => "?").join(",")}) LIMIT 1`, ...types).toArray().length > 0;
  if (!holdsModelValues) return undefined;
  const candidates: Array<{ text: number; span: ModelSpan; key: string }> = [];
  texts.forEach((text, ti) => {
    const words = [...text.matchAll(/[\p{L}\p{N}]+/gu)].slice(0, NAME_SCAN_WORDS);
    for (let i = 0; i < words.length; i++) {
      for (let n = 1; n <= NAME_MAX_WORDS && i + n <= words.length; n++) {
        const start = words[i]?.index ?? 0;
        const last = words[i + n - 1] as RegExpExecArray;
        const end = last.index + last[0].length;
        const normalized = normalizeModelValue(text.slice(start, end));
        for (const type of MODEL_PII_TYPES) candidates.push({ text: ti, span: { type, start, end }, key: mappingKey({ type, normalized }) });
      }
    }
  });
  if (candidates.length === 0) return undefined;
  const indexed = await cipher.index(candidates.map((c) => c.key));
  const known = new Set<string>();
  const distinct = [...new Set(indexed)];
  for (let i = 0; i < distinct.length; i += 50) {
    const chunk = distinct.slice(i, i + 50);
    for (const r of sql.exec<{ key: string }>(`SELECT key FROM pii_vault WHERE key IN (${chunk.map(() => "?").join(",")})`, ...chunk)) known.add(r.key);
  }
  const out: ModelSpan[][] = texts.map(() => []);
  candidates.forEach((c, i) => {
    if (known.has(indexed[i] as string)) out[c.text]?.push(c.span);
  });
  return out;
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
