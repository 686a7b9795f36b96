// Per-tenant data keys in D1, wrapped by the master key secret: get-or-create, load by version, rotate, rewrap; fail closed without a master key.
import { and, desc, eq, isNull, lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { dataKeys } from "../db/schema";
import { ApiError } from "../errors";
import {
  dataKeyFromBytes,
  EnvelopeError,
  importMasterKey,
  newDataKeyBytes,
  parseMasterKey,
  unwrapDataKey,
  wrapAad,
  wrapDataKey,
  type DataKey,
  type MasterKey,
} from "../governance/envelope";

/** What the data keys need of the bindings; the Worker's Env and the cube's CubeEnv both satisfy it. */
export interface DataKeyEnv {
  DB: D1Database;
  /** Base64 of 32 random bytes. Required outside development and tests. */
  MASTER_KEY?: string;
  /** The master key before the current one, while its data keys are rewrapped. */
  MASTER_KEY_PREVIOUS?: string;
  ENVIRONMENT?: string;
}

/**
 * The master key of development and tests when none is set: public, so it protects nothing. It
 * only keeps one code path (data at rest is sealed the same way everywhere); never used elsewhere.
 */
const DEV_MASTER_KEY = "m3i/8vR8qIrgqpDQFcB79zHT8kkqOg6MNez75NbBsU8=";

export type MasterKeyState = "configured" | "development" | "missing" | "malformed";

/** How the master key is configured, checked without any await (for /healthz and the fail-closed guard). */
export function masterKeyState(env: Omit<DataKeyEnv, "DB">): { state: MasterKeyState; problem: string | null } {
  for (const [name, value] of [["MASTER_KEY", env.MASTER_KEY], ["MASTER_KEY_PREVIOUS", env.MASTER_KEY_PREVIOUS]] as const) {
    if (!value) continue;
    try {
      parseMasterKey(value);
    } catch (err) {
      return { state: "malformed", problem: `${name} is malformed: ${err instanceof EnvelopeError ? err.message : "unreadable"}` };
    }
  }
  if (env.MASTER_KEY) return { state: "configured", problem: null };
  if (env.ENVIRONMENT === "development" || env.ENVIRONMENT === "test") return { state: "development", problem: null };
  return { state: "missing", problem: "MASTER_KEY is not configured" };
}

/** Throws the 503 every request that needs a data key gets while the master key is missing or malformed. */
export function assertMasterKey(env: Omit<DataKeyEnv, "DB">): void {
  const { problem } = masterKeyState(env);
  if (problem) throw new ApiError("upstream_unavailable", `encryption at rest is not configured: ${problem}`, { reason: "master_key" });
}

const masterCache = new Map<string, Promise<MasterKey>>();
function master(secret: string): Promise<MasterKey> {
  let p = masterCache.get(secret);
  if (!p) {
    p = importMasterKey(secret);
    masterCache.set(secret, p);
  }
  return p;
}

interface Masters {
  current: MasterKey;
  previous: MasterKey | null;
}

async function masters(env: DataKeyEnv): Promise<Masters> {
  assertMasterKey(env);
  const current = await master(env.MASTER_KEY || DEV_MASTER_KEY);
  const previous = env.MASTER_KEY_PREVIOUS ? await master(env.MASTER_KEY_PREVIOUS) : null;
  return { current, previous };
}

function masterFor(m: Masters, id: string, tenantId: string, version: number): MasterKey {
  if (m.current.id === id) return m.current;
  if (m.previous?.id === id) return m.previous;
  console.error(JSON.stringify({ level: "error", message: "data key wrapped by an unknown master key", tenant_id: tenantId, version, master_key_id: id }));
  throw new ApiError("upstream_unavailable", `data key ${version} of the tenant is wrapped by master key ${id}, which is neither MASTER_KEY nor MASTER_KEY_PREVIOUS`, { reason: "master_key" });
}

/** How long an isolate trusts its idea of a tenant's current version; a rotation is seen by all isolates within it. */
export const CURRENT_TTL_MS = 60_000;
const VERSION_TTL_MS = 10 * 60_000;
const currentCache = new Map<string, { at: number; key: Promise<DataKey> }>();
const versionCache = new Map<string, { at: number; key: Promise<DataKey> }>();
const CACHE_MAX = 1_000;

function cached(cache: Map<string, { at: number; key: Promise<DataKey> }>, id: string, ttl: number, load: () => Promise<DataKey>): Promise<DataKey> {
  const now = Date.now();
  const hit = cache.get(id);
  if (hit && now - hit.at < ttl) return hit.key;
  if (cache.size >= CACHE_MAX) cache.clear();
  const key = load();
  cache.set(id, { at: now, key });
  // A failure (D1 down, no master key) is not remembered.
  key.catch(() => cache.get(id)?.key === key && cache.delete(id));
  return key;
}

/** Forgets what this isolate cached of a tenant's keys (after a rotation here; tests). */
export function forgetDataKeys(tenantId?: string): void {
  for (const cache of [currentCache, versionCache]) {
    if (tenantId === undefined) cache.clear();
    else for (const k of cache.keys()) if (k.startsWith(`${tenantId}\u0000`)) cache.delete(k);
  }
}

type Row = typeof dataKeys.$inferSelect;

function unwrapRow(m: Masters, row: Row): Promise<Uint8Array<ArrayBuffer>> {
  return unwrapDataKey(masterFor(m, row.masterKeyId, row.tenantId, row.version), row.wrapped, wrapAad(row.tenantId, row.version)).catch((err: unknown) => {
    console.error(JSON.stringify({ level: "error", message: "data key does not unwrap", tenant_id: row.tenantId, version: row.version, reason: err instanceof EnvelopeError ? err.reason : "unknown" }));
    throw new ApiError("internal", "a data key of the tenant does not unwrap");
  });
}

async function open(env: DataKeyEnv, row: Row): Promise<DataKey> {
  return dataKeyFromBytes(row.version, await unwrapRow(await masters(env), row));
}

/** Inserts `version` for the tenant unless a row holds it already; true when this call made it. */
async function insertVersion(env: DataKeyEnv, tenantId: string, version: number, now: number): Promise<boolean> {
  const m = await masters(env);
  const wrapped = await wrapDataKey(m.current, newDataKeyBytes(), wrapAad(tenantId, version));
  const res = await drizzle(env.DB)
    .insert(dataKeys)
    .values({ tenantId, version, wrapped, masterKeyId: m.current.id, createdAt: now, retiredAt: null })
    .onConflictDoNothing()
    .run();
  return res.meta.changes > 0;
}

async function latestRow(env: DataKeyEnv, tenantId: string): Promise<Row | undefined> {
  return drizzle(env.DB).select().from(dataKeys).where(eq(dataKeys.tenantId, tenantId)).orderBy(desc(dataKeys.version)).limit(1).get();
}

/** The key new writes of the tenant are sealed with: its highest version, created (version 1) on first use. Race-safe. */
export function currentDataKey(env: DataKeyEnv, tenantId: string): Promise<DataKey> {
  return cached(currentCache, `${tenantId}\u0000current`, CURRENT_TTL_MS, async () => {
    let row = await latestRow(env, tenantId);
    if (!row) {
      // Two first writes at once both insert version 1; one wins, both read the winner.
      await insertVersion(env, tenantId, 1, Date.now());
      row = await latestRow(env, tenantId);
      if (!row) throw new ApiError("internal", "the tenant's data key was not stored");
    }
    const found = row;
    return cached(versionCache, `${tenantId}\u0000${found.version}`, VERSION_TTL_MS, () => open(env, found));
  });
}

/** A version of the tenant's data key, to open what it sealed (retired versions included). */
export function dataKeyVersion(env: DataKeyEnv, tenantId: string, version: number): Promise<DataKey> {
  return cached(versionCache, `${tenantId}\u0000${version}`, VERSION_TTL_MS, async () => {
    const row = await drizzle(env.DB)
      .select()
      .from(dataKeys)
      .where(and(eq(dataKeys.tenantId, tenantId), eq(dataKeys.version, version)))
      .get();
    if (!row) throw new ApiError("internal", `data key version ${version} of the tenant does not exist`);
    return open(env, row);
  });
}

/**
 * The key of the tenant's keyed hashes (replay hashes, vault index): version 1's, whatever the
 * current version, so that equal inputs keep equal hashes across data key rotations.
 */
export async function hashDataKey(env: DataKeyEnv, tenantId: string): Promise<DataKey> {
  await currentDataKey(env, tenantId);
  return dataKeyVersion(env, tenantId, 1);
}

/** A data key version as the admin API shows it: never the key, wrapped or not. */
export interface DataKeyInfo {
  version: number;
  master_key_id: string;
  current: boolean;
  created_at: string;
  retired_at: string | null;
}

export async function listDataKeys(env: DataKeyEnv, tenantId: string): Promise<{ master_key_id: string; keys: DataKeyInfo[] }> {
  const m = await masters(env);
  const rows = await drizzle(env.DB).select().from(dataKeys).where(eq(dataKeys.tenantId, tenantId)).orderBy(desc(dataKeys.version)).all();
  return {
    master_key_id: m.current.id,
    keys: rows.map((r, i) => ({
      version: r.version,
      master_key_id: r.masterKeyId,
      current: i === 0,
      created_at: new Date(r.createdAt).toISOString(),
      retired_at: r.retiredAt === null ? null : new Date(r.retiredAt).toISOString(),
    })),
  };
}

/** Makes a new version the one new writes use; older versions are marked retired and still decrypt. */
export async function rotateDataKey(env: DataKeyEnv, tenantId: string): Promise<{ version: number; previous_version: number | null }> {
  const latest = await latestRow(env, tenantId);
  const version = (latest?.version ?? 0) + 1;
  const now = Date.now();
  if (!(await insertVersion(env, tenantId, version, now))) throw new ApiError("conflict", "another rotation of the tenant's data key ran at the same time; retry");
  await drizzle(env.DB)
    .update(dataKeys)
    .set({ retiredAt: now })
    .where(and(eq(dataKeys.tenantId, tenantId), lt(dataKeys.version, version), isNull(dataKeys.retiredAt)))
    .run();
  forgetDataKeys(tenantId);
  return { version, previous_version: latest?.version ?? null };
}

/**
 * Wraps every data key of the tenant under the current master key (those wrapped by the previous
 * one are unwrapped with it). The raw keys, and so every ciphertext, stay as they are.
 */
export async function rewrapDataKeys(env: DataKeyEnv, tenantId: string): Promise<{ master_key_id: string; rewrapped: number; unchanged: number }> {
  const m = await masters(env);
  const db = drizzle(env.DB);
  const rows = await db.select().from(dataKeys).where(eq(dataKeys.tenantId, tenantId)).all();
  let rewrapped = 0;
  for (const row of rows) {
    if (row.masterKeyId === m.current.id) continue;
    const wrapped = await wrapDataKey(m.current, await unwrapRow(m, row), wrapAad(row.tenantId, row.version));
    // Only if nobody rewrapped it meanwhile: the row keeps one consistent (blob, master) pair.
    const res = await db
      .update(dataKeys)
      .set({ wrapped, masterKeyId: m.current.id })
      .where(and(eq(dataKeys.tenantId, tenantId), eq(dataKeys.version, row.version), eq(dataKeys.wrapped, row.wrapped)))
      .run();
    rewrapped += res.meta.changes;
  }
  return { master_key_id: m.current.id, rewrapped, unchanged: rows.length - rewrapped };
}
