// Synchronous node:crypto primitives for the shared signing protocol (packages/bridge-protocol).
import { createHash, createHmac, createSecretKey } from "node:crypto";
import type { Primitives } from "@memos-edge/bridge-protocol";

export function nodePrimitives(secret: string): Primitives {
  // A KeyObject made once: a string key would be encoded into a new buffer on every call.
  const key = createSecretKey(Buffer.from(secret, "utf8"));
  return {
    sha256Hex: (data) => createHash("sha256").update(data).digest("hex"),
    // A Buffer is a Uint8Array already; no copy.
    hmacSha256: (data) => createHmac("sha256", key).update(data).digest(),
  };
}
