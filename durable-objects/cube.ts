// The cube object: the single writer of one memory cube. Thin RPC methods over storage modules.
import { DurableObject } from "cloudflare:workers";
import type { CubeEnv } from "./cube/cube-env";
import type { Memory } from "../src/memory/types";
import {
  addMemoriesSchema,
  addMessagesSchema,
  completeJobSchema,
  exportSchema,
  positionalArgs,
  feedbackSchema,
  fail,
  identitySchema,
  listSchema,
  memoryFilterSchema,
  newMemorySchema,
  ok,
  searchSchema,
  updateSchema,
  type CubeIdentity,
  type CubeResult,
  type CubeSearchResult,
  type Idempotency,
  type JobRecord,
  type ListResult,
  type NewMemory,
} from "../src/memory/cube-contract";
import { migrate } from "./cube/schema";
import { actorOf, appendAudit, drainAudit, drainAuditOrBackOff, drainedHead, type CubeChainHead } from "./cube/audit";
import type { AuditAction } from "../src/governance/audit";
import { exportPage } from "./cube/export";
import { provenanceKey } from "../src/governance/provenance";
import { checkProvenance, type VersionProvenance } from "./cube/provenance";
import { VectorCache } from "./cube/search/vectors";
import { MEMORY_COLUMNS, rowToMemory, type MemoryRow } from "./cube/rows";
import { deleteMemory, filterSql, getRow, insertMemory, updateMemory, type StoreContext } from "./cube/memory-store";
import { drainOutbox, outboxStats, type DrainReport, type OutboxSink } from "./cube/outbox/outbox";
import { D1CatalogSink } from "./cube/outbox/d1-sink";
import { VectorIndexSink } from "./cube/outbox/vector-sink";
import { WebhookEventSink } from "./cube/outbox/event-sink";
import { selectVectorIndex } from "../src/providers/select-vector-index";
import { recall, remember } from "./cube/idempotency";
import {
  deleteScopeMessages,
  dropFailedCopies,
  findReplays,
  forgetJobDetails,
  forgetMergesOf,
  getJob,
  insertJobWithMessages,
  jobForgotten,
  jobMessages,
  jobOptions,
  setJobState,
} from "./cube/jobs/job-store";
import { searchCube } from "./cube/search/search";
import { indexVectorHits, largeCubeIndex, withPendingHits, type LargeCubeIndex } from "./cube/search/index-route";
import { INDEX_LOAD_LIMIT, IndexWarmer, indexLoading } from "./cube/search/index-warmup";
import { pruneUnseen } from "./cube/search/unseen";
import { resolveWeights } from "../src/memory/retrieval/query";
import { applyDecision, emptyReport, organize, planJudgements, type OrganizeReport } from "./cube/organize";
import { listEntities, normEntity, type EntityOut } from "./cube/entities";
import { JOB_LEASE_MS, REDISPATCH_AFTER_MS } from "./cube/jobs/dispatch";
import { CubeScheduler, type SchedulerView } from "./cube/scheduler/runner";
import { cubeTasks } from "./cube/scheduler/cube-tasks";
import { preferenceCount, profileArgs, schedulerArgs, workingMemoryArgs } from "./cube/scheduler/args";
import { idleSessions, nextIdleAt, sessionMessages, storeCompaction, summarizeSession, workingMemoryOf, COMPACT_BATCH, SESSION_IDLE_MS } from "./cube/scheduler/working-memory";
import type { WorkingMemory } from "../src/memory/working-memory";
import type { Profile } from "../src/memory/profile";
import { rebuildProfile, rebuildProfiles, storedProfile } from "./cube/scheduler/profile";
import { contentHash } from "../src/memory/text";
import { TASK_NAMES, type TaskName } from "../src/memory/scheduler/tasks";
import { liveRow, readPolicy, readRun, runLifecycle, writePolicy } from "./cube/lifecycle";
import { lifecyclePolicySchema, type LifecyclePolicy, type LifecycleRun } from "../src/memory/lifecycle";
import type { z } from "zod";
import type { JudgeDecision } from "../src/memory/dedup/judge";
import { knownNameSpans, maskForReading, maskPrepared, prepareTexts, privacyArgs, readMode, revealValues, vaultSize, writeMode, type VaultCipher } from "./cube/privacy";
import { flattenFields, type PrivacyMode } from "../src/governance/pii";
import { CubeCipher, withKeys } from "./cube/encryption";
import { HeatRecorder } from "./cube/activation/heat";
import { releaseAll, runActivation } from "./cube/activation/task";
import { deleteAllAdapters } from "./cube/distill/release";
import { activationArgs, activationView, chatPrefix, type ActivationView, type ChatPrefix } from "./cube/activation/rpc";
import { readActivationConfig, readBlock, scrubBlocksWith, userKey, writeActivationConfig } from "./cube/activation/store";
import { activationConfigSchema, type ActivationConfig } from "../src/memory/activation/config";
import { bridgeClientFromEnv } from "../src/bridge/client";
import { createSkillSchema, listSkillsSchema, minedSkillsSchema, searchSkillsSchema, skillArgs, skillFilterSchema, updateSkillSchema, type SkillRunReport } from "../src/memory/skills-contract";
import type { Skill, SkillMessage } from "../src/memory/skills/types";
import * as skillOps from "./cube/skills/ops";
import { failSkillRun, maskToolCalls, sealToolCalls, skillRun, startSkillRun, storeToolCalls, toSkillMessages, withSkillRun } from "./cube/skills/runs";
import { eraseScopeSkills, hasSkills, skillNames } from "./cube/skills/store";
import { unlistDeletedSources } from "../src/services/hub-store";
import { runConsolidation } from "./cube/consolidate/task";
import { forgetConsolidated } from "./cube/consolidate/forget";
import { consolidationLlm } from "./cube/consolidate/llm";
import { readConsolidationConfig, writeConsolidationConfig } from "./cube/consolidate/store";
import { consolidationConfigSchema, type ConsolidationConfig } from "../src/memory/consolidate/config";
import { runDistillation } from "./cube/distill/task";
import { adapterForChat, datasetOf, distillArgs, parameterMemoryView, type DatasetView, type ParameterMemoryView } from "./cube/distill/rpc";
import { readDistillConfig, writeDistillConfig } from "./cube/distill/store";
import { distillConfigSchema, type DistillConfig } from "../src/memory/distill/config";

export interface JobInput {
  job: JobRecord;
  messages: ReturnType<typeof jobMessages>;
  options: NonNullable<ReturnType<typeof jobOptions>>;
}

export interface CubeStats {
  identity: CubeIdentity;
  schema_version: number;
  memories: { active: number; archived: number; deleted: number };
  messages: number;
  vectors_cached: number;
  outbox: ReturnType<typeof outboxStats>;
}

/** Writes close together share one drain: fewer, larger D1 batches, at the cost of this much lag. */
const DRAIN_DELAY_MS = 250;

