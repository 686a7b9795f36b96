// Checks a memory's stored versions against their provenance signatures and their own text.
import type { Memory } from "../../src/memory/types";
import { verifyProvenance } from "../../src/governance/provenance";
import { contentHash } from "../../src/memory/text";
import type { StoreContext } from "./memory-store";

export interface VersionProvenance {
  version: number;
  reason: string;
  /** Whether the version carries a signature at all (versions written without MASTER_KEY do not). */
  signed: boolean;
  /** Whether the signature matches the version's id, number, content hash and sources. */
  signature_valid: boolean;
  /** Whether the stored text still has the content hash that was signed (null for a tombstone). */
  content_matches: boolean | null;
}

/**
 * `keys`: the current signing key first, then older ones (from MASTER_KEY_PREVIOUS while a master
 * key rotation is under way): a version signed before the rotation still verifies.
 */
export async function checkProvenance(ctx: StoreContext, id: string, keys: readonly Uint8Array[]): Promise<VersionProvenance[]> {
  const rows = ctx.sql
    .exec<{ version: number; reason: string; source: string | null; snapshot: string; signature: string | null }>(
      "SELECT version, reason, source, snapshot, signature FROM memory_versions WHERE memory_id = ? ORDER BY version",
      id,
    )
    .toArray();
  const out: VersionProvenance[] = [];
  for (const r of rows) {
    const snap = JSON.parse(r.snapshot) as Partial<Memory>;
    const hash = typeof snap.hash === "string" ? snap.hash : null;
    const fields = {
      tenant_id: ctx.identity.tenant_id,
      cube_id: ctx.identity.cube_id,
      // The row's own id and version, not the snapshot's: a snapshot moved under another id must fail.
      id,
      version: r.version,
      hash,
      reason: r.reason,
      source: r.source,
      source_message_ids: Array.isArray(snap.source_message_ids) ? snap.source_message_ids : [],
    };
    const signatureValid = keys.some((k) => verifyProvenance(k, fields, r.signature));
    const content = hash === null || typeof snap.text !== "string" ? null : (await contentHash(snap.text)) === hash;
    out.push({ version: r.version, reason: r.reason, signed: r.signature !== null, signature_valid: signatureValid && snap.id === id && snap.version === r.version, content_matches: content });
  }
  return out;
}
