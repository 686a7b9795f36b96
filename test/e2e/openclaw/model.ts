// A loopback OpenAI-compatible stand-in model: records every request body and answers chat completions (streamed when asked).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ChatRequest {
  model?: string;
  stream?: boolean;
  messages: { role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string }[];
  tools?: { type: string; function: { name: string } }[];
}

export interface StandInModel {
  /** Base URL for `models.providers.<id>.baseUrl` (ends with /v1). */
  url: string;
  /** Every chat completion request received, in order. */
  requests: ChatRequest[];
  close(): Promise<void>;
}

/** The text of a chat message's content (a string or text parts). */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p: { text?: unknown }) => (typeof p?.text === "string" ? p.text : "")).join("\n");
  return "";
}

/**
 * What the stand-in answers, deterministically. A user message may script tool calls, one per line:
 * `call-tool <name> <json arguments>`; `$id` in the arguments stands for the first memory id (mem_...)
 * in the first tool result of the turn. The stand-in issues those calls in order, one per request, then
 * answers `tool results:` and each result's text. Without a script it answers `Noted.`
 */
function answer(req: ChatRequest): { text?: string; toolCall?: { name: string; arguments: string } } {
  const msgs = req.messages;
  let scriptAt = -1;
  for (let i = msgs.length - 1; i >= 0; i--) if (msgs[i]!.role === "user" && /call-tool /.test(contentText(msgs[i]!.content))) {
    scriptAt = i;
    break;
  }
  if (scriptAt < 0) return { text: "Noted." };
  const script = [...contentText(msgs[scriptAt]!.content).matchAll(/^call-tool (\w+) (\{.*\})\s*$/gm)].map((m) => ({ name: m[1]!, args: m[2]! }));
  const results = msgs.slice(scriptAt + 1).filter((m) => m.role === "tool").map((m) => contentText(m.content));
  const next = script[results.length];
  if (!next) return { text: `tool results:\n${results.join("\n")}` };
  const firstId = /mem_[A-Za-z0-9_]+/.exec(results[0] ?? "")?.[0] ?? "";
  return { toolCall: { name: next.name, arguments: next.args.replaceAll("$id", firstId) } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

let calls = 0;

function reply(res: ServerResponse, req: ChatRequest): void {
  const id = `chatcmpl-${++calls}`;
  const created = Math.floor(Date.now() / 1000);
  const model = req.model ?? "stand-in";
  const out = answer(req);
  const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
  const toolCalls = out.toolCall ? [{ index: 0, id: `call_${calls}`, type: "function", function: out.toolCall }] : undefined;
  const finish = toolCalls ? "tool_calls" : "stop";
  if (!req.stream) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        id,
        object: "chat.completion",
        created,
        model,
        choices: [{ index: 0, message: { role: "assistant", content: out.text ?? null, ...(toolCalls ? { tool_calls: toolCalls } : {}) }, finish_reason: finish }],
        usage,
      }),
    );
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  const chunk = (delta: unknown, finish_reason: string | null, extra: Record<string, unknown> = {}) =>
    res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason }], ...extra })}\n\n`);
  chunk({ role: "assistant", content: "" }, null);
  if (out.text) chunk({ content: out.text }, null);
  if (toolCalls) chunk({ tool_calls: toolCalls }, null);
  chunk({}, finish, { usage });
  res.write("data: [DONE]\n\n");
  res.end();
}

export async function startStandInModel(): Promise<StandInModel> {
  const requests: ChatRequest[] = [];
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    if (req.method === "POST" && req.url?.endsWith("/chat/completions")) {
      const parsed = JSON.parse(body) as ChatRequest;
      requests.push(parsed);
      reply(res, parsed);
      return;
    }
    if (req.method === "GET" && req.url?.endsWith("/models")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", data: [{ id: "stand-in", object: "model", owned_by: "test" }] }));
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: `not served: ${req.method} ${req.url}` } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
