// Idempotency for the MCP write tools: an optional `idempotency_key` argument, kept by the cube like
// a REST Idempotency-Key (in a namespace of its own), so a client that retries a tool call writes once.
import { z } from "zod";
import { sha256Hex } from "../governance/crypto";
import type { Idempotency } from "../memory/cube-contract";

export const idempotencyArgument = {
  idempotency_key: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("give the same key when retrying this call: the write is applied once and the retry gets the first result"),
};

/** The cube's idempotency record of a tool call, bound to the tool and its other arguments; undefined without a key. */
export async function toolIdempotency(tool: string, key: string | undefined, args: unknown): Promise<Idempotency | undefined> {
  if (key === undefined) return undefined;
  return { key: `mcp:${key}`, request_hash: await sha256Hex(`${tool} ${JSON.stringify(args)}`) };
}
