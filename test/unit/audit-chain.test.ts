// The audit hash chain: canonical hashing, linking, and naming the first entry that was tampered with.
import { describe, expect, it } from "vitest";
import { GENESIS_HASH, canonicalEntry, cubeChainName, cubeOfChain, entryHash, headTarget, nextEntry, parseHeadTarget, verifyChain, type AuditEntry } from "../../src/governance/audit";

function chain(n: number, name = "user:ann"): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let i = 0; i < n; i++) {
    const prev = out[i - 1];
    out.push(nextEntry(name, prev ? { seq: prev.seq, hash: prev.hash } : null, { key_id: `key_${i % 2}`, request_id: `req_${i}` }, { action: "memory.add", target_ids: [`mem_${i}`] }, 1_000 + i));
  }
  return out;
}

const at = (entries: AuditEntry[], seq: number) => entries.find((e) => e.seq === seq) as AuditEntry;

describe("audit chain entries", () => {
  it("starts at seq 1 from the genesis hash and links each entry to the previous one's hash", () => {
    const c = chain(3);
    expect(c.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(c[0]?.prev_hash).toBe(GENESIS_HASH);
    expect(c[1]?.prev_hash).toBe(c[0]?.hash);
    expect(c[2]?.prev_hash).toBe(c[1]?.hash);
    for (const e of c) expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("hashes every field but the hash itself, prev_hash included", () => {
    const [e] = chain(1) as [AuditEntry];
    const variants: Array<Partial<AuditEntry>> = [{ chain: "x" }, { seq: 2 }, { at: 1 }, { key_id: null }, { request_id: "other" }, { action: "memory.read" }, { target_ids: ["mem_x"] }, { prev_hash: "1".repeat(64) }];
    for (const v of variants) expect(entryHash({ ...e, ...v })).not.toBe(e.hash);
    expect(entryHash(e)).toBe(e.hash);
    expect(canonicalEntry({ ...e, hash: "ignored" } as AuditEntry)).toBe(canonicalEntry(e));
  });

  it("keeps null key and request ids for system work, and drops repeated target ids", () => {
    const e = nextEntry("c", null, null, { action: "job.complete", target_ids: ["job_1", "mem_1", "mem_1"] }, 5);
    expect(e.key_id).toBeNull();
    expect(e.request_id).toBeNull();
    expect(e.target_ids).toEqual(["job_1", "mem_1"]);
  });
});

describe("verifyChain", () => {
  it("accepts an untouched chain and reports its length and head", () => {
    const c = chain(5);
    expect(verifyChain(c)).toEqual({ ok: true, entries: 5, head: { seq: 5, hash: c[4]?.hash } });
    expect(verifyChain([])).toEqual({ ok: true, entries: 0, head: null });
  });

  it("names an entry whose field was edited as changed", () => {
    const c = chain(5);
    at(c, 3).action = "memory.read";
    expect(verifyChain(c)).toMatchObject({ ok: false, first_bad_seq: 3, reason: "changed" });
  });

  it("names an entry rewritten with a freshly computed hash as changed (the next one no longer links)", () => {
    const c = chain(5);
    const e = at(c, 2);
    e.target_ids = ["mem_forged"];
    e.hash = entryHash(e);
    expect(verifyChain(c)).toMatchObject({ ok: false, first_bad_seq: 2, reason: "changed" });
  });

  it("names the first missing seq of a deleted middle entry as removed", () => {
    const c = chain(5).filter((e) => e.seq !== 3);
    expect(verifyChain(c)).toMatchObject({ ok: false, first_bad_seq: 3, reason: "removed" });
  });

  it("finds a removal hidden by renumbering the entries after it", () => {
    const c = chain(5)
      .filter((e) => e.seq !== 2)
      .map((e) => (e.seq > 2 ? { ...e, seq: e.seq - 1 } : e));
    expect(verifyChain(c)).toMatchObject({ ok: false, first_bad_seq: 2, reason: "removed" });
  });

  it("names two entries whose seqs were swapped as reordered, at the lower seq", () => {
    const c = chain(6);
    const a = at(c, 2);
    const b = at(c, 5);
    [a.seq, b.seq] = [5, 2];
    c.sort((x, y) => x.seq - y.seq);
    expect(verifyChain(c)).toMatchObject({ ok: false, first_bad_seq: 2, reason: "reordered" });
  });

  it("names neighbours swapped as reordered too", () => {
    const c = chain(4);
    const a = at(c, 1);
    const b = at(c, 2);
    [a.seq, b.seq] = [2, 1];
    c.sort((x, y) => x.seq - y.seq);
    expect(verifyChain(c)).toMatchObject({ ok: false, first_bad_seq: 1, reason: "reordered" });
  });

  it("finds a removed tail only against the writer's head", () => {
    const full = chain(5);
    const head = { seq: 5, hash: full[4]?.hash as string };
    const cut = full.slice(0, 3);
    expect(verifyChain(cut).ok).toBe(true);
    expect(verifyChain(cut, head)).toMatchObject({ ok: false, first_bad_seq: 4, reason: "removed" });
    expect(verifyChain([], head)).toMatchObject({ ok: false, first_bad_seq: 1, reason: "removed" });
    expect(verifyChain(full, head).ok).toBe(true);
  });

  it("accepts entries stored past the writer's head, but not a different entry at the head's seq", () => {
    const full = chain(5);
    expect(verifyChain(full, { seq: 3, hash: full[2]?.hash as string }).ok).toBe(true);
    expect(verifyChain(full, { seq: 3, hash: "f".repeat(64) })).toMatchObject({ ok: false, first_bad_seq: 3, reason: "changed" });
  });
});

describe("chain names", () => {
  it("names a cube's chain by its cube id and start, and reads the cube id back (ids may hold '@' and ':')", () => {
    const name = cubeChainName("team@acme:ops", 1_700_000_000_000);
    expect(name).toBe(`team@acme:ops#${(1_700_000_000_000).toString(36)}`);
    expect(cubeOfChain(name)).toBe("team@acme:ops");
    expect(cubeOfChain("tenant")).toBeNull();
    expect(cubeOfChain("user:x#")).toBeNull();
    expect(cubeOfChain("#abc")).toBeNull();
    expect(cubeOfChain("user:x#ABC")).toBeNull();
  });

  it("writes a chain's head as a target id and parses only that form back", () => {
    const head = { seq: 12, hash: "a".repeat(64) };
    expect(parseHeadTarget(headTarget(head))).toEqual(head);
    expect(parseHeadTarget("head:12:xyz")).toBeNull();
    expect(parseHeadTarget(`mem_head:1:${"a".repeat(64)}`)).toBeNull();
  });
});
