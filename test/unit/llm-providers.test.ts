// Contract tests of the LLM adapters against faithful fakes, and provider selection.
import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/providers/errors";
import type { LlmRequest } from "../../src/providers/llm";
import { OpenAiLlm } from "../../src/providers/llm-openai";
import { type AiTextRunner, DEFAULT_WORKERS_AI_LLM, WorkersAiLlm } from "../../src/providers/llm-workers-ai";
import { LlmConfigError, selectLlm } from "../../src/providers/select-llm";

const schema = { type: "object", properties: { name: { type: "string" } }, required: ["name"] };
const req: LlmRequest = { system: "Extract.", messages: [{ role: "user", content: "Tell me about India." }], json_schema: schema, schema_name: "country", max_tokens: 256, temperature: 0 };

/** Fake of the `Ai` binding: records calls and answers like Workers AI text generation. */
function fakeAi(answer: (inputs: Record<string, unknown>) => unknown): AiTextRunner & { calls: [string, Record<string, unknown>][] } {
  const calls: [string, Record<string, unknown>][] = [];
  return {
    calls,
    run(model, inputs) {
      calls.push([model, inputs]);
      try {
        return Promise.resolve(answer(inputs));
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}

describe("WorkersAiLlm", () => {
  it("sends messages with the system turn and response_format json_schema; accepts an object response", async () => {
    const ai = fakeAi((inputs) => ("response_format" in inputs ? { response: { name: "India" }, usage: { prompt_tokens: 20 } } : { response: "India" }));
    const llm = new WorkersAiLlm(ai);
    expect(await llm.complete(req)).toEqual({ text: '{"name":"India"}' });
    const [model, inputs] = ai.calls[0]!;
    expect(model).toBe(DEFAULT_WORKERS_AI_LLM);
    expect(inputs).toEqual({
      messages: [{ role: "system", content: "Extract." }, { role: "user", content: "Tell me about India." }],
      max_tokens: 256,
      temperature: 0,
      response_format: { type: "json_schema", json_schema: schema },
    });
    expect(llm.id).toBe(`workers-ai:${DEFAULT_WORKERS_AI_LLM}`);
  });

  it("passes a string response through and omits response_format without a schema", async () => {
    const ai = fakeAi(() => ({ response: "plain text" }));
    const { json_schema: _unused, ...plain } = req;
    expect(await new WorkersAiLlm(ai, "@cf/meta/llama-3.1-8b-instruct").complete(plain)).toEqual({ text: "plain text" });
    expect(ai.calls[0]![0]).toBe("@cf/meta/llama-3.1-8b-instruct");
    expect("response_format" in ai.calls[0]![1]).toBe(false);
  });

  it("maps binding errors and malformed answers to ProviderError", async () => {
    await expect(new WorkersAiLlm(fakeAi(() => { throw new Error("3040: capacity exceeded"); })).complete(req)).rejects.toMatchObject({ name: "ProviderError", retryable: true, message: "workers-ai: 3040: capacity exceeded" });
    await expect(new WorkersAiLlm(fakeAi(() => ({ result: {} }))).complete(req)).rejects.toMatchObject({ retryable: false });
    await expect(new WorkersAiLlm(fakeAi(() => ({ response: null }))).complete(req)).rejects.toThrow(ProviderError);
  });
});

describe("OpenAiLlm", () => {
  function fakeFetch(respond: (url: string, init: RequestInit) => Response | Promise<Response>): typeof fetch & { seen: { url: string; init: RequestInit }[] } {
    const seen: { url: string; init: RequestInit }[] = [];
    const f = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      seen.push({ url, init: init ?? {} });
      return respond(url, init ?? {});
    }) as typeof fetch & { seen: typeof seen };
    f.seen = seen;
    return f;
  }
  const completion = (content: string): Response =>
    Response.json({ id: "chatcmpl-1", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }] });

  it("posts chat/completions with bearer key, model and response_format json_schema", async () => {
    const f = fakeFetch(() => completion('{"name":"India"}'));
    const llm = new OpenAiLlm({ baseUrl: "https://llm.example/v1/", apiKey: "sk-test", model: "qwen2.5", fetch: f });
    expect(await llm.complete(req)).toEqual({ text: '{"name":"India"}' });
    const { url, init } = f.seen[0]!;
    expect(url).toBe("https://llm.example/v1/chat/completions");
    expect(init.method).toBe("POST");
    expect((init.headers as Record<string, string>).authorization).toBe("Bearer sk-test");
    expect(init.signal).toBeInstanceOf(AbortSignal);
    expect(JSON.parse(init.body as string)).toEqual({
      model: "qwen2.5",
      messages: [{ role: "system", content: "Extract." }, { role: "user", content: "Tell me about India." }],
      max_tokens: 256,
      temperature: 0,
      response_format: { type: "json_schema", json_schema: { name: "country", schema } },
    });
    expect(llm.id).toBe("openai:qwen2.5");
  });

  it("sends no authorization header without a key", async () => {
    const f = fakeFetch(() => completion("ok"));
    await new OpenAiLlm({ baseUrl: "http://localhost:8000", fetch: f }).complete(req);
    expect((f.seen[0]!.init.headers as Record<string, string>).authorization).toBeUndefined();
  });

  it("maps HTTP errors with retryability, bad bodies and timeouts to ProviderError", async () => {
    const mk = (r: () => Response | Promise<Response>) => new OpenAiLlm({ baseUrl: "https://llm.example", fetch: fakeFetch(r), timeoutMs: 20 });
    await expect(mk(() => new Response("overloaded", { status: 503 })).complete(req)).rejects.toMatchObject({ retryable: true, message: "openai: HTTP 503: overloaded" });
    await expect(mk(() => new Response("bad key", { status: 401 })).complete(req)).rejects.toMatchObject({ retryable: false });
    await expect(mk(() => new Response("<html>", { status: 200 })).complete(req)).rejects.toMatchObject({ message: "openai: answer is not JSON" });
    await expect(mk(() => Response.json({ choices: [] })).complete(req)).rejects.toMatchObject({ retryable: false });
    const slow = new OpenAiLlm({
      baseUrl: "https://llm.example",
      timeoutMs: 20,
      fetch: (async (_u: RequestInfo | URL, init?: RequestInit) =>
        new Promise<Response>((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)))) as typeof fetch,
    });
    await expect(slow.complete(req)).rejects.toMatchObject({ message: "openai: timed out after 20 ms", retryable: true });
  });

  it("refuses a base URL that is not http(s)", () => {
    expect(() => new OpenAiLlm({ baseUrl: "llm.example" })).toThrow(/http\(s\) URL/);
  });
});

describe("selectLlm", () => {
  it("defaults to rules (no model)", () => {
    expect(selectLlm({})).toBeNull();
    expect(selectLlm({ LLM: "rules" })).toBeNull();
  });
  it("builds workers-ai and openai, with the configured model", () => {
    expect(selectLlm({ LLM: "workers-ai", AI: fakeAi(() => ({ response: "" })), LLM_MODEL: "@cf/m" })!.id).toBe("workers-ai:@cf/m");
    expect(selectLlm({ LLM: "openai", OPENAI_BASE_URL: "https://x.example" })!.id).toBe("openai:gpt-4o-mini");
  });
  it("fails loudly on missing bindings and unknown names", () => {
    expect(() => selectLlm({ LLM: "workers-ai" })).toThrow(LlmConfigError);
    expect(() => selectLlm({ LLM: "openai" })).toThrow(/OPENAI_BASE_URL/);
    expect(() => selectLlm({ LLM: "gpt" })).toThrow(/unknown LLM/);
  });
});
