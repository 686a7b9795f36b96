// Issuing and reading watermarks with the service's key (derived from MASTER_KEY); who a watermark names, as far as the caller may know.
import { ConfigError } from "../providers/config-error";
import { digestOf, issueWatermark, readWatermarks, watermarkKey } from "../governance/watermark";
import type { Principal } from "./access";

export interface Watermarker {
  /** A watermark naming the caller's tenant, key and request, now. */
  issue(who: Principal): Promise<string>;
  read(text: string): ReturnType<typeof readWatermarks>;
}

const keys = new Map<string, Promise<CryptoKey>>();

const keyOf = (secret: string): Promise<CryptoKey> => {
  let k = keys.get(secret);
  if (!k) keys.set(secret, (k = watermarkKey(secret)));
  return k;
};

/**
 * The watermarker of a deployment; without MASTER_KEY it refuses to mark (fail closed: nothing
 * leaves unmarked). Reading also tries MASTER_KEY_PREVIOUS, so marks made before a master key
 * rotation still read back while the previous key is configured.
 */
export function watermarker(masterKey: string | undefined, previousKey?: string): Watermarker {
  const key = (): Promise<CryptoKey> => {
    if (!masterKey) throw new ConfigError("MASTER_KEY is not set: context blocks and exports cannot be watermarked");
    return keyOf(masterKey);
  };
  return {
    async issue(who) {
      return issueWatermark(await key(), { tenant_id: who.tenant_id, key_id: who.key_id, request_id: who.request_id ?? "", at: Date.now() });
    },
    async read(text) {
      const found = await readWatermarks(await key(), text);
      if (!previousKey || found.forged === 0) return found;
      // Tokens the current key does not verify may be the previous key's.
      const old = await readWatermarks(await keyOf(previousKey), text);
      return { valid: [...found.valid, ...old.valid], forged: Math.max(0, found.forged - old.valid.length) };
    },
  };
}

export interface WatermarkFound {
  issued_at: string;
  /** Whether it was issued to the caller's tenant; a watermark of another tenant names nothing more. */
  tenant: "yours" | "another";
  key_id: string | null;
  request_digest: string | null;
  /** With a candidate request id: whether it is the request the watermark names. */
  request_matches?: boolean;
}

/** What the watermarks in `text` tell the caller: for its own tenant the key (one of its keys) and the request digest. */
export async function verifyWatermarks(marks: Watermarker, tenantKeyIds: () => Promise<string[]>, who: Principal, text: string, requestId?: string): Promise<{ watermarks: WatermarkFound[]; unverified: number }> {
  const { valid, forged } = await marks.read(text);
  const tenantDigest = await digestOf(who.tenant_id);
  const candidate = requestId === undefined ? undefined : await digestOf(requestId);
  let byDigest: Map<string, string> | null = null;
  const out: WatermarkFound[] = [];
  for (const c of valid) {
    const issued_at = new Date(c.issued_at).toISOString();
    if (c.tenant_digest !== tenantDigest) {
      out.push({ issued_at, tenant: "another", key_id: null, request_digest: null });
      continue;
    }
    byDigest ??= new Map(await Promise.all((await tenantKeyIds()).map(async (id) => [await digestOf(id), id] as const)));
    out.push({
      issued_at,
      tenant: "yours",
      key_id: byDigest.get(c.key_digest) ?? null,
      request_digest: c.request_digest,
      ...(candidate !== undefined ? { request_matches: candidate === c.request_digest } : {}),
    });
  }
  return { watermarks: out, unverified: forged };
}
