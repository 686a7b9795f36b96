// Renders chat messages into a raw prompt for llama.cpp's /completion (which takes no messages).
//
// Only llama.cpp needs this: vLLM and SGLang get messages and apply the model's own template.
// llama.cpp keeps raw prompts because a block of token ids can only be sent inside a mixed
// token/text prompt, and because a block's slot must hold exactly the open system message and
// its text, a prefix of every prompt that starts with the block (gpu-bridge/README.md).
import type { ChatMessage } from "@memos-edge/bridge-protocol";
import type { NodeConfig } from "../config.js";

export type ChatFormat = NodeConfig["chat_format"];

interface Format {
  open(role: ChatMessage["role"]): string;
  close: string;
  assistant: string;
}

const FORMATS: Record<ChatFormat, Format> = {
  chatml: { open: (r) => `<|im_start|>${r}\n`, close: "<|im_end|>\n", assistant: "<|im_start|>assistant\n" },
  llama3: {
    open: (r) => `<|start_header_id|>${r}<|end_header_id|>\n\n`,
    close: "<|eot_id|>",
    assistant: "<|start_header_id|>assistant<|end_header_id|>\n\n",
  },
  plain: { open: (r) => `${r}: `, close: "\n", assistant: "assistant: " },
};

/** The opening of a system message holding `text`: what a warmed block leaves in the cache. */
export function renderSystemPrefix(format: ChatFormat, text: string): string {
  return FORMATS[format].open("system") + text;
}

/** The whole prompt, ending with the assistant's turn opened. */
export function renderPrompt(format: ChatFormat, messages: ChatMessage[]): string {
  const f = FORMATS[format];
  return messages.map((m) => f.open(m.role) + m.content + f.close).join("") + f.assistant;
}
