// The cube object's SQLite schema and its forward-only migrations, applied on start.

/** Each entry moves the schema from version i to i + 1; never edit one that has shipped. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE messages (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    job_id TEXT,
    role TEXT NOT NULL,
    name TEXT,
    content TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    user_id TEXT, agent_id TEXT, session_id TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX messages_job ON messages(job_id);
  CREATE INDEX messages_hash ON messages(content_hash, created_at);
  CREATE TABLE memories (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT, agent_id TEXT, session_id TEXT,
    text TEXT NOT NULL,
    type TEXT NOT NULL,
    tags TEXT NOT NULL,
    entities TEXT NOT NULL,
    metadata TEXT NOT NULL,
    importance REAL NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER,
    event_time INTEGER,
    source_message_ids TEXT NOT NULL,
    seen_count INTEGER NOT NULL DEFAULT 1,
    last_seen_at INTEGER NOT NULL,
    access_count INTEGER NOT NULL DEFAULT 0,
    last_access_at INTEGER
  );
  CREATE INDEX memories_hash ON memories(hash);
  CREATE INDEX memories_user ON memories(user_id, seq);
  CREATE TABLE memory_versions (
    memory_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    reason TEXT NOT NULL,
    source TEXT,
    at INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (memory_id, version)
  );
  CREATE VIRTUAL TABLE memory_fts USING fts5(text, entities, tags, tokenize = 'porter unicode61');
  CREATE TABLE vectors (
    seq INTEGER PRIMARY KEY,
    embedder TEXT NOT NULL,
    data BLOB NOT NULL
  );
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    mode TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    result TEXT,
    options TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    memory_id TEXT NOT NULL,
    op TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    last_error TEXT
  );
  CREATE TABLE idempotency (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  `,
  // v2: entities with aliases, linked to memories (organization and the entity route), and the
  // time a job was last handed to the queue (so the alarm can re-dispatch a lost one).
  `
  CREATE TABLE entities (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    norm TEXT NOT NULL UNIQUE,
    kind TEXT,
    mention_count INTEGER NOT NULL DEFAULT 0,
    first_seen_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
  );
  CREATE TABLE entity_aliases (
    alias_norm TEXT PRIMARY KEY,
    alias TEXT NOT NULL,
    entity_id INTEGER NOT NULL
  );
  CREATE INDEX entity_aliases_entity ON entity_aliases(entity_id);
  CREATE TABLE memory_entities (
    memory_seq INTEGER NOT NULL,
    entity_id INTEGER NOT NULL,
    PRIMARY KEY (memory_seq, entity_id)
  );
  CREATE INDEX memory_entities_entity ON memory_entities(entity_id);
  ALTER TABLE jobs ADD COLUMN dispatched_at INTEGER;
  `,
  // v3: a lease on running jobs (the alarm re-dispatches a job whose consumer died), the memories
  // each idempotency answer names (so deleting a memory also forgets the answers that quote it),
  // and FTS5 secure-delete, so deleted text leaves no tokens in the index's shadow tables; the
  // rebuild drops the tokens of rows deleted before it was on.
  `
  ALTER TABLE jobs ADD COLUMN lease_until INTEGER;
  CREATE TABLE idempotency_refs (
    memory_id TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (memory_id, key)
  );
  CREATE INDEX idempotency_refs_key ON idempotency_refs(key);
  INSERT INTO memory_fts(memory_fts, rank) VALUES ('secure-delete', 1);
  INSERT INTO memory_fts(memory_fts) VALUES ('rebuild');
  `,
  // v4: memories whose vector was sent to an eventually consistent index (Vectorize) and may not
  // be visible there yet, with the time it surely is: until then the cube scores them itself.
  `
  CREATE TABLE vector_unseen (
    seq INTEGER PRIMARY KEY,
    visible_at INTEGER NOT NULL
  );
  CREATE INDEX vector_unseen_visible ON vector_unseen(visible_at);
  `,
  // v5 (lifecycle): when a memory expires (ms; NULL never), indexed for the alarm's expiry pass.
  `
  ALTER TABLE memories ADD COLUMN expires_at INTEGER;
  CREATE INDEX memories_expires ON memories(expires_at) WHERE expires_at IS NOT NULL;
  `,
  // v6 (privacy): the PII vault, one row per placeholder of the cube. `key` is the vault cipher's
  // index of (type, normalized value); `value` the first spelling seen, as the cipher sealed it.
  `
  CREATE TABLE pii_vault (
    placeholder TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    n INTEGER NOT NULL,
    key TEXT NOT NULL UNIQUE,
    value TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX pii_vault_type_n ON pii_vault(type, n);
  `,
  // v7 (audit): the cube's hash-chained audit log, one row per recorded call (ids, never content);
  // rows not yet in D1 have drained = 0. The chain's heads are kept in meta.
  `
  CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    key_id TEXT,
    request_id TEXT,
    action TEXT NOT NULL,
    target_ids TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    drained INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX audit_log_undrained ON audit_log(seq) WHERE drained = 0;
  `,
  // v8 (provenance): each version's HMAC over tenant, cube, id, version, content hash and sources.
  `
  ALTER TABLE memory_versions ADD COLUMN signature TEXT;
  `,
  // v9 (scheduler): the alarm's task table (one row per task: when it next wants to run, its last
  // run, failures in a row for its backoff) and its recent decisions (run, deferred, failed, why);
  // working memory per session: the rolling summary of turns that fell out of the token bound and
  // when the session was compacted.
  `
  CREATE TABLE scheduler_tasks (
    name TEXT PRIMARY KEY,
    priority INTEGER NOT NULL,
    next_at INTEGER,
    last_run_at INTEGER,
    last_ok_at INTEGER,
    last_error TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    runs INTEGER NOT NULL DEFAULT 0,
    last_duration_ms INTEGER,
    last_note TEXT
  );
  CREATE TABLE scheduler_decisions (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    task TEXT NOT NULL,
    decision TEXT NOT NULL,
    reason TEXT NOT NULL
  );
  CREATE TABLE working_memory (
    session_id TEXT PRIMARY KEY,
    user_id TEXT,
    agent_id TEXT,
    summary TEXT NOT NULL DEFAULT '',
    summarized_through INTEGER NOT NULL DEFAULT 0,
    last_turn_at INTEGER NOT NULL,
    compacted_at INTEGER
  );
  `,
  // (skills, Mem2Skill): a cube's skills at their current version (the draft as JSON), every
  // version, their source messages and memories, their vectors and FTS5 tokens (secure-delete), the
  // skill job run after each extraction job, and the tool calls of stored chat messages.
  `
  CREATE TABLE skills (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT, agent_id TEXT,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    origin TEXT NOT NULL,
    version INTEGER NOT NULL,
    hash TEXT NOT NULL,
    draft TEXT NOT NULL,
    reliability TEXT NOT NULL,
    hub TEXT,
    listing_id TEXT,
    seen_count INTEGER NOT NULL DEFAULT 1,
    uses INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX skills_hash ON skills(hash);
  CREATE INDEX skills_listing ON skills(listing_id) WHERE listing_id IS NOT NULL;
  CREATE TABLE skill_versions (
    skill_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    reason TEXT NOT NULL,
    source TEXT,
    at INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (skill_id, version)
  );
  CREATE TABLE skill_sources (
    skill_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    PRIMARY KEY (skill_id, kind, source_id)
  );
  CREATE TABLE skill_vectors (
    skill_id TEXT PRIMARY KEY,
    embedder TEXT NOT NULL,
    data BLOB NOT NULL
  );
  CREATE VIRTUAL TABLE skill_fts USING fts5(text, tokenize = 'porter unicode61');
  INSERT INTO skill_fts(skill_fts, rank) VALUES ('secure-delete', 1);
  CREATE TABLE skill_runs (
    job_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    report TEXT,
    updated_at INTEGER NOT NULL
  );
  ALTER TABLE messages ADD COLUMN tool_calls TEXT;
  ALTER TABLE messages ADD COLUMN tool_call_id TEXT;
  `,
  // (activation) each memory's access heat, a decayed sum (src/memory/activation/heat.ts), and each
  // user's activation block: its rendered text, what it holds, and its registration on the bridge.
  `
  ALTER TABLE memories ADD COLUMN heat REAL NOT NULL DEFAULT 0;
  CREATE TABLE activation_blocks (
    user_key TEXT PRIMARY KEY,
    user_id TEXT,
    text TEXT NOT NULL,
    hash TEXT NOT NULL,
    profile_hash TEXT NOT NULL,
    memory_ids TEXT NOT NULL,
    weights TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    rendered_at INTEGER NOT NULL,
    block_id TEXT,
    node TEXT,
    size_bytes INTEGER,
    registered_at INTEGER,
    warmed_at INTEGER
  );
  `,
  // (forgotten turns) the messages whose extracted memories were deleted: a session's summary
  // leaves them out instead of quoting their first sentence (the deleted fact) again.
  `
  CREATE TABLE forgotten_turns (
    message_id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL
  );
  CREATE INDEX forgotten_turns_session ON forgotten_turns(session_id);
  `,
  // (parameter memory) the adapter distilled per user (its sources and their versions, the
  // dataset's hash, stale once a source is deleted), the one training job in flight, each
  // user's failed jobs in a row and when to retry.
  `
  CREATE TABLE distill_adapters (
    user_key TEXT PRIMARY KEY,
    user_id TEXT,
    adapter_name TEXT NOT NULL,
    base_model TEXT NOT NULL,
    sources TEXT NOT NULL,
    dataset_hash TEXT NOT NULL,
    examples INTEGER NOT NULL,
    job_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    stale_at INTEGER,
    stale_reason TEXT
  );
  CREATE TABLE distill_sources (
    memory_id TEXT NOT NULL,
    user_key TEXT NOT NULL,
    PRIMARY KEY (memory_id, user_key)
  );
  CREATE TABLE distill_jobs (
    job_id TEXT PRIMARY KEY,
    user_key TEXT NOT NULL,
    user_id TEXT,
    adapter_name TEXT NOT NULL,
    base_model TEXT NOT NULL,
    sources TEXT NOT NULL,
    dataset_hash TEXT NOT NULL,
    examples INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    polls INTEGER NOT NULL,
    next_poll_at INTEGER NOT NULL
  );
  CREATE TABLE distill_users (
    user_key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    retry_at INTEGER,
    last_error TEXT
  );
  `,
  // The heat last reported to the bridge for each block: a report is sent again once it moved enough.
  `ALTER TABLE activation_blocks ADD COLUMN reported_heat REAL;`,
];

export const CUBE_SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the object's database to the current schema version; idempotent. */
export function migrate(sql: SqlStorage): number {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0];
  let version = row?.version ?? 0;
  if (!row) sql.exec("INSERT INTO schema_version (version) VALUES (0)");
  while (version < MIGRATIONS.length) {
    sql.exec(MIGRATIONS[version] as string);
    version++;
    sql.exec("UPDATE schema_version SET version = ?", version);
  }
  return version;
}
