// The gpu-bridge's error answers: codes of the shared table and the one body shape every refusal has.
import type { ErrorBody, ErrorCode } from "@memos-edge/errors";
import type { SignatureFailure } from "./signing.js";

/**
 * Stable codes the bridge answers with, each with its HTTP status in the shared table. The Worker
 * maps the ones that mean "your request is wrong" onto its own API codes and treats the rest as
 * the bridge being unavailable.
 */
export type BridgeErrorCode = Extract<
  ErrorCode,
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
  | SignatureFailure
>;

/** The body of every error answer (and, as `error`'s value, of an SSE `error` event). */
export type BridgeErrorBody = ErrorBody<BridgeErrorCode>;
