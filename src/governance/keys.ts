// API keys: generation (shown once), hashing at rest, scopes.
import { sha256Hex } from "./crypto";
import { SCOPES, type Scope } from "../api/app-env";
import { keyLimitsSchema, type KeyLimits } from "./access";

const KEY_PREFIX = "mk_";

/** A new random API key: `mk_` and 43 base64url characters (256 bits). */
export function generateApiKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return KEY_PREFIX + btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** What is stored: the SHA-256 of the whole key, and a short prefix to recognise it in listings. */
export async function hashApiKey(key: string): Promise<{ hash: string; prefix: string }> {
  return { hash: await sha256Hex(key), prefix: key.slice(0, KEY_PREFIX.length + 6) };
}

export function looksLikeApiKey(key: string): boolean {
  return key.startsWith(KEY_PREFIX) && key.length >= 20 && key.length <= 200;
}

export function parseScopes(json: string): Scope[] {
  const raw: unknown = JSON.parse(json);
  if (!Array.isArray(raw)) return [];
  return raw.filter((s): s is Scope => typeof s === "string" && (SCOPES as readonly string[]).includes(s));
}

/**
 * A stored key's limits. Limits that no longer parse narrow the key to nothing rather than
 * widening it to the whole tenant: fail closed.
 */
export function parseLimits(json: string | null): KeyLimits | null {
  if (json === null) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    raw = undefined;
  }
  const parsed = keyLimitsSchema.safeParse(raw);
  return parsed.success ? parsed.data : { cube_ids: [] };
}
