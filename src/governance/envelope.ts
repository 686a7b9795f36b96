// Envelope encryption on WebCrypto only (workerd and Node alike): a master key wraps per-tenant data keys, which seal fields.

/**
 * Why a value could not be opened or a key not read. The message names no key material and no
 * plaintext; callers answer it as a generic failure.
 */
export class EnvelopeError extends Error {
  override readonly name: string = "EnvelopeError";
  constructor(
    readonly reason: "malformed_master_key" | "malformed" | "wrong_version" | "unwrap_failed" | "decrypt_failed",
    message: string,
  ) {
    super(message);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const KEY_BYTES = 32;
const IV_BYTES = 12;
/** Prefix of a sealed field: `enc:v1:<data key version>:<base64url iv>:<base64url ciphertext and tag>`. */
const FIELD_PREFIX = "enc:v1:";
/** Prefix of a wrapped data key: `kw:v1:<base64url iv>:<base64url wrapped key and tag>`. */
const WRAP_PREFIX = "kw:v1:";

export function toBase64Url(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Standard or url-safe base64, padded or not; null when `s` is not base64. */
export function fromBase64(s: string): Uint8Array<ArrayBuffer> | null {
  const std = s.trim().replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(std) || std.replace(/=+$/, "").length % 4 === 1) return null;
  try {
    const bin = atob(std.padEnd(Math.ceil(std.length / 4) * 4, "="));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

/** A master key: wraps and unwraps data keys; `id` is a fingerprint that names it in storage (not secret). */
export interface MasterKey {
  readonly id: string;
  readonly key: CryptoKey;
}

/** The raw bytes of a `MASTER_KEY` secret (base64 of 32 bytes), or an EnvelopeError saying what is wrong. */
export function parseMasterKey(secret: string): Uint8Array<ArrayBuffer> {
  const raw = fromBase64(secret);
  if (!raw) throw new EnvelopeError("malformed_master_key", "the master key is not base64");
  if (raw.length !== KEY_BYTES) throw new EnvelopeError("malformed_master_key", `the master key must be ${KEY_BYTES} bytes, not ${raw.length}`);
  return raw;
}

export async function importMasterKey(secret: string): Promise<MasterKey> {
  const raw = parseMasterKey(secret);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", concat(encoder.encode("memos-edge master key id\u0000"), raw)));
  const key = await crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  return { id: `mk_${toHex(digest.subarray(0, 8))}`, key };
}

/** A tenant's data key of one version: AES-GCM for fields, HMAC-SHA-256 for keyed hashes, both derived (HKDF) from its raw bytes. */
export interface DataKey {
  readonly version: number;
  readonly enc: CryptoKey;
  readonly mac: CryptoKey;
}

/** 32 random bytes: a new data key, to be wrapped at once and never stored raw. */
export function newDataKeyBytes(): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(KEY_BYTES));
}

export async function dataKeyFromBytes(version: number, raw: Uint8Array<ArrayBuffer>): Promise<DataKey> {
  if (raw.length !== KEY_BYTES) throw new EnvelopeError("unwrap_failed", "a data key must be 32 bytes");
  const base = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveKey"]);
  const hkdf = (info: string) => ({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(info) });
  const [enc, mac] = await Promise.all([
    crypto.subtle.deriveKey(hkdf("memos-edge field encryption v1"), base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]),
    crypto.subtle.deriveKey(hkdf("memos-edge keyed hash v1"), base, { name: "HMAC", hash: "SHA-256", length: 256 }, false, ["sign"]),
  ]);
  return { version, enc, mac };
}

/** What a wrapped data key is bound to: the tenant and version it belongs to (a blob moved to another row fails). */
export function wrapAad(tenantId: string, version: number): string {
  return `memos-edge data key\u0000${tenantId}\u0000${version}`;
}

export async function wrapDataKey(master: MasterKey, raw: Uint8Array<ArrayBuffer>, aad: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(aad) }, master.key, raw));
  return `${WRAP_PREFIX}${toBase64Url(iv)}:${toBase64Url(ct)}`;
}

export async function unwrapDataKey(master: MasterKey, wrapped: string, aad: string): Promise<Uint8Array<ArrayBuffer>> {
  const parts = wrapped.startsWith(WRAP_PREFIX) ? wrapped.slice(WRAP_PREFIX.length).split(":") : [];
  const iv = parts.length === 2 ? fromBase64(parts[0] as string) : null;
  const ct = parts.length === 2 ? fromBase64(parts[1] as string) : null;
  if (!iv || !ct || iv.length !== IV_BYTES) throw new EnvelopeError("malformed", "not a wrapped data key");
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(aad) }, master.key, ct));
  } catch {
    throw new EnvelopeError("unwrap_failed", "the data key does not unwrap with this master key");
  }
}

export function isEncrypted(value: string): boolean {
  return value.startsWith(FIELD_PREFIX);
}

/** The data key version a sealed field names, or null when `value` is not one. */
export function envelopeVersion(value: string): number | null {
  if (!isEncrypted(value)) return null;
  const v = value.slice(FIELD_PREFIX.length).split(":", 1)[0] ?? "";
  return /^[1-9]\d{0,8}$/.test(v) ? Number(v) : null;
}

/** Seals `plaintext` under `key`, bound to `aad` (where it is stored: tenant, cube, column). */
export async function encrypt(key: DataKey, plaintext: string, aad: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(aad) }, key.enc, encoder.encode(plaintext)));
  return `${FIELD_PREFIX}${key.version}:${toBase64Url(iv)}:${toBase64Url(ct)}`;
}

/** Opens a sealed field; fails on another key, another version, another `aad`, or any change to the text. */
export async function decrypt(key: DataKey, sealed: string, aad: string): Promise<string> {
  const version = envelopeVersion(sealed);
  const parts = sealed.slice(FIELD_PREFIX.length).split(":");
  const iv = parts.length === 3 ? fromBase64(parts[1] as string) : null;
  const ct = parts.length === 3 ? fromBase64(parts[2] as string) : null;
  if (version === null || !iv || !ct || iv.length !== IV_BYTES) throw new EnvelopeError("malformed", "not a sealed value");
  if (version !== key.version) throw new EnvelopeError("wrong_version", `sealed with data key version ${version}, not ${key.version}`);
  try {
    return decoder.decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(aad) }, key.enc, ct));
  } catch {
    throw new EnvelopeError("decrypt_failed", "the sealed value does not open with this key and context");
  }
}

/** Lowercase hex HMAC-SHA-256 of `input` under the data key: equal inputs are equal only to a holder of the key. */
export async function keyedHash(key: DataKey, input: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", key.mac, encoder.encode(input))));
}

function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
