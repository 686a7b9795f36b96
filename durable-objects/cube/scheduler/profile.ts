// Profiles in the cube: one per user, rebuilt by the profile task when that user's memories changed, kept in meta.
import { buildProfile, type Profile } from "../../../src/memory/profile";
import type { CubeIdentity } from "../../../src/memory/cube-contract";
import { MEMORY_COLUMNS, rowToMemory, type MemoryRow } from "../rows";

/** Users whose profile one run looks at; the rest wait for the next change. */
const USERS_PER_RUN = 50;
/** Memories a profile is built from (the newest). */
const PROFILE_SOURCE_LIMIT = 2_000;

interface Stored {
  mark: string;
  profile: Profile;
}

const key = (userId: string | null) => `profile:${userId ?? ""}`;

/** What a user's memories look like now: a profile built at another mark is out of date. */
function markOf(sql: SqlStorage, userId: string | null): string {
  const r = sql.exec<{ n: number; at: number | null; seq: number | null }>("SELECT COUNT(*) AS n, MAX(updated_at) AS at, MAX(seq) AS seq FROM memories WHERE user_id IS ?", userId).one();
  return `${r.n}:${r.at ?? 0}:${r.seq ?? 0}`;
}

function readStored(sql: SqlStorage, userId: string | null): Stored | null {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key(userId)).toArray()[0];
  return row ? (JSON.parse(row.value) as Stored) : null;
}

/** The user's profile built from what the cube holds at `now`. */
export function profileNow(sql: SqlStorage, identity: CubeIdentity, userId: string | null, now: number): Profile {
  const rows = sql
    .exec<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM memories m WHERE user_id IS ? AND state = 'active' AND valid_to IS NULL AND (expires_at IS NULL OR expires_at > ?) ORDER BY seq DESC LIMIT ?`, userId, now, PROFILE_SOURCE_LIMIT)
    .toArray();
  return buildProfile(userId, rows.map((r) => rowToMemory(r, identity)), now);
}

/** The stored profile, and whether the memories changed since it was built; null when none was built. */
export function storedProfile(sql: SqlStorage, userId: string | null): { profile: Profile; stale: boolean } | null {
  const stored = readStored(sql, userId);
  return stored ? { profile: stored.profile, stale: stored.mark !== markOf(sql, userId) } : null;
}

/**
 * Rebuilds and stores one user's profile; a user with no live memory left has none stored (a
 * profile holds memory text, which must not outlive the memories' deletion).
 */
export function rebuildProfile(sql: SqlStorage, identity: CubeIdentity, userId: string | null, now: number): Profile {
  const value: Stored = { mark: markOf(sql, userId), profile: profileNow(sql, identity, userId, now) };
  if (value.profile.source_count === 0) sql.exec("DELETE FROM meta WHERE key = ?", key(userId));
  else sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key(userId), JSON.stringify(value));
  return value.profile;
}

/** The profile task: rebuilds the profile of each user whose memories changed since theirs was built (or drops it). Answers how many. */
export function rebuildProfiles(sql: SqlStorage, identity: CubeIdentity, now: number): number {
  const live = sql.exec<{ user_id: string | null }>("SELECT DISTINCT user_id FROM memories WHERE state = 'active' LIMIT ?", USERS_PER_RUN).toArray().map((r) => r.user_id);
  // Users with a stored profile but maybe no live memory any more: theirs is dropped.
  const stored = sql.exec<{ key: string }>("SELECT key FROM meta WHERE key LIKE 'profile:%' LIMIT ?", USERS_PER_RUN).toArray().map((r) => r.key.slice("profile:".length) || null);
  let rebuilt = 0;
  for (const userId of new Set([...live, ...stored])) {
    if (readStored(sql, userId)?.mark === markOf(sql, userId)) continue;
    rebuildProfile(sql, identity, userId, now);
    rebuilt++;
  }
  return rebuilt;
}
