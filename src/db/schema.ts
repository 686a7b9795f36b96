// Drizzle schema of the tenant-wide D1 store; `npm run db:generate` writes migrations from it.
import { sqliteTable, text, integer, real, index, primaryKey, uniqueIndex } from "drizzle-orm/sqlite-core";

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: integer("created_at").notNull(),
  /** When its deletion started (epoch ms): its keys stop working and admin writes for it are refused; null while it lives. */
  deletingAt: integer("deleting_at"),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    name: text("name").notNull(),
    /** SHA-256 hex of the whole key; the key itself is shown once and never stored. */
    hash: text("hash").notNull(),
    prefix: text("prefix").notNull(),
    scopes: text("scopes").notNull(), // JSON array
    /** JSON KeyLimits (cube_ids, user_ids, agent_ids) narrowing the key; null reaches the whole tenant. */
    limits: text("limits"),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
    lastUsedAt: integer("last_used_at"),
  },
  (t) => [uniqueIndex("api_keys_hash").on(t.hash), index("api_keys_tenant").on(t.tenantId)],
);

export const cubes = sqliteTable(
  "cubes",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    name: text("name"),
    ownerUserId: text("owner_user_id"),
    ownerAgentId: text("owner_agent_id"),
    createdAt: integer("created_at").notNull(),
    /** Short hash of the cube id that the cube's memory ids end with, so an id alone finds its cube. */
    ref: text("ref"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index("cubes_ref").on(t.tenantId, t.ref)],
);

/**
 * Idempotency keys of the writes that D1 serves (cubes, keys, tenants, GPU memory): the first
 * answer of each key, replayed to a retry. Cube writes keep theirs in the cube, beside the write.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    /** The tenant of the key, or "admin" for admin routes. */
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    /** "pending" while the first request runs, then "done". */
    state: text("state").notNull(),
    status: integer("status"),
    body: text("body"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] }), index("idempotency_keys_created").on(t.scope, t.createdAt)],
);

/** Which cube holds a job, so `GET /v1/jobs/:id` can find it; the job's state lives in the cube. */
export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    cubeId: text("cube_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("jobs_tenant").on(t.tenantId)],
);

/** Catalog of explicit memories, fed by each cube's outbox; the cube stays the source of truth. */
export const memories = sqliteTable(
  "memories",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    cubeId: text("cube_id").notNull(),
    userId: text("user_id"),
    agentId: text("agent_id"),
    sessionId: text("session_id"),
    text: text("text").notNull(),
    type: text("type").notNull(),
    tags: text("tags").notNull(), // JSON array
    entities: text("entities").notNull(), // JSON array
    metadata: text("metadata").notNull(), // JSON object
    importance: real("importance").notNull(),
    state: text("state").notNull(),
    version: integer("version").notNull(),
    hash: text("hash").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    validFrom: integer("valid_from").notNull(),
    validTo: integer("valid_to"),
    eventTime: integer("event_time"),
    sourceMessageIds: text("source_message_ids").notNull(), // JSON array
    expiresAt: integer("expires_at"), // ms; null: never expires
  },
  (t) => [
    index("memories_tenant_created").on(t.tenantId, t.createdAt, t.id),
    index("memories_tenant_cube").on(t.tenantId, t.cubeId, t.createdAt),
    index("memories_tenant_user").on(t.tenantId, t.userId, t.createdAt),
  ],
);

/** Read or write on a cube given to another user, agent or cube of the same tenant; revoked grants stay, dated. */
export const grants = sqliteTable(
  "grants",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    cubeId: text("cube_id").notNull(),
    /** "user", "agent" or "cube". */
    granteeKind: text("grantee_kind").notNull(),
    granteeId: text("grantee_id").notNull(),
    /** "read" or "write" (write implies read). */
    permission: text("permission").notNull(),
    createdAt: integer("created_at").notNull(),
    createdBy: text("created_by").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("grants_cube").on(t.tenantId, t.cubeId), index("grants_grantee").on(t.tenantId, t.granteeKind, t.granteeId)],
);

/** Webhook subscriptions of a tenant: where to POST which events, and the secret they are signed with. */
export const webhookSubscriptions = sqliteTable(
  "webhook_subscriptions",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    url: text("url").notNull(),
    description: text("description"),
    /** JSON array of event types, or ["*"] for all. */
    events: text("events").notNull(),
    /** The `whsec_` signing secret: kept (not hashed) since every delivery is signed with it; shown once. */
    secret: text("secret").notNull(),
    enabled: integer("enabled").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("webhook_subscriptions_tenant").on(t.tenantId, t.createdAt)],
);

/** One event for one subscription: the body as signed, its state and every attempt; deleted with its subscription. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    subscriptionId: text("subscription_id").notNull(),
    /** The `webhook-id`: the same on every attempt, so receivers can drop a repeat. */
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    /** The JSON body exactly as POSTed. */
    payload: text("payload").notNull(),
    /** "pending", "succeeded", "failed" (will be retried) or "dead" (given up). */
    state: text("state").notNull(),
    attempts: integer("attempts").notNull(),
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    /** JSON array of { at, status, error, duration_ms }, one per attempt. */
    log: text("log").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_event").on(t.subscriptionId, t.eventId),
    index("webhook_deliveries_subscription").on(t.tenantId, t.subscriptionId, t.createdAt, t.id),
  ],
);

