// Contract tests: the Workers AI and OpenAI adapters against fakes that behave like the real
// binding and endpoint (input validation, answer shape, batch limits, failures).
import { describe, expect, it } from "vitest";
import { LocalEmbedder } from "../../src/providers/embedder-local";
import { OpenAiEmbedder } from "../../src/providers/embedder-openai";
import { type AiEmbeddingRunner, WorkersAiEmbedder } from "../../src/providers/embedder-workers-ai";
import { ProviderError } from "../../src/providers/errors";
import { EmbedderConfigError, selectEmbedder } from "../../src/providers/select-embedder";

/** Deterministic pseudo-embedding, not normalized (the real models' raw output is not either). */
function fakeVector(text: string, dims: number): number[] {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return Array.from({ length: dims }, (_, i) => (((Math.imul(h, i + 1) >>> 0) % 1000) - 500) / 100);
}

/** Behaves like env.AI for @cf/baai/bge-*: validates { text } (string or 1..100 non-empty strings). */
class FakeAi implements AiEmbeddingRunner {
  calls: { model: string; text: string[] }[] = [];
  failNext: Error | null = null;
  async run(model: string, inputs: { text: string[]; pooling?: "mean" | "cls" }): Promise<unknown> {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
    const dims = model === "@cf/baai/bge-base-en-v1.5" ? 768 : model === "@cf/baai/bge-small-en-v1.5" ? 384 : 0;
    if (!dims) throw new Error(`5007: No such model ${model} or task`);
    const text = inputs.text;
    if (!Array.isArray(text) || text.length === 0 || text.length > 100) {
      throw new Error("5006: Error: oneOf at '/text' not met: Length of '/text' must be <= 100");
    }
    if (text.some((t) => typeof t !== "string" || t.length < 1)) {
      throw new Error("5006: Error: oneOf at '/text' not met: Length of '/text/0' must be >= 1");
    }
    if (inputs.pooling !== undefined && inputs.pooling !== "mean" && inputs.pooling !== "cls") {
      throw new Error("5006: Error: pooling must be one of mean, cls");
    }
    this.calls.push({ model, text });
    return { shape: [text.length, dims], data: text.map((t) => fakeVector(t, dims)), pooling: inputs.pooling ?? "mean" };
  }
}

const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe("WorkersAiEmbedder against a fake AI binding", () => {
  it("embeds in input order with unit norm and the model's dimensions", async () => {
    const ai = new FakeAi();
    const e = new WorkersAiEmbedder(ai);
    expect(e.dimensions).toBe(768);
    const texts = ["alpha", "beta", "gamma"];
    const out = await e.embed(texts);
    expect(out).toHaveLength(3);
    for (const [i, v] of out.entries()) {
      expect(v.length).toBe(768);
      expect(norm(v)).toBeCloseTo(1, 5);
      const raw = fakeVector(texts[i]!, 768);
      const rawNorm = Math.sqrt(raw.reduce((s, x) => s + x * x, 0));
      expect(v[0]).toBeCloseTo(raw[0]! / rawNorm, 5);
    }
    expect(ai.calls[0]?.model).toBe("@cf/baai/bge-base-en-v1.5");
  });

  it("splits more than 100 texts into batches the binding accepts", async () => {
    const ai = new FakeAi();
    const e = new WorkersAiEmbedder(ai);
    const texts = Array.from({ length: 250 }, (_, i) => `text ${i}`);
    const out = await e.embed(texts);
    expect(out).toHaveLength(250);
    expect(ai.calls.map((c) => c.text.length)).toEqual([100, 100, 50]);
    expect(Array.from(out[249]!)).toEqual(Array.from((await e.embed(["text 249"]))[0]!));
  });

  it("replaces empty strings, which the binding rejects", async () => {
    const ai = new FakeAi();
    await expect(new WorkersAiEmbedder(ai).embed(["", "x"])).resolves.toHaveLength(2);
  });

  it("wraps binding failures and malformed answers in ProviderError", async () => {
    const ai = new FakeAi();
    ai.failNext = new Error("3040: Capacity temporarily exceeded");
    const e = new WorkersAiEmbedder(ai);
    await expect(e.embed(["a"])).rejects.toBeInstanceOf(ProviderError);
    const bad: AiEmbeddingRunner = { run: async () => ({ shape: [1, 3], data: [[1, 2, 3]] }) };
    await expect(new WorkersAiEmbedder(bad).embed(["a"])).rejects.toThrow(/768/);
  });

  it("uses the configured model and knows its dimensions", async () => {
    const e = new WorkersAiEmbedder(new FakeAi(), { model: "@cf/baai/bge-small-en-v1.5" });
    expect(e.dimensions).toBe(384);
    expect((await e.embed(["x"]))[0]!.length).toBe(384);
    expect(() => new WorkersAiEmbedder(new FakeAi(), { model: "@cf/other/unknown" })).toThrow(/dimensions/);
  });
});

type FetchFn = typeof fetch;

