// Watermarks on what leaves the service (context blocks, exports): a short signed token naming the key, the request and the time.
import { constantTimeEqual, toHex } from "./crypto";

/** A watermark as it reads back: each id as a digest (hex), to be matched against candidates. */
export interface WatermarkClaims {
  /** When it was issued, ms (second precision). */
  issued_at: number;
  tenant_digest: string;
  key_digest: string;
  request_digest: string;
}

const PREFIX = "mw1";
/** Crockford base32, lowercase: the token is one word, no padding. */
const B32 = "0123456789abcdefghjkmnpqrstvwxyz";
const DIGEST_BYTES = 8;
const HEAD_BYTES = 4 + 3 * DIGEST_BYTES;
const TAG_BYTES = 10;
const encoder = new TextEncoder();

function base32(bytes: Uint8Array): string {
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32[(acc << (5 - bits)) & 31];
  return out;
}

function unbase32(text: string, length: number): Uint8Array | null {
  const out = new Uint8Array(length);
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const ch of text) {
    const v = B32.indexOf(ch);
    if (v < 0) return null;
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      if (n >= length) return null;
      out[n++] = (acc >>> (bits - 8)) & 255;
      bits -= 8;
      acc &= (1 << bits) - 1;
    }
  }
  return n === length ? out : null;
}

/** The HMAC key of watermarks, derived from the master secret so that one secret rules them all. */
export async function watermarkKey(masterSecret: string): Promise<CryptoKey> {
  const root = await crypto.subtle.importKey("raw", encoder.encode(masterSecret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const derived = await crypto.subtle.sign("HMAC", root, encoder.encode("memos-edge watermark v1"));
  return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/** The first 8 bytes of SHA-256 of an id: what a watermark carries of it. */
async function digest(id: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(id))).slice(0, DIGEST_BYTES);
}

/** The digest of an id as a watermark carries it (hex), to match a candidate tenant, key or request id. */
export async function digestOf(id: string): Promise<string> {
  return toHex(await digest(id));
}

async function tag(key: CryptoKey, body: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body))).slice(0, TAG_BYTES);
}

/**
 * A watermark token: `mw1` and base32 of (seconds, tenant, key and request digests, tag), 64
 * characters, one word. It names who took the data out and when, and only this service can make one.
 */
export async function issueWatermark(key: CryptoKey, claims: { tenant_id: string; key_id: string; request_id: string; at: number }): Promise<string> {
  const head = new Uint8Array(HEAD_BYTES);
  new DataView(head.buffer).setUint32(0, Math.floor(claims.at / 1000));
  head.set(await digest(claims.tenant_id), 4);
  head.set(await digest(claims.key_id), 4 + DIGEST_BYTES);
  head.set(await digest(claims.request_id), 4 + 2 * DIGEST_BYTES);
  const body = `${PREFIX}${base32(head)}`;
  return body + base32(await tag(key, body));
}

const HEAD_CHARS = Math.ceil((HEAD_BYTES * 8) / 5);
const TAG_CHARS = Math.ceil((TAG_BYTES * 8) / 5);
const TOKEN_CHARS = PREFIX.length + HEAD_CHARS + TAG_CHARS;
const TOKEN = new RegExp(`^${PREFIX}[${B32}]{${HEAD_CHARS + TAG_CHARS}}`);

/** Candidate tokens at every place the prefix occurs (a stray "mw1" just before a token must not hide it). */
function candidates(flat: string): string[] {
  const out: string[] = [];
  for (let i = flat.indexOf(PREFIX); i >= 0; i = flat.indexOf(PREFIX, i + 1)) {
    const m = TOKEN.exec(flat.slice(i, i + TOKEN_CHARS));
    if (m) out.push(m[0]);
  }
  return out;
}

/** Every well-signed watermark found in `text`, whatever whitespace was added, removed or changed around or inside it. */
export async function readWatermarks(key: CryptoKey, text: string): Promise<{ valid: WatermarkClaims[]; forged: number }> {
  const flat = text.replace(/\s+/g, "").toLowerCase();
  const valid: WatermarkClaims[] = [];
  let forged = 0;
  const seen = new Set<string>();
  for (const token of candidates(flat)) {
    if (seen.has(token)) continue;
    seen.add(token);
    const body = token.slice(0, PREFIX.length + HEAD_CHARS);
    const given = unbase32(token.slice(body.length), TAG_BYTES);
    const head = unbase32(body.slice(PREFIX.length), HEAD_BYTES);
    if (!given || !head || !(await constantTimeEqual(toHex(given), toHex(await tag(key, body))))) {
      forged++;
      continue;
    }
    const part = (i: number) => toHex(head.slice(4 + i * DIGEST_BYTES, 4 + (i + 1) * DIGEST_BYTES));
    valid.push({ issued_at: new DataView(head.buffer).getUint32(0) * 1000, tenant_digest: part(0), key_digest: part(1), request_digest: part(2) });
  }
  return { valid, forged };
}
