// The gpu-bridge's error answers: stable codes and the one body shape every refusal has.
import type { SignatureFailure } from "./signing.js";

/**
 * Stable codes the bridge answers with. The bridge gives each its HTTP status; the Worker maps
 * the ones that mean "your request is wrong" onto its own API codes and treats the rest as the
 * bridge being unavailable.
 */
export type BridgeErrorCode =
  | "invalid_request"
  | "not_found"
  | "conflict"
  | "budget_exceeded"
  | "adapter_cap_reached"
  | "unsupported_operation"
  | "no_node"
  | "upstream_error"
  | "upstream_timeout"
  | "upstream_unavailable"
  | "upstream_stream_failed"
  | "trainer_unavailable"
  | "internal"
  | SignatureFailure;

/** The body of every error answer (and, as `error`'s value, of an SSE `error` event). */
export interface BridgeErrorBody {
  error: { code: BridgeErrorCode; message: string; details?: unknown };
}