/** A stand-in for an OpenAI-compatible server: checks auth, body, and answers out of order. */
function fakeOpenAi(opts: { status?: number; dims?: number; delayMs?: number } = {}) {
  const seen: { url: string; auth: string | null; body: { model: string; input: string[] } }[] = [];
  const fn: FetchFn = async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const headers = new Headers(init?.headers);
    const body = JSON.parse(String(init?.body)) as { model: string; input: string[] };
    seen.push({ url, auth: headers.get("authorization"), body });
    if (opts.delayMs) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, opts.delayMs);
        init?.signal?.addEventListener("abort", () => {
          clearTimeout(t);
          reject(init.signal?.reason ?? new DOMException("aborted", "AbortError"));
        });
      });
    }
    if (opts.status && opts.status !== 200) return new Response('{"error":{"message":"nope"}}', { status: opts.status });
    if (headers.get("authorization") !== "Bearer sk-test") return new Response("unauthorized", { status: 401 });
    const data = body.input.map((t, index) => ({ object: "embedding", index, embedding: fakeVector(t, opts.dims ?? 8) }));
    return Response.json({ object: "list", model: body.model, data: data.reverse(), usage: { prompt_tokens: 1, total_tokens: 1 } });
  };
  return { fn, seen };
}

describe("OpenAiEmbedder against a fetch stand-in", () => {
  it("posts {model, input} with a bearer key and sorts answers by index", async () => {
    const server = fakeOpenAi();
    const e = new OpenAiEmbedder({ baseUrl: "https://llm.example/v1/", apiKey: "sk-test", model: "m", dimensions: 8, fetch: server.fn });
    const out = await e.embed(["one", "two", "three"]);
    expect(server.seen[0]?.url).toBe("https://llm.example/v1/embeddings");
    expect(server.seen[0]?.body).toEqual({ model: "m", input: ["one", "two", "three"] });
    const expected = fakeVector("one", 8);
    const n = Math.sqrt(expected.reduce((s, x) => s + x * x, 0));
    expect(out[0]![0]).toBeCloseTo(expected[0]! / n, 5);
    expect(norm(out[2]!)).toBeCloseTo(1, 5);
  });

  it("batches large inputs", async () => {
    const server = fakeOpenAi();
    const e = new OpenAiEmbedder({ baseUrl: "https://llm.example", apiKey: "sk-test", model: "m", dimensions: 8, maxBatch: 2, fetch: server.fn });
    expect(await e.embed(["a", "b", "c", "d", "e"])).toHaveLength(5);
    expect(server.seen.map((s) => s.body.input.length)).toEqual([2, 2, 1]);
  });

  it("raises ProviderError on HTTP errors, with retryable only for 5xx/429", async () => {
    const e401 = new OpenAiEmbedder({ baseUrl: "https://x", apiKey: "wrong", model: "m", dimensions: 8, fetch: fakeOpenAi().fn });
    await expect(e401.embed(["a"])).rejects.toMatchObject({ name: "ProviderError", retryable: false });
    const e503 = new OpenAiEmbedder({ baseUrl: "https://x", apiKey: "sk-test", model: "m", dimensions: 8, fetch: fakeOpenAi({ status: 503 }).fn });
    await expect(e503.embed(["a"])).rejects.toMatchObject({ name: "ProviderError", retryable: true });
  });

  it("raises ProviderError on wrong dimensions and on timeout", async () => {
    const wrong = new OpenAiEmbedder({ baseUrl: "https://x", apiKey: "sk-test", model: "m", dimensions: 16, fetch: fakeOpenAi().fn });
    await expect(wrong.embed(["a"])).rejects.toBeInstanceOf(ProviderError);
    const slow = new OpenAiEmbedder({ baseUrl: "https://x", apiKey: "sk-test", model: "m", dimensions: 8, timeoutMs: 20, fetch: fakeOpenAi({ delayMs: 2000 }).fn });
    await expect(slow.embed(["a"])).rejects.toThrow(/timed out/);
  });
});

describe("selectEmbedder", () => {
  it("defaults to the local embedder", () => {
    expect(selectEmbedder({})).toBeInstanceOf(LocalEmbedder);
    expect(selectEmbedder({ EMBEDDER: "local" }).id).toBe("local-hash-v1");
  });
  it("builds workers-ai with the binding and fails clearly without it", () => {
    expect(selectEmbedder({ EMBEDDER: "workers-ai", AI: new FakeAi() }).dimensions).toBe(768);
    expect(() => selectEmbedder({ EMBEDDER: "workers-ai" })).toThrow(EmbedderConfigError);
    expect(() => selectEmbedder({ EMBEDDER: "workers-ai" })).toThrow(/AI binding/);
  });
  it("builds openai with a URL and fails clearly without it", () => {
    const e = selectEmbedder({ EMBEDDER: "openai", OPENAI_BASE_URL: "https://x", OPENAI_API_KEY: "k" });
    expect(e.id).toBe("openai:text-embedding-3-small");
    expect(() => selectEmbedder({ EMBEDDER: "openai" })).toThrow(/OPENAI_BASE_URL/);
  });
  it("rejects unknown provider names", () => {
    expect(() => selectEmbedder({ EMBEDDER: "magic" })).toThrow(/unknown EMBEDDER/);
  });
});
