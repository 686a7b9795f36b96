// Prefixed, time-sortable random ids (ULID layout: 48-bit time, 80 random bits, Crockford base32).

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export type IdPrefix = "mem" | "msg" | "cube" | "job" | "key" | "tnt" | "skl" | "req" | "ver" | "grt";

function encodeTime(ms: number): string {
  let out = "";
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function encodeRandom(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let out = "";
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

/** A new id such as `mem_01JD3...`; ids of the same prefix sort by creation time. */
export function newId(prefix: IdPrefix, now = Date.now()): string {
  return `${prefix}_${encodeTime(now)}${encodeRandom()}`;
}

const REF_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * A short, stable name of a cube (10 characters, 50 bits of FNV-1a 64 of its id), which the ids
 * of its memories end with. The tenant's cube registry maps it back to the cube, so a memory id
 * alone finds its cube the moment it is written, before the catalog has it.
 */
export function cubeRef(cubeId: string): string {
  const cached = refs.get(cubeId);
  if (cached !== undefined) return cached;
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(cubeId)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  let out = "";
  for (let i = 0; i < 10; i++) {
    out += REF_ALPHABET[Number(h & 31n)];
    h >>= 5n;
  }
  if (refs.size > 10_000) refs.clear();
  refs.set(cubeId, out);
  return out;
}

// Refs computed in this isolate: a cube names every memory it writes with the same one.
const refs = new Map<string, string>();

/** A memory id that names its cube: `mem_<time><random>_<cube ref>`. */
export function newMemoryId(ref: string, now = Date.now()): string {
  return `${newId("mem", now)}_${ref}`;
}

const MEMORY_ID = /^mem_[0-9A-HJKMNP-TV-Z]{26}_([0-9a-hjkmnp-tv-z]{10})$/;

/** The cube ref a memory id ends with; null for ids written before ids named their cube. */
export function refOfMemoryId(id: string): string | null {
  return MEMORY_ID.exec(id)?.[1] ?? null;
}
