// Renders chat messages into a raw prompt for llama.cpp's /completion (which takes no messages).
import type { ChatMessage } from "@memos-edge/bridge-protocol";

export type ChatFormat = "chatml" | "llama3" | "plain";

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
