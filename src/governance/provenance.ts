// Provenance signatures of memory versions: an HMAC over who holds it, which version, its content hash and its sources.
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { toHex } from "./crypto";

const encoder = new TextEncoder();

/** What a version's signature covers. */
export interface ProvenanceFields {
  tenant_id: string;
  cube_id: string;
  id: string;
  version: number;
  /** The content hash of the version's text (null for a tombstone). */
  hash: string | null;
  /** Why and from what the version was written: the change's source and the source message ids. */
  reason: string;
  source: string | null;
  source_message_ids: readonly string[];
}

/** The one serialization that is signed, in a fixed order. */
export function provenanceMessage(f: ProvenanceFields): string {
  return JSON.stringify(["memos-edge/provenance/v1", f.tenant_id, f.cube_id, f.id, f.version, f.hash, f.reason, f.source, [...f.source_message_ids]]);
}

/**
 * The signing key, derived from the master secret. Synchronous (the cube signs inside its write
 * transaction), and the same bytes as an HMAC-SHA256 through WebCrypto would give.
 */
export function provenanceKey(masterSecret: string): Uint8Array {
  return hmac(sha256, encoder.encode(masterSecret), encoder.encode("memos-edge provenance v1"));
}

/** Hex HMAC-SHA256 of the fields under `key`. */
export function signProvenance(key: Uint8Array, f: ProvenanceFields): string {
  return toHex(hmac(sha256, key, encoder.encode(provenanceMessage(f))));
}

/** Whether `signature` is the fields' signature, compared in constant time. */
export function verifyProvenance(key: Uint8Array, f: ProvenanceFields, signature: string | null): boolean {
  if (signature === null) return false;
  const expected = signProvenance(key, f);
  if (expected.length !== signature.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ signature.charCodeAt(i);
  return diff === 0;
}