function invalid<T>(error: z.ZodError): CubeResult<T> {
  return fail("invalid_request", "invalid cube request", error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
}

export class CubeObject extends DurableObject<CubeEnv> {
  private readonly sql: SqlStorage;
  private readonly schemaVersion: number;
  private vectors: VectorCache;
  private identity: CubeIdentity | null = null;
  /** Set by `close` while the cube is being deleted: every call but `close` and `destroy` is refused. */
  private closing = false;
  /** Outbox destinations, built from the bindings on first drain (a test fixture may replace them). */
  protected sinks: OutboxSink[] | null = null;
  /** VectorIndex for the vector route of a large cube; undefined until read from env, null when off. Tests replace it. */
  protected largeIndex: LargeCubeIndex | null | undefined = undefined;
  /**
   * Most vectors a search reads into the in-memory index on its own request; a larger index is
   * read between requests while searches that need it answer 503 with Retry-After. Tests lower it.
   */
  protected indexLoadLimit = INDEX_LOAD_LIMIT;
  private readonly warmer = new IndexWarmer(() => this.vectors);
  /** Where audit entries are drained; null: the DB binding (a test fixture makes it fail). */
  protected auditDb: D1Database | null = null;
  /** "Now" of the lifecycle task; a test moves it forward to see archive and purge happen. */
  protected lifecycleNow: () => number = () => Date.now();
  /** "Now" of the compaction task, from the scheduler's; a test moves it forward to make sessions idle. */
  protected compactionNow: (now: number) => number = (now) => now;
  /** Seals raw messages and vault values with the tenant's data key, read from D1 and the master key (cube/encryption.ts). */
  private readonly cipher = new CubeCipher(this.env, () => this.identity);
  /** How PII vault values are stored: keyed index, values sealed with the tenant's data key (cube/privacy.ts). */
  protected vaultCipher: VaultCipher = this.cipher.vault;
  /** The alarm's task table and loop (cube/scheduler/): outbox first, the other tasks by priority within a budget. */
  protected scheduler: CubeScheduler;
  /** Access heat of memories (cube/activation/heat.ts): one statement per search. */
  private readonly heat: HeatRecorder;
  /** When the activation task was last woken by a search: searches close together wake it once. */
  private activationWokenAt = 0;
  /** When a chat of a user without a block row last woke the activation task, per user key. */
  private readonly newUserWokenAt = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: CubeEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.schemaVersion = migrate(this.sql);
    this.vectors = new VectorCache(this.sql);
    this.heat = new HeatRecorder(this.sql);
    const stored = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'identity'").toArray()[0];
    if (stored) this.identity = JSON.parse(stored.value) as CubeIdentity;
    this.closing = this.sql.exec("SELECT 1 FROM meta WHERE key = 'closing'").toArray().length > 0;
    this.scheduler = this.newScheduler();
  }

  private newScheduler(): CubeScheduler {
    const tasks = cubeTasks({
      sql: this.sql,
      identity: () => (this.closing ? null : this.identity),
      drainOutbox: (identity) => this.drainOutboxOnce(identity),
      warmIndex: () => this.warmIndex(),
      jobs: this.env.JOBS,
      auditDb: () => this.auditDb ?? this.env.DB,
      lifecycle: (identity) => this.ctx.storage.transactionSync(() => runLifecycle({ sql: this.sql, identity, vectors: this.vectors, provenance: this.provenanceKey() }, this.lifecycleNow())),
      compact: (identity, now) => this.compactSessions(identity, this.compactionNow(now)),
      profiles: (identity, now) => this.ctx.storage.transactionSync(() => rebuildProfiles(this.sql, identity, now)),
      wake: (at, names) => this.scheduler.wake(at, names),
      activation: (identity, now) => runActivation({ sql: this.sql, identity, heat: this.heat, bridge: bridgeClientFromEnv(this.env), now }),
      holdsBlocks: () => this.sql.exec("SELECT 1 FROM activation_blocks LIMIT 1").toArray().length > 0,
      consolidate: (identity, now) => runConsolidation({ ctx: { sql: this.sql, identity, vectors: this.vectors, provenance: this.provenanceKey() }, transaction: (fn) => this.ctx.storage.transactionSync(fn), now, llm: consolidationLlm(this.env) }),
      distill: (identity, now) => runDistillation({ sql: this.sql, identity, bridge: bridgeClientFromEnv(this.env), transaction: (fn) => this.ctx.storage.transactionSync(fn), now }),
    });
    return new CubeScheduler({ sql: this.sql, storage: this.ctx.storage, tasks, now: () => Date.now() });
  }

  /** Binds the object to its tenant and cube on first use; any later mismatch is refused. */
  private open(raw: unknown): CubeResult<StoreContext> {
    const parsed = identitySchema.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    // The actor is the caller's, for the audit log; the cube stores only what it is.
    const { actor: _actor, ...identity } = parsed.data;
    if (!this.identity) {
      this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('identity', ?)", JSON.stringify(identity));
      this.identity = identity;
    } else if (this.identity.tenant_id !== identity.tenant_id || this.identity.cube_id !== identity.cube_id) {
      return fail("forbidden", "cube identity mismatch");
    }
    if (this.closing) return fail("not_found", `cube ${identity.cube_id} is being deleted`);
    return ok({ sql: this.sql, identity: this.identity, vectors: this.vectors, provenance: this.provenanceKey() });
  }

  /** The key that signs every version written here, derived once from MASTER_KEY; null without one. */
  private provenanceKey(): Uint8Array | null {
    if (this.signing === undefined) this.signing = this.env.MASTER_KEY ? provenanceKey(this.env.MASTER_KEY) : null;
    return this.signing;
  }
  private signing: Uint8Array | null | undefined = undefined;

  /**
   * Whether the cube holds an active preference memory, read at most every 5 s: searches of a cube
   * without any (most large ones) skip the preferences' pass, which costs a second vector scan.
   */
  private holdsPreferences(): boolean {
    const now = Date.now();
    if (!this.preferenceProbe || now - this.preferenceProbe.at > 5_000) {
      const present = this.sql.exec("SELECT 1 FROM memories WHERE type = 'preference' AND state = 'active' LIMIT 1").toArray().length > 0;
      this.preferenceProbe = { at: now, present };
    }
    return this.preferenceProbe.present;
  }
  private preferenceProbe: { at: number; present: boolean } | null = null;

  /** Checks a positional method's arguments (the identity first), then opens the cube with them. */
  private openArgs<T extends readonly [CubeIdentity, ...unknown[]]>(schema: z.ZodType<T>, raw: readonly unknown[]): CubeResult<StoreContext & { args: T }> {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const opened = this.open(parsed.data[0]);
    return opened.ok ? ok({ ...opened.value, args: parsed.data }) : opened;
  }

  private outboxSinks(identity: CubeIdentity): OutboxSink[] {
    if (!this.sinks) {
      const index = selectVectorIndex(this.env);
      this.sinks = [new D1CatalogSink(this.env.DB, identity.tenant_id), ...(index ? [new VectorIndexSink(index)] : []), new WebhookEventSink(this.env, identity)];
    }
    return this.sinks;
  }

  /** Wakes the scheduler's tasks (by default every task a change concerns) at `at` and arms the alarm. */
  private async scheduleDrain(at: number, tasks?: readonly TaskName[]): Promise<void> {
    await this.scheduler.wake(at, tasks);
  }

  /** Runs a write once per idempotency key, in one transaction, then arms the alarm `wakeIn` later. */
  private async idempotent<T>(idem: Idempotency | undefined, write: (now: number) => CubeResult<T>, wakeIn = DRAIN_DELAY_MS): Promise<CubeResult<T>> {
    // A write may add or remove a preference: the next search looks again.
    this.preferenceProbe = null;
    const now = Date.now();
    const prior = recall<T>(this.sql, idem, now);
    if (prior.kind === "hit") return prior.result;
    const result = this.ctx.storage.transactionSync(() => {
      const r = write(now);
      if (r.ok) remember(this.sql, idem, r.value, now);
      return r;
    });
    if (result.ok) await this.scheduleDrain(now + wakeIn);
    return result;
  }

  /** `idempotent`, with the write's audit entry appended in its transaction when it succeeds. */
  private audited<T>(raw: CubeIdentity, action: AuditAction, targets: (value: T) => readonly string[], idem: Idempotency | undefined, write: (now: number) => CubeResult<T>, wakeIn?: number): Promise<CubeResult<T>> {
    return this.idempotent(idem, (now) => {
      const r = write(now);
      if (r.ok) appendAudit(this.sql, raw, actorOf(raw), { action, target_ids: targets(r.value) }, now);
      return r;
    }, wakeIn);
  }

  /** Records a read in the audit chain, after it, and arms the drain that sends it to D1. */
  private async auditRead(raw: CubeIdentity, action: AuditAction, targets: readonly string[]): Promise<void> {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => appendAudit(this.sql, raw, actorOf(raw), { action, target_ids: targets }, now));
    // A read writes nothing else: only the audit drain has work from it.
    await this.scheduleDrain(now + DRAIN_DELAY_MS, ["audit"]);
  }

  /** Sends the audit entries D1 lacks; a D1 failure is an answer (the caller may retry). */
  private async flushAudit(identity: CubeIdentity): Promise<CubeResult<true>> {
    try {
      await drainAudit(this.sql, this.auditDb ?? this.env.DB, identity);
      return ok(true);
    } catch {
      return fail("upstream_unavailable", "the audit log could not be written to D1; retry", { retry_after_s: 1 });
    }
  }

  /** Stores memories as given (no inference); acknowledged only once committed. */
  async addMemories(raw: unknown): Promise<CubeResult<{ memories: Memory[] }>> {
    const parsed = addMemoriesSchema.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const req = parsed.data;
    const opened = this.open(req.identity);
    if (!opened.ok) return opened;
    // The Worker desensitized the texts before embedding them (maskTexts); anything still found is
    // masked here, and its vector, made from the raw text, is dropped.
    // Tags and metadata values are desensitized with the texts, in the same vault transaction.
    const fields = flattenFields(req.items);
    const prepared = await prepareTexts(readMode(this.sql), [...req.items.map((i) => i.text), ...fields.strings], this.vaultCipher);
    return this.audited(req.identity, "memory.add", (v) => v.memories.map((m) => m.id), req.idempotency, (now) => {
      const masked = maskPrepared(this.sql, prepared, now);
      const items = fields.restore(masked.slice(req.items.length));
      return ok({
        memories: items.map((item, i) => {
          const text = masked[i] ?? item.text;
          return insertMemory(opened.value, text === item.text ? item : { ...item, text, vector: null }, req.embedder, "create", null, now);
        }),
      });
    });
  }

  /** Stores raw messages durably and records an extraction job for them. */
  async addMessages(raw: unknown): Promise<CubeResult<{ job: JobRecord; replayed: number }>> {
    const parsed = addMessagesSchema.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const req = parsed.data;
    const opened = this.open(req.identity);
    if (!opened.ok) return opened;
    // Desensitized before anything is stored, hashed or read by the extractor; the vault's new rows
    // are committed at once (a retry finds the same placeholders).
    // Speakers' names, and the tags and metadata the job gives its memories, are desensitized too.
    const names = flattenFields(req.messages);
    const optionFields = flattenFields([req.options]);
    const n = req.messages.length;
    const prepared = await prepareTexts(readMode(this.sql), [...req.messages.map((m) => m.content), ...names.strings, ...optionFields.strings], this.vaultCipher, req.pii_spans);
    const contents = this.ctx.storage.transactionSync(() => maskPrepared(this.sql, prepared, Date.now()));
    const messages = names.restore(contents.slice(n, n + names.strings.length)).map((m, i) => ({ ...m, content: contents[i] ?? m.content }));
    const [options = req.options] = optionFields.restore(contents.slice(n + names.strings.length));
    const masked = { ...req, options, messages };
    // Sealed before the transaction (WebCrypto is async); replay hashes keyed, old rows' plain hashes matched too.
    const sealed = await withKeys(() => this.cipher.sealMessages(masked));
    if (!sealed.ok) return sealed;
    const { hashes, legacy } = sealed.value;
    const toolCalls = await withKeys(async () => sealToolCalls(await maskToolCalls(req.messages, (texts) => this.maskWithVault(texts)), (json) => this.cipher.sealToolCalls(json)));
    if (!toolCalls.ok) return toolCalls;
    const stored = await this.audited<{ job: JobRecord; replayed: number }>(req.identity, "memory.ingest", (v) => [v.job.id], req.idempotency, (now) => {
      if (getJob(this.sql, req.job_id)) return fail("conflict", `job ${req.job_id} already exists`);
      const replays = findReplays(this.sql, masked, hashes, now, legacy);
      if (replays.size === req.messages.length) {
        // Nothing new: no storage, no job, no model call. Answer with the job that stored them first.
        const firstJob = [...replays.values()].find((j): j is string => j !== null);
        const prior = firstJob ? getJob(this.sql, firstJob) : null;
        if (prior) return ok({ job: prior, replayed: replays.size });
      }
      dropFailedCopies(this.sql, [...hashes, ...legacy].filter((_, i) => !replays.has(i % hashes.length)));
      const job = insertJobWithMessages(this.sql, sealed.value.req, hashes, now, replays);
      storeToolCalls(this.sql, job.id, toolCalls.value);
      return ok({ job, replayed: replays.size });
    }, REDISPATCH_AFTER_MS);
    // A session's turns are compacted once it has been idle for a while.
    if (stored.ok && req.messages.some((m) => m.session_id)) await this.scheduleDrain(Date.now() + SESSION_IDLE_MS, ["compaction"]);
    return stored;
  }

  async getJob(rawIdentity: unknown, rawId: unknown): Promise<CubeResult<JobRecord>> {
    const opened = this.openArgs(positionalArgs.byId, [rawIdentity, rawId]);
    if (!opened.ok) return opened;
    const [, id] = opened.value.args;
    const job = getJob(this.sql, id);
    return job ? ok(withSkillRun(this.sql, job)) : fail("not_found", `job ${id} not found`);
  }

  /** The jobs of `ids` this cube knows, in the order asked (a page of the job list in one call). */
  async getJobs(rawIdentity: unknown, rawIds: unknown): Promise<CubeResult<JobRecord[]>> {
    const opened = this.openArgs(positionalArgs.byIds, [rawIdentity, rawIds]);
    if (!opened.ok) return opened;
    return ok(opened.value.args[1].flatMap((id) => {
      const job = getJob(this.sql, id);
      return job ? [withSkillRun(this.sql, job)] : [];
    }));
  }

  /** What a queue consumer needs to run a job; counts the attempt and marks the job running. */
  async startJob(rawIdentity: unknown, rawId: unknown): Promise<CubeResult<JobInput>> {
    const opened = this.openArgs(positionalArgs.byId, [rawIdentity, rawId]);
    if (!opened.ok) return opened;
    const [, id] = opened.value.args;
    const job = getJob(this.sql, id);
    if (!job) return fail("not_found", `job ${id} not found`);
    const now = Date.now();
    if (job.state !== "succeeded") {
      setJobState(this.sql, id, "running", now, { attempt: true, lease_until: now + JOB_LEASE_MS });
      // The alarm checks the lease: a consumer that dies mid-run does not leave the job running forever.
      await this.scheduleDrain(now + JOB_LEASE_MS);
    }
    const options = jobOptions(this.sql, id);
    if (!options) return fail("not_found", `job ${id} has no options`);
    const messages = await withKeys(() => this.cipher.openMessages(jobMessages(this.sql, id)));
    if (!messages.ok) return messages;
    return ok({ job: getJob(this.sql, id) as JobRecord, messages: messages.value, options });
  }

  /**
   * Neighbours the judge must see for each candidate that needs one, with their versions, so an
   * LLM judge can decide in the Worker. Reads only; `completeJob` re-checks the versions.
   */
  async planJob(rawIdentity: unknown, rawEmbedder: unknown, rawList: unknown): Promise<CubeResult<Array<{ index: number; neighbours: Memory[] }>>> {
    const opened = this.openArgs(positionalArgs.planJob, [rawIdentity, rawEmbedder, rawList]);
    if (!opened.ok) return opened;
    const [, embedder, rawItems] = opened.value.args;
    const items: NewMemory[] = [];
    for (const item of rawItems) {
      const p = newMemorySchema.safeParse(item);
      if (!p.success) return invalid(p.error);
      items.push(p.data);
    }
    return ok(planJudgements(opened.value, items, embedder));
  }

  /**
   * Organizes a job's candidates into memories (exact, near, judge) and marks the job done, in
   * one transaction. Safe to call twice: a job that already succeeded returns its first result.
   */
  async completeJob(raw: unknown): Promise<CubeResult<JobRecord>> {
    this.preferenceProbe = null;
    const parsed = completeJobSchema.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const req = parsed.data;
    const opened = this.open(req.identity);
    if (!opened.ok) return opened;
    const now = Date.now();
    const job = getJob(this.sql, req.job_id);
    if (!job) return fail("not_found", `job ${req.job_id} not found`);
    if (job.state === "succeeded") return ok(job);
    // Each candidate is checked on its own: one the cube refuses is reported, the rest are kept.
    const items: NewMemory[] = [];
    const rejected: Array<{ index: number; reason: string }> = [];
    const external = new Map<number, (typeof req.decisions)[number]>();
    const decisionOf = new Map(req.decisions.map((d) => [d.index, d] as const));
    req.items.forEach((raw, index) => {
      const item = newMemorySchema.safeParse(raw);
      if (!item.success) {
        rejected.push({ index, reason: item.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ").slice(0, 300) });
        return;
      }
      const decision = decisionOf.get(index);
      if (decision) external.set(items.length, { ...decision, index: items.length });
      items.push(item.data);
    });
    this.ctx.storage.transactionSync(() => {
      const kept = jobForgotten(this.sql, req.job_id) ? [] : items;
      const report = organize(opened.value, { items: kept, embedder: req.embedder, source: req.job_id, now, external });
      const touched = [...new Set([...report.added, ...report.merged, ...report.updated])];
      appendAudit(this.sql, req.identity, null, { action: "job.complete", target_ids: [req.job_id, ...touched] }, now);
      setJobState(this.sql, req.job_id, "succeeded", now, {
        error: null,
        result: {
          memory_ids: touched,
          added: report.added.length,
          skipped: report.repeats + report.noops + rejected.length,
          detail: { ...req.detail, candidates: req.items.length, ...report, ...(rejected.length ? { rejected: rejected.slice(0, 50) } : {}) },
        },
      });
    });
    await this.scheduleDrain(now + DRAIN_DELAY_MS);
    return ok(getJob(this.sql, req.job_id) as JobRecord);
  }

  /**
   * Applies a judged correction to memories the caller named. Refused with 409 if any memory the
   * judge saw changed since (the caller re-reads and judges again).
   */
  async applyFeedback(raw: unknown): Promise<CubeResult<{ report: OrganizeReport; memories: Memory[]; decision: JudgeDecision; judge: string }>> {
    const parsed = feedbackSchema.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const req = parsed.data;
    const opened = this.open(req.identity);
    if (!opened.ok) return opened;
    return this.audited(req.identity, "memory.feedback", (v) => v.memories.map((m) => m.id), req.idempotency, (now) => {
      for (const [id, version] of Object.entries(req.decision.versions)) {
        const row = getRow(this.sql, id);
        if (!liveRow(row)) return fail("not_found", `memory ${id} not found`);
        if (row.version !== version) return fail("conflict", `memory ${id} changed (version ${row.version}, judged at ${version})`, { id, version: row.version });
      }
      const report = emptyReport();
      const input = { items: [req.item], embedder: req.embedder, source: req.source, now, createReason: "feedback" as const, reasonOverride: "feedback" as const };
      applyDecision(opened.value, req.item, req.decision.decision, req.decision.update, input, report);
      const ids = [...new Set([...report.added, ...report.updated, ...report.superseded, ...report.retracted])];
      const memories = ids.map((id) => getRow(this.sql, id)).filter((r): r is MemoryRow => r !== undefined).map((r) => rowToMemory(r, opened.value.identity));
      return ok({ report, memories, decision: req.decision.decision, judge: req.judge });
    });
  }

  async entities(rawIdentity: unknown, rawLimit: unknown, rawPrefix: unknown): Promise<CubeResult<EntityOut[]>> {
    const opened = this.openArgs(positionalArgs.entities, [rawIdentity, rawLimit, rawPrefix]);
    if (!opened.ok) return opened;
    const [, limit, prefix] = opened.value.args;
    return ok(listEntities(this.sql, Math.max(1, Math.min(500, limit)), prefix ? normEntity(prefix) : null));
  }

  /** Records a failed attempt; `final` marks the job failed for good (dead-lettered). */
  async failJob(rawIdentity: unknown, rawId: unknown, rawError: unknown, rawFinal: unknown): Promise<CubeResult<JobRecord>> {
    const opened = this.openArgs(positionalArgs.failJob, [rawIdentity, rawId, rawError, rawFinal]);
    if (!opened.ok) return opened;
    const [, id, error, final] = opened.value.args;
    const job = getJob(this.sql, id);
    if (!job) return fail("not_found", `job ${id} not found`);
    if (job.state === "succeeded") return ok(job);
    // A dead-lettered job keeps the last real error beside the reason it was given up.
    const message = final && job.error ? `${error}; last error: ${job.error}` : error;
    setJobState(this.sql, id, final ? "failed" : "queued", Date.now(), { error: message.slice(0, 2_000) });
    return ok(getJob(this.sql, id) as JobRecord);
  }

  async getMemory(rawIdentity: unknown, rawId: unknown): Promise<CubeResult<Memory>> {
    const opened = this.openArgs(positionalArgs.byId, [rawIdentity, rawId]);
    if (!opened.ok) return opened;
    const [, id] = opened.value.args;
    const row = getRow(this.sql, id);
    if (!liveRow(row)) return fail("not_found", `memory ${id} not found`);
    await this.auditRead(opened.value.args[0], "memory.read", [id]);
    return ok(rowToMemory(row, opened.value.identity));
  }

  async history(rawIdentity: unknown, rawId: unknown): Promise<CubeResult<Array<{ version: number; reason: string; source: string | null; at: number; memory: Memory }>>> {
    const opened = this.openArgs(positionalArgs.byId, [rawIdentity, rawId]);
    if (!opened.ok) return opened;
    const [, id] = opened.value.args;
    const row = getRow(this.sql, id);
    if (!liveRow(row)) return fail("not_found", `memory ${id} not found`);
    const versions = this.sql
      .exec<{ version: number; reason: string; source: string | null; at: number; snapshot: string }>(
        "SELECT version, reason, source, at, snapshot FROM memory_versions WHERE memory_id = ? ORDER BY version",
        id,
      )
      .toArray()
      .map((v) => ({ version: v.version, reason: v.reason, source: v.source, at: v.at, memory: JSON.parse(v.snapshot) as Memory }));
    await this.auditRead(opened.value.args[0], "memory.history", [id]);
    return ok(versions);
  }

  /** Every version of a memory checked against its provenance signature and its own text. */
  async provenance(rawIdentity: unknown, rawId: unknown): Promise<CubeResult<VersionProvenance[]>> {
    const opened = this.openArgs(positionalArgs.byId, [rawIdentity, rawId]);
    if (!opened.ok) return opened;
    const [, id] = opened.value.args;
    if (!liveRow(getRow(this.sql, id))) return fail("not_found", `memory ${id} not found`);
    const previous = this.env.MASTER_KEY_PREVIOUS ? [provenanceKey(this.env.MASTER_KEY_PREVIOUS)] : [];
    const current = this.provenanceKey();
    return ok(await checkProvenance(opened.value, id, [...(current ? [current] : []), ...previous]));
  }

  /** A page of memories (all states but deleted, not expired) with every version, oldest first: exports. */
  async exportMemories(raw: unknown): Promise<CubeResult<ReturnType<typeof exportPage>>> {
    const parsed = exportSchema.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const opened = this.open(parsed.data.identity);
    if (!opened.ok) return opened;
    return ok(exportPage(opened.value, parsed.data));
  }

  async listMemories(raw: unknown): Promise<CubeResult<ListResult>> {
    const parsed = listSchema.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const req = parsed.data;
    const opened = this.open(req.identity);
    if (!opened.ok) return opened;
    const { where, args } = filterSql(req.filter, { validity: "any" });
    const rows = this.sql
      .exec<MemoryRow>(
        `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE ${where} AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`,
        ...args,
        req.after_seq ?? Number.MAX_SAFE_INTEGER,
        req.limit + 1,
      )
      .toArray();
    const page = rows.slice(0, req.limit);
    const last = page[page.length - 1];
    await this.auditRead(req.identity, "memory.list", page.map((r) => r.id));
    return ok({
      memories: page.map((r) => rowToMemory(r, opened.value.identity)),
      next_seq: rows.length > req.limit && last ? last.seq : null,
    });
  }

  async updateMemory(raw: unknown): Promise<CubeResult<Memory>> {
    const parsed = updateSchema.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const req = parsed.data;
    const opened = this.open(req.identity);
    if (!opened.ok) return opened;
    const newText = req.patch.text;
    const fields = flattenFields([req.patch]);
    const prepared = newText === undefined && fields.strings.length === 0 ? null : await prepareTexts(readMode(this.sql), [newText ?? "", ...fields.strings], this.vaultCipher);
    return this.audited(req.identity, "memory.update", (v) => [v.id], req.idempotency, (now) => {
      const row = getRow(this.sql, req.id);
      if (!liveRow(row)) return fail("not_found", `memory ${req.id} not found`);
      if (req.expected_version !== null && row.version !== req.expected_version) {
        return fail("conflict", `memory ${req.id} is at version ${row.version}, not ${req.expected_version}`, { version: row.version });
      }
      // As in addMemories: a text that still holds PII is masked here and its raw-text vector dropped.
      const masked = prepared ? maskPrepared(this.sql, prepared, now) : null;
      let patch = masked ? { ...req.patch, ...fields.restore(masked.slice(1))[0] } : req.patch;
      const text = newText === undefined ? undefined : masked?.[0];
      if (text !== undefined && text !== newText) {
        const { vector: _raw, ...rest } = patch;
        patch = { ...rest, text };
      }
      return ok(updateMemory(opened.value, row, patch, req.embedder, req.reason, null, now));
    });
  }

  async deleteMemory(rawIdentity: unknown, rawId: unknown, rawIdempotency?: unknown): Promise<CubeResult<{ id: string; deleted: boolean }>> {
    const opened = this.openArgs(positionalArgs.deleteMemory, [rawIdentity, rawId, rawIdempotency]);
    if (!opened.ok) return opened;
    const [, id, idempotency] = opened.value.args;
    return this.audited(opened.value.args[0], "memory.delete", (v) => [v.id], idempotency, (now) => {
      const row = getRow(this.sql, id);
      if (!liveRow(row)) return fail("not_found", `memory ${id} not found`);
      // Consolidation: a merged memory's originals go with it; a merged memory loses this one's statements.
      const also = forgetConsolidated(opened.value, [id], now);
      deleteMemory(opened.value, row, null, now);
      forgetMergesOf(this.sql, id);
      scrubBlocksWith(this.sql, [id, ...also]);
      if (also.length) appendAudit(this.sql, opened.value.args[0], actorOf(opened.value.args[0]), { action: "memory.delete", target_ids: also }, now);
      return ok({ id, deleted: true });
    });
  }

  /** Deletes every memory that matches a scope filter (all states but deleted). */
  async deleteScope(rawIdentity: unknown, rawScope: unknown, rawIdempotency?: unknown): Promise<CubeResult<{ deleted: number }>> {
    const opened = this.openArgs(positionalArgs.deleteScope, [rawIdentity, rawScope, rawIdempotency]);
    if (!opened.ok) return opened;
    const [, rawFilter, idempotency] = opened.value.args;
    const parsed = memoryFilterSchema.safeParse(rawFilter);
    if (!parsed.success) return invalid(parsed.error);
    let skillIds: string[] = [];
    const done = await this.idempotent(idempotency, (now) => {
      const { where, args } = filterSql(parsed.data, { validity: "any", anyState: true });
      const rows = this.sql.exec<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM memories m WHERE ${where}`, ...args).toArray();
      const also = forgetConsolidated(opened.value, rows.filter((r) => r.state !== "deleted").map((r) => r.id), now);
      for (const row of rows) deleteMemory(opened.value, row, null, now);
      scrubBlocksWith(this.sql, [...rows.map((r) => r.id), ...also]);
      appendAudit(this.sql, opened.value.args[0], actorOf(opened.value.args[0]), { action: "memory.delete_scope", target_ids: [...rows.map((r) => r.id), ...also] }, now);
      // A scope (user, agent, session, or the whole cube) forgets its raw messages too; a filter
      // that picks some memories of a scope (tags, types, state, dates) leaves the messages.
      const { user_id, agent_id, session_id, ...narrower } = parsed.data;
      if (Object.values(narrower).every((v) => v === undefined)) {
        deleteScopeMessages(this.sql, { user_id, agent_id, session_id });
        // The scope's skills too (a session scope has none of its own).
        if (session_id === undefined) skillIds = eraseScopeSkills(this.sql, { user_id, agent_id });
        if (skillIds.length) appendAudit(this.sql, opened.value.args[0], actorOf(opened.value.args[0]), { action: "skill.delete", target_ids: skillIds }, now);
      }
      forgetJobDetails(this.sql);
      return ok({ deleted: rows.length });
    });
    if (skillIds.length) await this.unlistSkills(opened.value.identity, skillIds);
    return done;
  }

  /** Takes deleted skills out of the hub (listings and vectors); a failure is logged, the listings' sources are gone regardless. */
  private async unlistSkills(identity: CubeIdentity, ids: string[]): Promise<void> {
    try {
      await unlistDeletedSources(this.env.DB, selectVectorIndex(this.env), identity.tenant_id, "skill", ids);
    } catch (err) {
      console.error(JSON.stringify({ level: "error", message: "could not unlist deleted skills from the hub", error: err instanceof Error ? err.message : String(err) }));
    }
  }

  /**
   * Runs every route of the search. With `rawPreferences` (a count), the preference memories for
   * the same query are searched too, on their own, and answered beside the results (one read,
   * one audit entry naming both).
   */
  async search(raw: unknown, rawPreferences?: unknown, rawSkills?: unknown): Promise<CubeResult<CubeSearchResult & { preferences?: CubeSearchResult["results"]; skills?: skillOps.ScoredSkillOut[] }>> {
    const prefCount = preferenceCount.safeParse(rawPreferences);
    if (!prefCount.success) return invalid(prefCount.error);
    const skillCount = skillArgs.searchCount.safeParse(rawSkills);
    if (!skillCount.success) return invalid(skillCount.error);
    const parsed = searchSchema.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const opened = this.open(parsed.data.identity);
    if (!opened.ok) return opened;
    const req = parsed.data;
    // A cube above the threshold asks the VectorIndex here, in the object, rather than in the
    // Worker: only the object knows its size without another round trip, and only it can avoid
    // loading a too-large in-memory index; the Worker has already embedded the query, and
    // awaiting Vectorize opens the input gate, so other requests to the cube are not held.
    this.largeIndex ??= largeCubeIndex(this.env);
    const vector = req.vector;
    if (vector && resolveWeights(req.embedder, req.query, req.weights).vector > 0) {
      const large = this.largeIndex;
      if (req.vector_hits) {
        // A tenant-wide answer of the VectorIndex: add what this cube wrote that it may not show yet.
        req.vector_hits = withPendingHits(this.sql, this.vectors, req.embedder, vector, req.vector_hits, Date.now());
      } else if (large && this.vectors.count() > large.threshold) {
        const hits = await indexVectorHits(large, opened.value.identity, req, vector);
        req.vector_hits = withPendingHits(this.sql, this.vectors, req.embedder, vector, hits, Date.now());
      } else if (this.vectors.remaining(req.embedder, vector.length) > this.indexLoadLimit) {
        // Too much to read on this request (seconds, holding every other request to the cube):
        // the index is read between requests, and meanwhile Vectorize answers if there is one,
        // else the search is told when to come back. The alarm resumes a read cut short.
        void this.warmer.warm(req.embedder, vector.length);
        await this.scheduleDrain(Date.now());
        if (!large) return indexLoading(this.vectors, req.embedder, vector.length);
        const hits = await indexVectorHits(large, opened.value.identity, req, vector);
        req.vector_hits = withPendingHits(this.sql, this.vectors, req.embedder, vector, hits, Date.now());
      }
    }
    const found = searchCube(this.sql, this.vectors, opened.value.identity, req);
    // The preferences' own pass scans the cube again: only when the cube holds any preference.
    const k = prefCount.data && this.holdsPreferences() ? prefCount.data : 0;
    const preferences = k ? searchCube(this.sql, this.vectors, opened.value.identity, { ...req, top_k: k, record_access: false, filter: { ...req.filter, types: ["preference"] } }).results : undefined;
    const read = [...found.results, ...(preferences ?? [])].map((r) => r.memory.id);
    if (req.record_access !== false) this.recordHeat(read);
    await this.auditRead(parsed.data.identity, "memory.search", [...new Set(read)]);
    // Skills matching the query, only in a cube that holds any (the probe is one indexed row).
    const skills = skillCount.data && hasSkills(this.sql) ? skillOps.skillsForMemorySearch(this.sql, opened.value.identity, req, skillCount.data) : [];
    if (skills.length) await this.auditRead(parsed.data.identity, "skill.search", skills.map((s) => s.skill.id));
    const withSkills = skills.length ? { ...found, skills } : found;
    return ok(preferences ? { ...withSkills, preferences } : withSkills);
  }

  /**
   * Desensitizes texts with the cube's privacy mode and vault, new values numbered and stored, so
   * that the Worker embeds and sends to models only what the cube will store.
   */
  async maskTexts(rawIdentity: unknown, rawTexts: unknown, rawSpans?: unknown): Promise<CubeResult<{ mode: PrivacyMode; texts: string[] }>> {
    const opened = this.openArgs(privacyArgs.maskWrite, [rawIdentity, rawTexts, rawSpans]);
    if (!opened.ok) return opened;
    const prepared = await prepareTexts(readMode(this.sql), opened.value.args[1], this.vaultCipher, opened.value.args[2]);
    const texts = this.ctx.storage.transactionSync(() => maskPrepared(this.sql, prepared, Date.now()));
    return ok({ mode: prepared.mode, texts });
  }

  /** Texts (search queries) desensitized with the vault's placeholders, writing nothing. */
  async maskQuery(rawIdentity: unknown, rawTexts: unknown): Promise<CubeResult<{ texts: string[] }>> {
    const opened = this.openArgs(privacyArgs.mask, [rawIdentity, rawTexts]);
    if (!opened.ok) return opened;
    const texts = opened.value.args[1];
    const mode = readMode(this.sql);
    // Names and addresses a model found in stored texts are known by their keyed index: no model call here.
    const names = mode === "off" ? undefined : await knownNameSpans(this.sql, texts, this.vaultCipher);
    const prepared = await prepareTexts(mode, texts, this.vaultCipher, names, false);
    return ok({ texts: maskForReading(this.sql, prepared) });
  }

  /** The cube's privacy mode and how many values its vault holds. */
  async privacy(rawIdentity: unknown): Promise<CubeResult<{ mode: PrivacyMode; vault_entries: number }>> {
    const opened = this.open(rawIdentity);
    if (!opened.ok) return opened;
    return ok({ mode: readMode(this.sql), vault_entries: vaultSize(this.sql) });
  }

  /** Sets the privacy mode for later writes; what is stored already stays as it was written. */
  async setPrivacy(rawIdentity: unknown, rawMode: unknown): Promise<CubeResult<{ mode: PrivacyMode; vault_entries: number }>> {
    const opened = this.openArgs(privacyArgs.setMode, [rawIdentity, rawMode]);
    if (!opened.ok) return opened;
    const mode = opened.value.args[1];
    this.ctx.storage.transactionSync(() => {
      writeMode(this.sql, mode);
      appendAudit(this.sql, opened.value.args[0], actorOf(opened.value.args[0]), { action: "cube.privacy", target_ids: [opened.value.identity.cube_id] }, Date.now());
    });
    return ok({ mode, vault_entries: vaultSize(this.sql) });
  }

  /** The original values of the given placeholders that the vault holds (placeholder → value). */
  async revealPlaceholders(rawIdentity: unknown, rawPlaceholders: unknown): Promise<CubeResult<Record<string, string>>> {
    const opened = this.openArgs(privacyArgs.reveal, [rawIdentity, rawPlaceholders]);
    if (!opened.ok) return opened;
    const values = await revealValues(this.sql, opened.value.args[1], this.vaultCipher);
    // Placeholders name vault entries; the values themselves are never recorded.
    await this.auditRead(opened.value.args[0], "pii.reveal", Object.keys(values));
    return ok(values);
  }

  /** The cube's lifecycle policy and the state of its task (last and next run, what the last run did). */
  async lifecycle(identity: unknown): Promise<CubeResult<{ policy: LifecyclePolicy; run: LifecycleRun }>> {
    const opened = this.open(identity);
    if (!opened.ok) return opened;
    return ok({ policy: readPolicy(this.sql), run: readRun(this.sql) });
  }

  /** Replaces the lifecycle policy; the task runs on the next wake-up, which comes at once. */
  async setLifecycle(identity: unknown, rawPolicy: unknown): Promise<CubeResult<{ policy: LifecyclePolicy; run: LifecycleRun }>> {
    const opened = this.open(identity);
    if (!opened.ok) return opened;
    const parsed = lifecyclePolicySchema.safeParse(rawPolicy);
    if (!parsed.success) return invalid(parsed.error);
    const caller = identitySchema.parse(identity);
    this.ctx.storage.transactionSync(() => {
      writePolicy(this.sql, parsed.data);
      appendAudit(this.sql, caller, actorOf(caller), { action: "cube.lifecycle", target_ids: [caller.cube_id] }, Date.now());
    });
    await this.scheduleDrain(Date.now() + DRAIN_DELAY_MS);
    return ok({ policy: parsed.data, run: readRun(this.sql) });
  }

  async stats(identity: unknown): Promise<CubeResult<CubeStats>> {
    const opened = this.open(identity);
    if (!opened.ok) return opened;
    const counts = { active: 0, archived: 0, deleted: 0 };
    for (const r of this.sql.exec<{ state: string; n: number }>("SELECT state, COUNT(*) AS n FROM memories GROUP BY state")) {
      if (r.state in counts) counts[r.state as keyof typeof counts] = r.n;
    }
    return ok({
      identity: opened.value.identity,
      schema_version: this.schemaVersion,
      memories: counts,
      messages: this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM messages").one().n,
      vectors_cached: this.vectors.size,
      outbox: outboxStats(this.sql),
    });
  }

  /**
   * First step of deleting the cube: from now on it refuses every call but this one and
   * `destroy`, and its outbox stops draining, so the Worker can delete what the derived stores
   * hold without the cube writing it back. Returns the id of every memory it ever held. Idempotent.
   */
  async close(identity: unknown): Promise<CubeResult<{ memory_ids: string[] }>> {
    const parsed = identitySchema.safeParse(identity);
    if (!parsed.success) return invalid(parsed.error);
    if (this.identity && (this.identity.tenant_id !== parsed.data.tenant_id || this.identity.cube_id !== parsed.data.cube_id)) {
      return fail("forbidden", "cube identity mismatch");
    }
    if (!this.identity) return ok({ memory_ids: [] });
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('closing', ?)", String(Date.now()));
    this.closing = true;
    return ok({ memory_ids: this.sql.exec<{ id: string }>("SELECT id FROM memories ORDER BY seq").toArray().map((r) => r.id) });
  }

  /**
   * Last step of deleting the cube, after `close` and the derived stores' deletes: the whole
   * database goes (rows, indexes, free pages), and the object starts again empty and unbound.
   * Answers the last entry of the cube's audit chain, which is all in D1 by then.
   */
  async destroy(identity: unknown): Promise<CubeResult<{ destroyed: boolean; audit_head?: CubeChainHead | null }>> {
    const parsed = identitySchema.safeParse(identity);
    if (!parsed.success) return invalid(parsed.error);
    if (!this.identity) return ok({ destroyed: false });
    if (this.identity.tenant_id !== parsed.data.tenant_id || this.identity.cube_id !== parsed.data.cube_id) return fail("forbidden", "cube identity mismatch");
    if (!this.closing) return fail("conflict", "close the cube before destroying it");
    // Its audit entries go to D1 first: deleting a cube deletes none of them.
    const flushed = await this.flushAudit(this.identity);
    if (!flushed.ok) return flushed;
    const auditHead = drainedHead(this.sql);
    // Its blocks and adapters leave the GPU node too (best effort: the node's own LRU drops what is left).
    const bridge = bridgeClientFromEnv(this.env);
    await releaseAll(this.sql, this.identity, bridge);
    await deleteAllAdapters(this.identity, bridge);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.migrateFresh();
    return ok({ destroyed: true, audit_head: auditHead });
  }

  /** State of a new, empty object: after `destroy`, a later use of the same name starts from nothing. */
  private migrateFresh(): void {
    migrate(this.sql);
    this.identity = null;
    this.closing = false;
    this.vectors = new VectorCache(this.sql);
    this.heat.reset();
    this.scheduler = this.newScheduler();
  }

  /**
   * The cube's last audit entry in D1, with its chain's name, once every entry was sent there: what
   * verification compares D1's copy with. Binds no unbound object (a deleted cube answers null).
   */
  async auditHead(rawIdentity: unknown): Promise<CubeResult<CubeChainHead | null>> {
    const parsed = identitySchema.safeParse(rawIdentity);
    if (!parsed.success) return invalid(parsed.error);
    if (this.identity && (this.identity.tenant_id !== parsed.data.tenant_id || this.identity.cube_id !== parsed.data.cube_id)) return fail("forbidden", "cube identity mismatch");
    if (this.identity) {
      const flushed = await this.flushAudit(this.identity);
      if (!flushed.ok) return flushed;
    }
    return ok(drainedHead(this.sql));
  }

  /** Drains the outbox to D1 (and Vectorize when configured), and the audit log; reschedules itself on failure. */
  async drain(): Promise<DrainReport> {
    const identity = this.identity;
    if (!identity || this.closing) return { drained: 0, failed: 0, next_at: null };
    const warm = this.warmIndex();
    const report = await this.drainOutboxOnce(identity);
    const auditRetry = await drainAuditOrBackOff(this.sql, this.auditDb ?? this.env.DB, identity, Date.now());
    if (auditRetry !== null) await this.scheduleDrain(auditRetry, ["audit"]);
    if (report.next_at !== null) await this.scheduleDrain(report.next_at, ["outbox"]);
    await warm;
    return report;
  }

  /**
   * Starts (or joins) the read of the in-memory index the cube had before a restart (or that a
   * search started reading), between requests, so that the next search finds it ready; null when
   * there is nothing to read. A cube that Vectorize answers for (above the threshold) keeps none.
   */
  private warmIndex(): Promise<void> | null {
    const used = this.vectors.lastUsed();
    if (!used || this.vectors.ready(used.embedder, used.dimensions)) return null;
    let large: LargeCubeIndex | null = null;
    try {
      large = this.largeIndex ??= largeCubeIndex(this.env);
    } catch {
      // A bad threshold is reported by the search that needs it; the drain goes on regardless.
    }
    return large && this.vectors.count() > large.threshold ? null : this.warmer.warm(used.embedder, used.dimensions);
  }

  /** One drain of the outbox to the derived stores (the scheduler's outbox task). */
  private drainOutboxOnce(identity: CubeIdentity): Promise<DrainReport> {
    pruneUnseen(this.sql, Date.now());
    return drainOutbox({
      sql: this.sql,
      sinks: this.outboxSinks(identity),
      now: () => Date.now(),
      loadSkills: (ids) => skillNames(this.sql, ids),
      load: (ids, withVectors) => {
        const memories: Memory[] = [];
        const vectors = new Map<string, Float32Array>();
        for (const id of ids) {
          const row = getRow(this.sql, id);
          if (!row || row.state === "deleted") continue;
          memories.push(rowToMemory(row, identity));
          if (!withVectors) continue;
          const v = this.sql.exec<{ data: ArrayBuffer }>("SELECT data FROM vectors WHERE seq = ?", row.seq).toArray()[0];
          if (v) vectors.set(id, new Float32Array(v.data));
        }
        return { memories, vectors };
      },
    });
  }

  /** A session's working memory: its recent turns within the token bound and the summary of older ones. */
  async workingMemory(rawIdentity: unknown, rawArgs: unknown): Promise<CubeResult<WorkingMemory>> {
    const opened = this.openArgs(workingMemoryArgs, [rawIdentity, rawArgs]);
    if (!opened.ok) return opened;
    const { budget_tokens, ...filter } = opened.value.args[1];
    const messages = await withKeys(() => this.cipher.openMessages(sessionMessages(this.sql, filter)));
    if (!messages.ok) return messages;
    return ok(workingMemoryOf(this.sql, filter, messages.value, budget_tokens));
  }

  /**
   * A user's profile as the profile task last built it; rebuilt here first when memories changed
   * since (a deleted memory's text is never answered) or none was built yet.
   */
  async profile(rawIdentity: unknown, rawUser: unknown): Promise<CubeResult<Profile>> {
    const opened = this.openArgs(profileArgs, [rawIdentity, rawUser]);
    if (!opened.ok) return opened;
    const userId = opened.value.args[1];
    const stored = storedProfile(this.sql, userId);
    const profile = stored && !stored.stale ? stored.profile : this.ctx.storage.transactionSync(() => rebuildProfile(this.sql, opened.value.identity, userId, Date.now()));
    await this.auditRead(opened.value.args[0], "memory.read", [...profile.stable, ...profile.preferences, ...profile.current].map((l) => l.memory_id));
    return ok(profile);
  }

  /** The compaction task: each session idle long enough has its rolling summary stored as one memory. */
  private async compactSessions(identity: CubeIdentity, now: number): Promise<{ compacted: number; next_at: number | null }> {
    const idle = idleSessions(this.sql, now);
    for (const session of idle) {
      const messages = await withKeys(() => this.cipher.openMessages(sessionMessages(this.sql, { session_id: session.session_id })));
      if (!messages.ok) throw new Error(messages.error.message);
      const summary = summarizeSession(this.sql, session, messages.value);
      const hash = summary.text === null ? "" : await contentHash(summary.text);
      this.ctx.storage.transactionSync(() => storeCompaction({ sql: this.sql, identity, vectors: this.vectors, provenance: this.provenanceKey() }, summary, hash, Date.now()));
    }
    // A full batch: the rest at once (the budget decides when); else when the next session goes idle.
    const next = idle.length === COMPACT_BATCH ? now : nextIdleAt(this.sql);
    return { compacted: idle.length, next_at: next === null ? null : next - (now - Date.now()) };
  }

  /** The scheduler's task table, alarm, budget and its last `decisions` decisions. */
  async schedulerState(rawIdentity: unknown, rawDecisions: unknown = 20): Promise<CubeResult<SchedulerView & { activation: ActivationView; parameter_memory: ParameterMemoryView }>> {
    const opened = this.openArgs(schedulerArgs.state, [rawIdentity, rawDecisions]);
    if (!opened.ok) return opened;
    return ok({ ...(await this.scheduler.view(opened.value.args[1])), activation: activationView(this.sql, this.heat, Date.now()), parameter_memory: parameterMemoryView(this.sql) });
  }

  /**
   * Wakes every task now (one backing off keeps its backoff) and arms the alarm; with `wait`, runs
   * wake-ups here until no task is due or `max_wakes` ran. Answers the state after.
   */
  async runScheduler(rawIdentity: unknown, rawOptions: unknown): Promise<CubeResult<SchedulerView & { activation: ActivationView; parameter_memory: ParameterMemoryView; wakes: number }>> {
    const opened = this.openArgs(schedulerArgs.run, [rawIdentity, rawOptions]);
    if (!opened.ok) return opened;
    const { wait, max_wakes, decisions } = opened.value.args[1];
    await this.scheduler.wake(Date.now(), TASK_NAMES);
    const wakes = wait ? await this.scheduler.runUntilIdle(max_wakes) : 0;
    return ok({ ...(await this.scheduler.view(decisions)), activation: activationView(this.sql, this.heat, Date.now()), parameter_memory: parameterMemoryView(this.sql), wakes });
  }

  /** Texts desensitized with the cube's mode and vault, new vault values committed at once. */
  private async maskWithVault(texts: readonly string[]): Promise<string[]> {
    const prepared = await prepareTexts(readMode(this.sql), texts, this.vaultCipher);
    return this.ctx.storage.transactionSync(() => maskPrepared(this.sql, prepared, Date.now()));
  }

  /** What the skill operations (cube/skills/ops.ts) use of this object. */
  private skillHost(identity: CubeIdentity): skillOps.SkillHost {
    return {
      sql: this.sql,
      identity,
      transaction: (fn) => this.ctx.storage.transactionSync(fn),
      mask: (texts) => this.maskWithVault(texts),
      audited: (raw, action, targets, idem, write) => this.audited(raw, action, targets, idem, write),
      auditRead: (raw, action, targets) => this.auditRead(raw, action, targets),
    };
  }

  /** Starts the skill job of an extraction job: its run, the job's messages with their tool calls, its scope. */
  async startSkillJob(rawIdentity: unknown, rawJobId: unknown): Promise<CubeResult<{ run: SkillRunReport; job: JobRecord; messages: SkillMessage[]; options: JobInput["options"] }>> {
    const opened = this.openArgs(skillArgs.skillRun, [rawIdentity, rawJobId]);
    if (!opened.ok) return opened;
    const id = opened.value.args[1];
    const job = getJob(this.sql, id);
    const options = jobOptions(this.sql, id);
    if (!job || !options) return fail("not_found", `job ${id} not found`);
    if (job.state !== "succeeded") return fail("conflict", `job ${id} has not finished its extraction`);
    const run = skillRun(this.sql, id)?.state === "succeeded" ? (skillRun(this.sql, id) as SkillRunReport) : this.ctx.storage.transactionSync(() => startSkillRun(this.sql, id, Date.now()));
    if (run.state === "succeeded") return ok({ run, job, messages: [], options });
    const messages = await withKeys(async () => toSkillMessages(this.sql, await this.cipher.openMessages(jobMessages(this.sql, id)), (sealed) => this.cipher.openToolCalls(sealed)));
    if (!messages.ok) return messages;
    return ok({ run, job, messages: messages.value, options });
  }

  /** Evolves a skill job's drafts into the cube's skills and marks the run done (idempotent). */
  async completeSkillJob(raw: unknown): Promise<CubeResult<skillOps.MinedOutcome>> {
    const parsed = minedSkillsSchema.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const opened = this.open(parsed.data.identity);
    if (!opened.ok) return opened;
    const options = jobOptions(this.sql, parsed.data.job_id);
    const job = getJob(this.sql, parsed.data.job_id);
    if (!options || !job) return fail("not_found", `job ${parsed.data.job_id} not found`);
    const scope = { user_id: options.user_id, agent_id: options.agent_id, source_memory_ids: job.result?.memory_ids ?? [] };
    return skillOps.completeMined(this.skillHost(opened.value.identity), parsed.data, scope);
  }

  /** Records a failed skill job attempt; `final` fails it for good. */
  async failSkillJob(rawIdentity: unknown, rawId: unknown, rawError: unknown, rawFinal: unknown): Promise<CubeResult<SkillRunReport | null>> {
    const opened = this.openArgs(positionalArgs.failJob, [rawIdentity, rawId, rawError, rawFinal]);
    if (!opened.ok) return opened;
    const [, id, error, final] = opened.value.args;
    if (!getJob(this.sql, id)) return fail("not_found", `job ${id} not found`);
    this.ctx.storage.transactionSync(() => failSkillRun(this.sql, id, error, final, Date.now()));
    return ok(skillRun(this.sql, id));
  }

  /** A skill by id, or null (the hub reads a listing's source with it). `purpose` names the audit entry. */
  async getSkill(rawIdentity: unknown, rawId: unknown, rawPurpose: unknown = "read"): Promise<CubeResult<Skill | null>> {
    const opened = this.openArgs(skillArgs.byId, [rawIdentity, rawId]);
    if (!opened.ok) return opened;
    const host = this.skillHost(opened.value.identity);
    const found = await skillOps.readSkill(host, opened.value.args[0], opened.value.args[1], false);
    if (found.ok && found.value) await this.auditRead(opened.value.args[0], rawPurpose === "export" ? "skill.export" : "skill.read", [found.value.id]);
    return found;
  }

  /** An upload (JSON draft or SKILL.md): desensitized, stored as a new probationary skill (or the one with the same steps). */
  async createSkill(raw: unknown): Promise<CubeResult<{ skill: Skill; created: boolean }>> {
    const parsed = createSkillSchema.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const opened = this.open(parsed.data.identity);
    if (!opened.ok) return opened;
    return skillOps.createSkill(this.skillHost(opened.value.identity), parsed.data);
  }

  async listSkills(raw: unknown): Promise<CubeResult<{ skills: Skill[]; next_seq: number | null }>> {
    const parsed = listSkillsSchema.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const opened = this.open(parsed.data.identity);
    if (!opened.ok) return opened;
    return skillOps.listSkills(this.skillHost(opened.value.identity), parsed.data.identity, parsed.data.filter, parsed.data.limit, parsed.data.after_seq, parsed.data.before_id ?? null);
  }

  /** An edit as a new version, refused with 409 unless the skill is at `expected_version`. */
  async updateSkill(raw: unknown): Promise<CubeResult<Skill>> {
    const parsed = updateSkillSchema.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const opened = this.open(parsed.data.identity);
    if (!opened.ok) return opened;
    return skillOps.updateSkill(this.skillHost(opened.value.identity), parsed.data);
  }

  /** Deletes a skill from every table (row, versions, sources, vector, FTS, answers quoting it). */
  async deleteSkill(rawIdentity: unknown, rawId: unknown, rawIdempotency?: unknown): Promise<CubeResult<{ id: string; deleted: boolean }>> {
    const opened = this.openArgs(skillArgs.deleteSkill, [rawIdentity, rawId, rawIdempotency]);
    if (!opened.ok) return opened;
    const [identity, id, idem] = opened.value.args;
    return skillOps.deleteSkill(this.skillHost(opened.value.identity), identity, id, idem);
  }

  async skillVersions(rawIdentity: unknown, rawId: unknown, rawFilter: unknown = {}): Promise<CubeResult<Array<{ version: number; reason: string; source: string | null; at: number; skill: Skill }>>> {
    const opened = this.openArgs(skillArgs.byId, [rawIdentity, rawId]);
    if (!opened.ok) return opened;
    const filter = skillFilterSchema.safeParse(rawFilter);
    if (!filter.success) return invalid(filter.error);
    return skillOps.versionsOf(this.skillHost(opened.value.identity), opened.value.args[0], opened.value.args[1], filter.data);
  }

  async searchSkills(raw: unknown): Promise<CubeResult<skillOps.ScoredSkillOut[]>> {
    const parsed = searchSkillsSchema.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const opened = this.open(parsed.data.identity);
    if (!opened.ok) return opened;
    return skillOps.findSkills(this.skillHost(opened.value.identity), parsed.data.identity, parsed.data);
  }

  /** Renders a skill's steps with parameters checked against its schema; a valid run counts as a use. */
  async instantiateSkill(rawIdentity: unknown, rawId: unknown, rawParams: unknown, rawFilter: unknown = {}): Promise<CubeResult<skillOps.Instantiated>> {
    const opened = this.openArgs(skillArgs.instantiate, [rawIdentity, rawId, rawParams]);
    if (!opened.ok) return opened;
    const filter = skillFilterSchema.safeParse(rawFilter);
    if (!filter.success) return invalid(filter.error);
    const [identity, id, params] = opened.value.args;
    return skillOps.instantiate(this.skillHost(opened.value.identity), identity, id, params, filter.data);
  }

  /** Success or failure of a use: reliability and, when it changes, state (as a new version). */
  async skillFeedback(rawIdentity: unknown, rawId: unknown, rawFeedback: unknown, rawIdempotency?: unknown, rawFilter: unknown = {}): Promise<CubeResult<Skill>> {
    const opened = this.openArgs(skillArgs.feedback, [rawIdentity, rawId, rawFeedback, rawIdempotency]);
    if (!opened.ok) return opened;
    const filter = skillFilterSchema.safeParse(rawFilter);
    if (!filter.success) return invalid(filter.error);
    const [identity, id, fb, idem] = opened.value.args;
    return skillOps.feedback(this.skillHost(opened.value.identity), identity, id, fb.outcome, filter.data, idem);
  }

  /**
   * Installs a hub skill (origin hub): the first install creates it, the same listing version
   * again answers it unchanged, a newer listing version writes its next version. `extra` carries
   * the draft's embedding and the owner's scope.
   */
  async installSkill(rawIdentity: unknown, rawDraft: unknown, rawHub: unknown, rawIdempotency?: unknown, rawExtra?: unknown): Promise<CubeResult<Skill>> {
    const opened = this.openArgs(skillArgs.install, [rawIdentity, rawDraft, rawHub, rawIdempotency, rawExtra]);
    if (!opened.ok) return opened;
    const [identity, draft, hub, idem, extra] = opened.value.args;
    return skillOps.install(this.skillHost(opened.value.identity), identity, draft, hub, idem, extra);
  }

  /**
   * Counts an access of each memory (heat) and wakes the activation task, at most every 10 s and
   * 5 s later: its rendering runs in this object, between searches, not after each of them.
   */
  private recordHeat(ids: readonly string[]): void {
    const now = Date.now();
    this.heat.record(ids, now);
    if (ids.length && now - this.activationWokenAt > 10_000) {
      this.activationWokenAt = now;
      void this.scheduler.wake(now + 5_000, ["activation"]).catch(() => undefined);
    }
  }

  /**
   * The prefix a chat puts first for `user_id`: the registered block's text and id when the block
   * is current, else the block rendered now (no id: the node's own cache alone). Audited as a read
   * of the memories it carries.
   */
  async chatPrefix(rawIdentity: unknown, rawUser: unknown): Promise<CubeResult<ChatPrefix>> {
    const opened = this.openArgs(activationArgs.prefix, [rawIdentity, rawUser]);
    if (!opened.ok) return opened;
    const now = Date.now();
    const user = opened.value.args[1];
    const prefix = await chatPrefix(this.sql, opened.value.identity, this.heat, user, now);
    if (prefix.memory_ids.length) await this.auditRead(opened.value.args[0], "memory.read", prefix.memory_ids);
    if (prefix.block_id === null && prefix.text && !readBlock(this.sql, user)) this.wakeForNewUser(userKey(user), now);
    return ok(prefix);
  }

  /**
   * A user chatting whom the activation task has no block row for yet: the task runs a quarter of a
   * second later rather than at the next heat-driven wake-up (up to 15 s away), so that their block is offered
   * to the bridge before their next chat. At most once per user every 10 s; once the task wrote
   * the user's row (admitted or not), chats no longer wake it.
   */
  private wakeForNewUser(key: string, now: number): void {
    if (now - (this.newUserWokenAt.get(key) ?? 0) <= 10_000) return;
    if (this.newUserWokenAt.size > 1_000) this.newUserWokenAt.clear();
    this.newUserWokenAt.set(key, now);
    void this.scheduler.wake(now + 250, ["activation"]).catch(() => undefined);
  }

  /** The cube's activation settings. */
  async activationConfig(rawIdentity: unknown): Promise<CubeResult<ActivationConfig>> {
    const opened = this.open(rawIdentity);
    if (!opened.ok) return opened;
    return ok(readActivationConfig(this.sql));
  }

  /** Changes activation settings (merged over the current ones), audited; a new half-life rebases heat. */
  async setActivationConfig(rawIdentity: unknown, rawPatch: unknown): Promise<CubeResult<ActivationConfig>> {
    const opened = this.openArgs(activationArgs.config, [rawIdentity, rawPatch]);
    if (!opened.ok) return opened;
    const merged = activationConfigSchema.safeParse({ ...readActivationConfig(this.sql), ...opened.value.args[1] });
    if (!merged.success) return invalid(merged.error);
    const config = merged.data;
    this.ctx.storage.transactionSync(() => {
      if (config.half_life_ms !== readActivationConfig(this.sql).half_life_ms) this.heat.setHalfLife(config.half_life_ms, Date.now());
      writeActivationConfig(this.sql, config);
      appendAudit(this.sql, opened.value.args[0], actorOf(opened.value.args[0]), { action: "cube.activation", target_ids: [opened.value.identity.cube_id] }, Date.now());
    });
    await this.scheduler.wake(Date.now(), ["activation", "audit"]);
    return ok(config);
  }

  /** The cube's consolidation settings. */
  async consolidationConfig(rawIdentity: unknown): Promise<CubeResult<ConsolidationConfig>> {
    const opened = this.open(rawIdentity);
    return opened.ok ? ok(readConsolidationConfig(this.sql)) : opened;
  }

  /** Changes consolidation settings (merged over the current ones), audited, once per idempotency key; wakes the task. */
  async setConsolidationConfig(rawIdentity: unknown, rawPatch: unknown, rawIdempotency?: unknown): Promise<CubeResult<ConsolidationConfig>> {
    const opened = this.openArgs(distillArgs.consolidation, [rawIdentity, rawPatch, rawIdempotency]);
    if (!opened.ok) return opened;
    const merged = consolidationConfigSchema.safeParse({ ...readConsolidationConfig(this.sql), ...opened.value.args[1] });
    if (!merged.success) return invalid(merged.error);
    const result = await this.audited(opened.value.args[0], "cube.consolidation", () => [opened.value.identity.cube_id], opened.value.args[2], () => {
      writeConsolidationConfig(this.sql, merged.data);
      return ok(merged.data);
    });
    if (result.ok) await this.scheduler.wake(Date.now(), ["consolidation"]);
    return result;
  }

  /** Parameter memory: settings, the adapter attached per user, the job in flight, users backing off. */
  async parameterMemory(rawIdentity: unknown): Promise<CubeResult<ParameterMemoryView>> {
    const opened = this.open(rawIdentity);
    return opened.ok ? ok(parameterMemoryView(this.sql)) : opened;
  }

  /** Changes parameter-memory settings (merged over the current ones), audited, once per idempotency key; wakes the task. */
  async setParameterMemory(rawIdentity: unknown, rawPatch: unknown, rawIdempotency?: unknown): Promise<CubeResult<DistillConfig>> {
    const opened = this.openArgs(distillArgs.config, [rawIdentity, rawPatch, rawIdempotency]);
    if (!opened.ok) return opened;
    const merged = distillConfigSchema.safeParse({ ...readDistillConfig(this.sql), ...opened.value.args[1] });
    if (!merged.success) return invalid(merged.error);
    const result = await this.audited(opened.value.args[0], "cube.parameter_memory", () => [opened.value.identity.cube_id], opened.value.args[2], () => {
      writeDistillConfig(this.sql, merged.data);
      return ok(merged.data);
    });
    if (result.ok) await this.scheduler.wake(Date.now(), ["distillation"]);
    return result;
  }

  /** The training set distillation would export for a user now (chat-format JSONL lines), audited as a read of its memories. */
  async distillDataset(rawIdentity: unknown, rawUser: unknown): Promise<CubeResult<DatasetView>> {
    const opened = this.openArgs(distillArgs.dataset, [rawIdentity, rawUser]);
    if (!opened.ok) return opened;
    const set = await datasetOf(this.sql, opened.value.args[1], Date.now());
    await this.auditRead(opened.value.args[0], "memory.read", set.sources.map((s) => s.id));
    return ok(set);
  }

  /** The adapter a chat of this user uses (attached, not stale, every source still there); null: none. */
  async chatAdapter(rawIdentity: unknown, rawUser: unknown): Promise<CubeResult<{ name: string; base_model: string } | null>> {
    const opened = this.openArgs(distillArgs.adapter, [rawIdentity, rawUser]);
    if (!opened.ok) return opened;
    return ok(this.ctx.storage.transactionSync(() => adapterForChat(this.sql, opened.value.args[1], Date.now())));
  }

  /** One wake-up of the scheduler: due tasks, the outbox first, the others by priority within the budget. */
  override async alarm(): Promise<void> {
    if (!this.identity || this.closing) return;
    await this.scheduler.wakeUp(true);
  }
}
