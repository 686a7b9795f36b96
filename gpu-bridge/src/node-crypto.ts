// Synchronous node:crypto primitives for the shared signing protocol (see src/bridge/signing.ts).
import { createHash, createHmac } from "node:crypto";
import type { Primitives } from "../../src/bridge/signing.js";

export function nodePrimitives(secret: string): Primitives {
  return {
    sha256Hex: (data) => createHash("sha256").update(data).digest("hex"),
    hmacSha256: (data) => new Uint8Array(createHmac("sha256", secret).update(data).digest()),
  };
}
