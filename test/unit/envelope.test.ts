// Envelope encryption (src/governance/envelope.ts): master key parsing, wrap/unwrap, sealed fields bound to key, version and context.
import { describe, expect, it } from "vitest";
import {
  dataKeyFromBytes,
  decrypt,
  encrypt,
  envelopeVersion,
  EnvelopeError,
  importMasterKey,
  isEncrypted,
  keyedHash,
  newDataKeyBytes,
  parseMasterKey,
  toBase64Url,
  unwrapDataKey,
  wrapAad,
  wrapDataKey,
} from "../../src/governance/envelope";

const secret = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
const AAD = "tnt_a\u0000cube-1\u0000messages.content";

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof EnvelopeError) return err.reason;
    throw err;
  }
  throw new Error("expected an EnvelopeError");
}

describe("master key", () => {
  it("accepts base64 (standard or url-safe) of exactly 32 bytes and refuses anything else", async () => {
    const raw = crypto.getRandomValues(new Uint8Array(32));
    expect(parseMasterKey(btoa(String.fromCharCode(...raw)))).toEqual(raw);
    expect(parseMasterKey(toBase64Url(raw))).toEqual(raw);
    expect(() => parseMasterKey(btoa("short"))).toThrow(/32 bytes, not 5/);
    expect(() => parseMasterKey(btoa(String.fromCharCode(...new Uint8Array(33))))).toThrow(/32 bytes/);
    expect(() => parseMasterKey("not base64 at all!")).toThrow(/not base64/);
    expect(() => parseMasterKey("")).toThrow(EnvelopeError);
  });

  it("has a stable fingerprint id that differs between keys and does not contain the key", async () => {
    const s = secret();
    const a = await importMasterKey(s);
    expect((await importMasterKey(s)).id).toBe(a.id);
    expect((await importMasterKey(secret())).id).not.toBe(a.id);
    expect(a.id).toMatch(/^mk_[0-9a-f]{16}$/);
    expect(s).not.toContain(a.id.slice(3));
  });
});

describe("wrapped data keys", () => {
  it("unwrap to the same bytes with the same master key and context", async () => {
    const master = await importMasterKey(secret());
    const raw = newDataKeyBytes();
    const wrapped = await wrapDataKey(master, raw, wrapAad("tnt_a", 1));
    expect(wrapped.startsWith("kw:v1:")).toBe(true);
    expect(await unwrapDataKey(master, wrapped, wrapAad("tnt_a", 1))).toEqual(raw);
  });

  it("do not unwrap with another master key, another tenant or version, or a changed blob", async () => {
    const master = await importMasterKey(secret());
    const wrapped = await wrapDataKey(master, newDataKeyBytes(), wrapAad("tnt_a", 1));
    expect(await reason(unwrapDataKey(await importMasterKey(secret()), wrapped, wrapAad("tnt_a", 1)))).toBe("unwrap_failed");
    expect(await reason(unwrapDataKey(master, wrapped, wrapAad("tnt_b", 1)))).toBe("unwrap_failed");
    expect(await reason(unwrapDataKey(master, wrapped, wrapAad("tnt_a", 2)))).toBe("unwrap_failed");
    const flipped = wrapped.slice(0, -2) + (wrapped.endsWith("A") ? "B" : "A") + wrapped.slice(-1);
    expect(await reason(unwrapDataKey(master, flipped, wrapAad("tnt_a", 1)))).toBe("unwrap_failed");
    expect(await reason(unwrapDataKey(master, "kw:v1:nope", wrapAad("tnt_a", 1)))).toBe("malformed");
  });
});

describe("sealed fields", () => {
  it("round-trip text (unicode included) and name their key version; equal plaintexts seal differently", async () => {
    const key = await dataKeyFromBytes(3, newDataKeyBytes());
    const text = "Alice lives in Lyon — 住所は東京 🍵";
    const a = await encrypt(key, text, AAD);
    const b = await encrypt(key, text, AAD);
    expect(a).toMatch(/^enc:v1:3:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("Alice");
    expect(isEncrypted(a)).toBe(true);
    expect(isEncrypted(text)).toBe(false);
    expect(envelopeVersion(a)).toBe(3);
    expect(envelopeVersion(text)).toBeNull();
    expect(await decrypt(key, a, AAD)).toBe(text);
    expect(await decrypt(key, await encrypt(key, "", AAD), AAD)).toBe("");
  });

  it("do not open with another key of the same version", async () => {
    const key = await dataKeyFromBytes(1, newDataKeyBytes());
    const other = await dataKeyFromBytes(1, newDataKeyBytes());
    expect(await reason(decrypt(other, await encrypt(key, "secret", AAD), AAD))).toBe("decrypt_failed");
  });

  it("do not open when the ciphertext, its iv or its version label was changed", async () => {
    const key = await dataKeyFromBytes(1, newDataKeyBytes());
    const sealed = await encrypt(key, "the launch code is 0000", AAD);
    const [, , version, iv, ct] = sealed.split(":") as [string, string, string, string, string];
    const flip = (s: string) => (s[0] === "A" ? "B" : "A") + s.slice(1);
    expect(await reason(decrypt(key, `enc:v1:${version}:${iv}:${flip(ct)}`, AAD))).toBe("decrypt_failed");
    expect(await reason(decrypt(key, `enc:v1:${version}:${flip(iv)}:${ct}`, AAD))).toBe("decrypt_failed");
    expect(await reason(decrypt(key, `enc:v1:${version}:${iv}:${ct.slice(0, -4)}`, AAD))).toBe("decrypt_failed");
    expect(await reason(decrypt(key, `enc:v1:2:${iv}:${ct}`, AAD))).toBe("wrong_version");
    expect(await reason(decrypt(key, "enc:v1:1:garbage", AAD))).toBe("malformed");
  });

  it("do not open in another context (tenant, cube or column)", async () => {
    const key = await dataKeyFromBytes(1, newDataKeyBytes());
    const sealed = await encrypt(key, "hello", AAD);
    expect(await reason(decrypt(key, sealed, "tnt_b\u0000cube-1\u0000messages.content"))).toBe("decrypt_failed");
    expect(await reason(decrypt(key, sealed, "tnt_a\u0000cube-2\u0000messages.content"))).toBe("decrypt_failed");
    expect(await reason(decrypt(key, sealed, "tnt_a\u0000cube-1\u0000messages.name"))).toBe("decrypt_failed");
  });

  it("open with the version they were sealed with, and not with a newer version of the same tenant", async () => {
    const v1 = await dataKeyFromBytes(1, newDataKeyBytes());
    const v2 = await dataKeyFromBytes(2, newDataKeyBytes());
    const old = await encrypt(v1, "before rotation", AAD);
    expect(await reason(decrypt(v2, old, AAD))).toBe("wrong_version");
    expect(await decrypt(v1, old, AAD)).toBe("before rotation");
  });
});

describe("keyed hashes", () => {
  it("are deterministic per key and differ between keys and inputs", async () => {
    const raw = newDataKeyBytes();
    const a = await dataKeyFromBytes(1, raw);
    const same = await dataKeyFromBytes(1, raw);
    const other = await dataKeyFromBytes(1, newDataKeyBytes());
    expect(await keyedHash(a, "x")).toBe(await keyedHash(same, "x"));
    expect(await keyedHash(a, "x")).toMatch(/^[0-9a-f]{64}$/);
    expect(await keyedHash(a, "x")).not.toBe(await keyedHash(other, "x"));
    expect(await keyedHash(a, "x")).not.toBe(await keyedHash(a, "y"));
  });
});
