// Lifecycle decisions, free of bindings: a cube's policy, when a memory expires, and when the sweep runs next.
import { z } from "zod";
import { MEMORY_TYPES, type MemoryType } from "./types";

const DAY_MS = 86_400_000;
/** Longest TTL or retention accepted: a hundred years. */
export const MAX_TTL_SECONDS = 100 * 365 * 86_400;
const MAX_DAYS = 100 * 365;
/** How often the archive and purge pass runs while a policy asks for one. */
export const SWEEP_EVERY_MS = 60 * 60 * 1000;
/** Most memories one alarm expires, archives or purges (each); the rest waits for the next wake-up. */
export const LIFECYCLE_BATCH = 200;
/** When a wake-up left work behind, the next one comes this soon. */
export const CATCH_UP_MS = 1_000;

const ttl = z.number().int().min(1).max(MAX_TTL_SECONDS).nullable();
const days = z.number().int().min(1).max(MAX_DAYS).nullable();

/** A cube's lifecycle policy; every field optional on input, defaults mean "nothing happens". */
export const lifecyclePolicySchema = z.strictObject({
  /** Default TTL (seconds) of a new memory of each type when its add gives none; null or absent: never expires. */
  ttl_seconds: z.partialRecord(z.enum(MEMORY_TYPES), ttl).default({}),
  /** Active memories not accessed (else not updated) for this many days become archived; null: never. */
  archive_after_days: days.default(null),
  /** Tombstones (deleted memories) older than this many days lose their row and versions; null: kept. */
  purge_tombstones_after_days: days.default(null),
});
export type LifecyclePolicy = z.infer<typeof lifecyclePolicySchema>;

export const DEFAULT_POLICY: LifecyclePolicy = { ttl_seconds: {}, archive_after_days: null, purge_tombstones_after_days: null };

/** What one run of the lifecycle task did. */
export interface LifecycleCounts {
  expired: number;
  archived: number;
  purged: number;
}

/** The task's state, kept by the cube and shown by the API. Times in ms. */
export interface LifecycleRun {
  last_run_at: number | null;
  next_run_at: number | null;
  /** When the archive and purge pass is due next (the expiry pass runs whenever a memory is due). */
  next_sweep_at: number | null;
  last_run: LifecycleCounts;
  totals: LifecycleCounts;
}

export const emptyCounts = (): LifecycleCounts => ({ expired: 0, archived: 0, purged: 0 });
export const EMPTY_RUN: LifecycleRun = { last_run_at: null, next_run_at: null, next_sweep_at: null, last_run: emptyCounts(), totals: emptyCounts() };

/** Whether a memory with this expiry is gone at `now` (expired exactly at its time). */
export function isExpired(expiresAt: number | null | undefined, now: number): boolean {
  return expiresAt !== null && expiresAt !== undefined && expiresAt <= now;
}

/** The expiry a new memory of `type` gets from the policy when its add gives none. */
export function defaultExpiresAt(policy: LifecyclePolicy, type: MemoryType, now: number): number | null {
  const seconds = policy.ttl_seconds[type];
  return seconds === null || seconds === undefined ? null : now + seconds * 1000;
}

/** An expiry asked for as an ISO time or a TTL in seconds: ms, null to clear, undefined when neither was given. */
export function requestedExpiry(req: { expires_at?: string | null | undefined; ttl?: number | undefined }, now: number): number | null | undefined {
  if (req.ttl !== undefined) return now + req.ttl * 1000;
  if (req.expires_at === null) return null;
  return req.expires_at === undefined ? undefined : Date.parse(req.expires_at);
}

/** Whether the policy asks for the periodic pass (archive or purge). */
export const needsSweep = (p: LifecyclePolicy): boolean => p.archive_after_days !== null || p.purge_tombstones_after_days !== null;

/** Memories last used (accessed, else updated) before this are archived; null when the policy never archives. */
export const archiveCutoff = (p: LifecyclePolicy, now: number): number | null => (p.archive_after_days === null ? null : now - p.archive_after_days * DAY_MS);

/** Tombstones deleted before this are purged; null when the policy keeps them. */
export const purgeCutoff = (p: LifecyclePolicy, now: number): number | null =>
  p.purge_tombstones_after_days === null ? null : now - p.purge_tombstones_after_days * DAY_MS;

/**
 * When the task must run next: the earlier of the next expiry and the next sweep, not before now;
 * when a batch left work behind, not before a short pause, so that requests get the cube in between.
 */
export function nextRunAt(opts: { nextExpiry: number | null; nextSweep: number | null; leftWork: boolean; now: number }): number | null {
  const times = [opts.nextExpiry, opts.nextSweep, opts.leftWork ? opts.now + CATCH_UP_MS : null].filter((t): t is number => t !== null);
  return times.length ? Math.max(opts.now + (opts.leftWork ? CATCH_UP_MS : 0), Math.min(...times)) : null;
}
