// Names and addresses found by a configured model (scripted here) masked in the cube with the patterns' findings; queries find them by placeholder; a failing model refuses the write.
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:test";
import { newTenant, principal, uniq } from "./helpers";
import { depsFromEnv, type Deps } from "../src/services/deps";
import { addMemories } from "../src/services/add-memories";
import { runSearch } from "../src/services/search";
import { addMemoriesBody, searchBody } from "../src/api/schemas";
import { findWithModel, type PiiFinder } from "../src/governance/pii";
import { ProviderError } from "../src/providers/errors";
import type { LLM, LlmRequest } from "../src/providers/llm";
import { ApiError } from "../src/errors";
import { unwrap as unwrapCube } from "../src/services/cubes";

/** A model that reports, in each numbered text it is shown, the names and addresses it was told about. */
class KnowingLlm implements LLM {
  readonly id = "knowing";
  readonly seen: string[] = [];
  constructor(private readonly values: Array<{ type: "PERSON" | "ADDRESS"; value: string }>) {}
  async complete(req: LlmRequest): Promise<{ text: string }> {
    const content = req.messages[0]?.content ?? "";
    this.seen.push(content);
    const texts = [...content.matchAll(/<text (\d+)>\n([\s\S]*?)\n<\/text \1>/g)];
    const findings = texts.flatMap((m) => this.values.filter((v) => (m[2] as string).includes(v.value)).map((v) => ({ index: Number(m[1]), ...v })));
    return { text: JSON.stringify({ findings }) };
  }
}

const VALUES = [
  { type: "PERSON" as const, value: "Caroline Okafor" },
  { type: "ADDRESS" as const, value: "12 Rue de la Paix" },
];

function depsWith(finder: PiiFinder): Deps {
  return { ...depsFromEnv(env), piiFinder: finder };
}

const body = (raw: Record<string, unknown>) => addMemoriesBody.parse(raw);

describe("names and addresses found by a model", () => {
  it("are masked in a stored text beside the patterns' findings, and a query naming the person finds it by placeholder with no model call (a name after 150 words is masked too)", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const llm = new KnowingLlm(VALUES);
    const deps = depsWith((texts) => findWithModel(llm, texts));
    const added = await addMemories(deps, principal(t.id), body({ user_id: user, text: "Caroline Okafor lives at 12 Rue de la Paix, mail co@example.com", infer: false }), undefined);
    expect(added.outcome.kind).toBe("stored");
    const stored = added.outcome.kind === "stored" ? added.outcome.memories[0]?.text : "";
    expect(stored).toBe("[PERSON_1] lives at [ADDRESS_1], mail [EMAIL_1]");

    const calls = llm.seen.length;
    const query = (q: string) => searchBody.parse({ user_id: user, query: q, top_k: 5, weights: { keyword: 1, vector: 0 }, record_access: false });
    // Only the name: no other word of the query is in the memory, so only its placeholder can match.
    const found = await runSearch(deps, principal(t.id), query("Caroline Okafor"), false);
    expect(found.results.map((r) => r.memory.text)).toContain(stored);
    // A name late in a long query is looked up as well as one at its start.
    const late = `${Array.from({ length: 150 }, (_, i) => `w${i}`).join(" ")} Caroline Okafor`;
    expect(late.length).toBeLessThanOrEqual(2_000);
    const identity = { tenant_id: t.id, cube_id: `user:${user}` };
    const [maskedLate] = unwrapCube(await deps.cube(identity).maskQuery(identity, [late])).texts;
    expect(maskedLate).toMatch(/ w149 \[PERSON_1\]$/);
    // The control: a name the vault does not know finds nothing.
    expect((await runSearch(deps, principal(t.id), query("Zelda Fitzgerald"), false)).results).toEqual([]);
    expect(llm.seen.length).toBe(calls);
  });

  it("are masked in ingested messages before they are stored, so the extractor reads placeholders", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const llm = new KnowingLlm(VALUES);
    const deps = depsWith((texts) => findWithModel(llm, texts));
    const r = await addMemories(deps, principal(t.id), body({ user_id: user, messages: [{ role: "user", content: "My neighbour Caroline Okafor moved to 12 Rue de la Paix last week." }], sync: true }), undefined);
    expect(r.outcome.kind).toBe("job");
    const texts = r.outcome.kind === "job" ? (r.outcome.memories ?? []).map((m) => m.text).join(" ") : "";
    expect(texts).toContain("[PERSON_1]");
    expect(texts).not.toMatch(/Caroline|Okafor|Rue de la Paix/);
  });

  it("refuse the write with 503 when the model fails, storing nothing", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const deps = depsWith(async () => {
      throw new ProviderError("down", "connection refused");
    });
    const err = await addMemories(deps, principal(t.id), body({ user_id: user, text: "Caroline Okafor called", infer: false }), undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe("upstream_unavailable");
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM cubes WHERE tenant_id = ?").bind(t.id).first<{ n: number }>();
    expect(n?.n).toBe(0);
  });

  it("refuse with 400 a text in which the model marks more than 500 names, storing nothing, while the same name 500 times is masked", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const llm = new KnowingLlm([{ type: "PERSON", value: "Ann Lee" }]);
    const deps = depsWith((texts) => findWithModel(llm, texts));
    const err = await addMemories(deps, principal(t.id), body({ user_id: user, text: Array(501).fill("Ann Lee").join(", "), infer: false }), undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe("invalid_request");
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM cubes WHERE tenant_id = ?").bind(t.id).first<{ n: number }>();
    expect(n?.n).toBe(0);
    const ok = await addMemories(deps, principal(t.id), body({ user_id: user, text: Array(500).fill("Ann Lee").join(", "), infer: false }), undefined);
    const text = ok.outcome.kind === "stored" ? (ok.outcome.memories[0]?.text ?? "") : "";
    expect(text).not.toContain("Ann");
    expect(text.split("[PERSON_1]").length - 1).toBe(500);
  });
});
