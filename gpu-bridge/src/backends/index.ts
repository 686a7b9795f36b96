// Builds the backend adapter each configured node asks for.
import type { NodeConfig } from "../config.js";
import { LlamaCppBackend } from "./llamacpp.js";
import { SglangBackend } from "./sglang.js";
import type { InferenceBackend } from "./types.js";
import { VllmBackend } from "./vllm.js";

export function createBackend(node: NodeConfig, timeoutMs: number): InferenceBackend {
  switch (node.backend) {
    case "vllm":
      return new VllmBackend(node, timeoutMs);
    case "sglang":
      return new SglangBackend(node, timeoutMs);
    case "llamacpp":
      return new LlamaCppBackend(node, timeoutMs);
  }
}