/**
 * Per-tenant data keys of the encryption at rest (src/governance/envelope.ts), one row per version,
 * each wrapped by the master key named by `master_key_id`; never stored raw. The highest version
 * seals new writes; retired versions still open what they sealed.
 */
export const dataKeys = sqliteTable(
  "data_keys",
  {
    tenantId: text("tenant_id").notNull(),
    version: integer("version").notNull(),
    /** `kw:v1:<iv>:<ciphertext>`: the raw key sealed by the master key, bound to tenant and version. */
    wrapped: text("wrapped").notNull(),
    masterKeyId: text("master_key_id").notNull(),
    createdAt: integer("created_at").notNull(),
    /** When a newer version replaced it for new writes; null for the current one. */
    retiredAt: integer("retired_at"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.version] })],
);

/**
 * The audit log as drained for querying: every chain of the tenant (a cube's, `<cube id>#<start>`,
 * and "tenant" for keys, tenants, grants and cube deletions), append-only, hash-chained, ids only.
 */
export const auditEntries = sqliteTable(
  "audit_entries",
  {
    tenantId: text("tenant_id").notNull(),
    chain: text("chain").notNull(),
    seq: integer("seq").notNull(),
    at: integer("at").notNull(),
    /** null for system work (jobs, alarms) and operator actions (tenant creation). */
    keyId: text("key_id"),
    requestId: text("request_id"),
    action: text("action").notNull(),
    /** JSON array of ids (memories, keys, grants, cubes, jobs): never content. */
    targetIds: text("target_ids").notNull(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.chain, t.seq] }),
    index("audit_entries_at").on(t.tenantId, t.at),
    index("audit_entries_key").on(t.tenantId, t.keyId, t.at),
    index("audit_entries_action").on(t.tenantId, t.action, t.at),
  ],
);

/** Hub groups (issue 14): named sets of a tenant's users and agents that a listing may be shared with. */
export const hubGroups = sqliteTable(
  "hub_groups",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    createdAt: integer("created_at").notNull(),
    createdBy: text("created_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), uniqueIndex("hub_groups_name").on(t.tenantId, t.name)],
);

/** A member of a hub group: a user id or an agent id of the tenant (keys limited to it belong). */
export const hubGroupMembers = sqliteTable(
  "hub_group_members",
  {
    tenantId: text("tenant_id").notNull(),
    groupId: text("group_id").notNull(),
    /** "user" or "agent". */
    memberKind: text("member_kind").notNull(),
    memberId: text("member_id").notNull(),
    addedAt: integer("added_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.groupId, t.memberKind, t.memberId] }), index("hub_group_members_member").on(t.tenantId, t.memberKind, t.memberId)],
);

/** A memory or skill published to the hub: a desensitized snapshot at one source version, its vector, and its review. */
export const hubListings = sqliteTable(
  "hub_listings",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    /** "memory" or "skill". */
    kind: text("kind").notNull(),
    sourceCubeId: text("source_cube_id").notNull(),
    sourceId: text("source_id").notNull(),
    sourceVersion: integer("source_version").notNull(),
    /** "tenant" or "group" (then group_id). */
    visibility: text("visibility").notNull(),
    groupId: text("group_id"),
    title: text("title").notNull(),
    /** JSON snapshot of the item (memory: text, type, tags; skill: its draft fields). */
    content: text("content").notNull(),
    note: text("note"),
    /** "pending", "approved" or "rejected". */
    status: text("status").notNull(),
    reason: text("reason"),
    publisherKeyId: text("publisher_key_id").notNull(),
    publisherUserId: text("publisher_user_id"),
    decidedBy: text("decided_by"),
    decidedAt: integer("decided_at"),
    embedder: text("embedder").notNull(),
    /** base64 of the Float32Array embedding of the listing text (searched here when no Vectorize index is configured). */
    vector: text("vector").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    /** The source memory's expiry (epoch ms): the listing is not read from then on; null: never. */
    expiresAt: integer("expires_at"),
    /** JSON of a newer snapshot waiting for review (or rejected) while the approved one serves; null: none. */
    pendingRevision: text("pending_revision"),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("hub_listings_source").on(t.tenantId, t.kind, t.sourceCubeId, t.sourceId),
    index("hub_listings_status").on(t.tenantId, t.status, t.updatedAt),
  ],
);

/** A listing installed (copied) into a cube: which item it became there and at which listing version. */
export const hubInstalls = sqliteTable(
  "hub_installs",
  {
    tenantId: text("tenant_id").notNull(),
    listingId: text("listing_id").notNull(),
    targetCubeId: text("target_cube_id").notNull(),
    kind: text("kind").notNull(),
    sourceId: text("source_id").notNull(),
    installedId: text("installed_id").notNull(),
    /** The source version the installed copy holds. */
    installedVersion: integer("installed_version").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.listingId, t.targetCubeId] }), index("hub_installs_cube").on(t.tenantId, t.targetCubeId)],
);
