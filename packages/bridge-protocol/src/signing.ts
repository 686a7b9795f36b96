// HMAC request signing between the Worker and the gpu-bridge, on WebCrypto only (workerd and Node).
//
// A signed request carries three headers:
//   x-bridge-timestamp  unix milliseconds when it was signed
//   x-bridge-nonce      32 hex characters, fresh per request
//   x-bridge-signature  "v1=" + hex HMAC-SHA256(secret, canonical string)
// The canonical string binds method, path with query, timestamp, nonce and the SHA-256 of the
// body, so that none of them can be changed or replayed without the secret.

export const SIGNATURE_HEADER = "x-bridge-signature";
export const TIMESTAMP_HEADER = "x-bridge-timestamp";
export const NONCE_HEADER = "x-bridge-nonce";

/** Why a request was refused; stable codes the bridge answers with (all 401). */
export type SignatureFailure =
  | "signature_missing"
  | "signature_malformed"
  | "signature_stale"
  | "signature_invalid"
  | "signature_replayed";

export type VerifyResult = { ok: true; nonce: string } | { ok: false; code: SignatureFailure; message: string };

export interface SignInput {
  method: string;
  /** Path with its query string exactly as sent, e.g. `/v1/activation?cube_id=a`. */
  pathWithQuery: string;
  body?: string | Uint8Array | undefined;
}

export interface VerifyInput extends SignInput {
  headers: { get(name: string): string | null };
}

/**
 * Remembers nonces of accepted requests until they could no longer pass the skew check, so a
 * captured request cannot be sent twice. `add` answers false when the nonce was already seen.
 */
export interface ReplayCache {
  add(nonce: string, expiresAtMs: number, nowMs: number): boolean;
}

const encoder = new TextEncoder();
const HEX_RE = /^[0-9a-f]+$/;

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

function fromHex(hex: string): Uint8Array | null {
  if (hex.length % 2 !== 0 || !HEX_RE.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export async function sha256Hex(body: string | Uint8Array | undefined): Promise<string> {
  const bytes = body === undefined ? new Uint8Array(0) : typeof body === "string" ? encoder.encode(body) : body;
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)));
}

/** Compares two byte arrays in time that depends only on their length, never on their contents. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

function canonical(method: string, pathWithQuery: string, timestamp: string, nonce: string, bodyHash: string): string {
  return ["v1", method.toUpperCase(), pathWithQuery, timestamp, nonce, bodyHash].join("\n");
}

/** In-memory replay cache with expiry; bounded by the request rate times the skew window. */
export class MemoryReplayCache implements ReplayCache {
  private readonly seen = new Map<string, number>();
  private lastPrune = 0;

  add(nonce: string, expiresAtMs: number, nowMs: number): boolean {
    // Pruning at most once a second keeps the hot path O(1) while expired nonces still go.
    if (nowMs - this.lastPrune > 1000) {
      for (const [n, exp] of this.seen) if (exp <= nowMs) this.seen.delete(n);
      this.lastPrune = nowMs;
    }
    const exp = this.seen.get(nonce);
    if (exp !== undefined && exp > nowMs) return false;
    this.seen.set(nonce, expiresAtMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}

/**
 * The two primitives the protocol needs. The default is WebCrypto (workerd and Node alike); a
 * Node process may pass synchronous node:crypto ones, which skip WebCrypto's thread-pool hop
 * and are several times cheaper per request. The protocol itself stays in this file.
 */
export interface Primitives {
  sha256Hex(data: Uint8Array): Promise<string> | string;
  hmacSha256(data: Uint8Array): Promise<Uint8Array> | Uint8Array;
}

export function webCryptoPrimitives(secret: string): Primitives {
  const keyPromise = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return {
    async sha256Hex(data) {
      // Typed for the DOM lib too (the bench project reaches this file): the bytes are never a SharedArrayBuffer.
      return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>)));
    },
    async hmacSha256(data) {
      return new Uint8Array(await crypto.subtle.sign("HMAC", await keyPromise, data as Uint8Array<ArrayBuffer>));
    },
  };
}

export interface Signer {
  /** Headers to add to the request. */
  sign(input: SignInput, nowMs?: number): Promise<Record<string, string>>;
  /** Checks headers, skew, signature and (when given a cache) replay, in that order. */
  verify(input: VerifyInput, opts: { maxSkewMs: number; replay?: ReplayCache; nowMs?: number }): Promise<VerifyResult>;
}

/**
 * Builds a signer for one shared secret. The HMAC key is imported once here, not per request.
 * Refuses an empty or short secret: a guessable secret would make every check meaningless.
 */
export function createSigner(secret: string, primitives: (secret: string) => Primitives = webCryptoPrimitives): Signer {
  if (typeof secret !== "string" || secret.length < 16) {
    throw new Error("bridge secret must be at least 16 characters");
  }
  const p = primitives(secret);
  const empty = new Uint8Array(0);
  const bodyHash = (body: string | Uint8Array | undefined) =>
    p.sha256Hex(body === undefined ? empty : typeof body === "string" ? encoder.encode(body) : body);
  const mac = (text: string) => p.hmacSha256(encoder.encode(text));

  return {
    async sign(input, nowMs = Date.now()) {
      const timestamp = String(Math.floor(nowMs));
      const nonce = toHex(crypto.getRandomValues(new Uint8Array(16)));
      const sig = await mac(canonical(input.method, input.pathWithQuery, timestamp, nonce, await bodyHash(input.body)));
      return { [TIMESTAMP_HEADER]: timestamp, [NONCE_HEADER]: nonce, [SIGNATURE_HEADER]: `v1=${toHex(sig)}` };
    },

    async verify(input, opts) {
      const now = opts.nowMs ?? Date.now();
      const sigHeader = input.headers.get(SIGNATURE_HEADER);
      const timestamp = input.headers.get(TIMESTAMP_HEADER);
      const nonce = input.headers.get(NONCE_HEADER);
      if (!sigHeader || !timestamp || !nonce) {
        return { ok: false, code: "signature_missing", message: "request is not signed" };
      }
      const given = sigHeader.startsWith("v1=") ? fromHex(sigHeader.slice(3)) : null;
      if (!given || !/^\d{1,16}$/.test(timestamp) || !/^[0-9a-f]{32}$/.test(nonce)) {
        return { ok: false, code: "signature_malformed", message: "signature headers are malformed" };
      }
      const ts = Number(timestamp);
      if (Math.abs(now - ts) > opts.maxSkewMs) {
        return { ok: false, code: "signature_stale", message: "request timestamp is outside the allowed skew" };
      }
      const expected = await mac(canonical(input.method, input.pathWithQuery, timestamp, nonce, await bodyHash(input.body)));
      if (!timingSafeEqual(expected, given)) {
        return { ok: false, code: "signature_invalid", message: "signature does not match" };
      }
      // Only a valid request reaches the cache, so forged traffic cannot fill it.
      if (opts.replay && !opts.replay.add(nonce, ts + opts.maxSkewMs, now)) {
        return { ok: false, code: "signature_replayed", message: "request was already received" };
      }
      return { ok: true, nonce };
    },
  };
}
