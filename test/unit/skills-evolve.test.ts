// Skill evolution (exact hash, structural similarity, rules judge) and the reliability lifecycle.
import { describe, expect, it } from "vitest";
import { evolveSkill, mergeSkills, skillHash, skillSimilarity, skillText } from "../../src/memory/skills/evolve";
import { applyFeedback, newReliability, nextState } from "../../src/memory/skills/reliability";
import type { Skill, SkillDraft, SkillStep } from "../../src/memory/skills/types";

const tool = (name: string, args: Record<string, unknown> = {}): SkillStep => ({ text: `${name.replace(/_/g, " ")}.`, tool: { name, arguments: args }, condition: null });
const text = (t: string, condition: string | null = null): SkillStep => ({ text: t, tool: null, condition });

function draft(name: string, steps: SkillStep[], extra: Partial<SkillDraft> = {}): SkillDraft {
  return { name, description: `${name} procedure.`, when_to_use: "", parameters: { type: "object", properties: {}, required: [], additionalProperties: false }, steps, preconditions: [], examples: [], source_message_ids: [], ...extra };
}
function skill(id: string, d: SkillDraft, state: Skill["state"] = "active"): Skill {
  return { ...d, id, cube_id: "c1", user_id: null, agent_id: null, state, version: 1, origin: "mined", source_memory_ids: [], reliability: newReliability(), hub: null, created_at: 0, updated_at: 0 };
}

const refund = draft("refund-order", [tool("pull_up_account"), tool("validate_purchase"), tool("offer_refund")]);

describe("skillHash and skillText", () => {
  it("hashes the normalized steps: case and punctuation do not matter, a different step does", () => {
    const a = draft("x", [text("Open the Settings page."), text("Click Save!")]);
    const b = draft("other-name", [text("open the settings page"), text("click save")]);
    const c = draft("x", [text("Open the Settings page."), text("Click Cancel")]);
    expect(skillHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(skillHash(a)).toBe(skillHash(b));
    expect(skillHash(a)).not.toBe(skillHash(c));
  });

  it("puts name words, description, when to use and numbered steps with their tools and conditions into the text to embed", () => {
    const t = skillText(draft("reset-router", [text("Open {url}"), text("Hold reset", "login fails")], { when_to_use: "Router locked" }));
    expect(t).toBe("reset router\nreset-router procedure.\nRouter locked\n1. Open {url}\n2. If login fails: Hold reset");
  });
});

describe("evolveSkill", () => {
  it("creates when nothing exists or nothing is close", () => {
    expect(evolveSkill(refund, [])).toEqual({ action: "create" });
    const other = skill("s1", draft("change-address", [tool("pull_up_account"), tool("update_account")]));
    expect(evolveSkill(refund, [{ skill: other, similarity: null }])).toEqual({ action: "create" });
  });

  it("stage 1: the same steps are a duplicate, whatever the name", () => {
    const existing = skill("s1", draft("give-money-back", refund.steps));
    expect(evolveSkill(refund, [{ skill: existing, similarity: null }])).toMatchObject({ action: "duplicate", target_id: "s1" });
  });

  it("the same tool calls in the same order, with the agent's questions worded otherwise, are the same skill: it keeps its steps", () => {
    const asked = skill("s1", draft("refund-order", [text("May I have your name please?"), tool("pull_up_account"), tool("validate_purchase"), tool("offer_refund")]));
    const reworded = draft("refund-order", [text("Who am I speaking with?"), tool("pull_up_account"), text("What was the order ID?"), tool("validate_purchase"), tool("offer_refund")]);
    expect(evolveSkill(reworded, [{ skill: asked, similarity: null }])).toMatchObject({ action: "duplicate", target_id: "s1" });
    const withExample = evolveSkill({ ...reworded, examples: ["I want my money back"] }, [{ skill: asked, similarity: null }]);
    expect(withExample.action).toBe("upgrade");
    if (withExample.action !== "upgrade") return;
    expect(withExample.merged.steps).toEqual(asked.steps);
    expect(withExample.merged.examples).toEqual(["I want my money back"]);
    // Other calls, or the same calls in another order, are not "the same calls".
    const reordered = draft("refund-order", [text("Who am I speaking with?"), tool("validate_purchase"), tool("pull_up_account"), tool("offer_refund")]);
    expect(evolveSkill(reordered, [{ skill: asked, similarity: null }]).action).not.toBe("duplicate");
  });

  it("a draft whose steps are all in the skill is a duplicate; one that adds a step upgrades it, steps in order", () => {
    const longer = skill("s1", draft("refund-order", [tool("pull_up_account"), tool("validate_purchase"), tool("record_reason"), tool("offer_refund")]));
    expect(evolveSkill(refund, [{ skill: longer, similarity: null }])).toMatchObject({ action: "duplicate", target_id: "s1" });

    const shorter = skill("s2", refund);
    const d = evolveSkill(draft("refund-order", longer.steps), [{ skill: shorter, similarity: null }]);
    expect(d.action).toBe("upgrade");
    if (d.action !== "upgrade") return;
    expect(d.target_id).toBe("s2");
    expect(d.merged.steps.map((s) => s.tool?.name)).toEqual(["pull_up_account", "validate_purchase", "record_reason", "offer_refund"]);
  });

  it("keeps a part of a skill with another goal apart: a shorter procedure is not folded into a longer one it happens to prefix", () => {
    const removeAndRefund = skill("s1", draft("remove-service", [tool("pull_up_account"), tool("record_reason"), tool("ask_the_oracle"), tool("update_account"), tool("offer_refund")]));
    const getServiceBack = draft("get-service-back", [tool("pull_up_account"), tool("record_reason"), tool("ask_the_oracle"), tool("update_account")]);
    expect(evolveSkill(getServiceBack, [{ skill: removeAndRefund, similarity: null }])).toEqual({ action: "create" });
    expect(evolveSkill({ ...getServiceBack, name: "remove-service" }, [{ skill: removeAndRefund, similarity: null }]).action).toBe("duplicate");
  });

  it("upgrades when the same steps bring a new parameter, and merges parameters, examples and sources", () => {
    const existing = skill("s1", draft("refund-order", refund.steps, { examples: ["refund my jeans"], source_message_ids: ["m1"] }));
    const withParam = draft("refund-order", [tool("pull_up_account"), tool("validate_purchase", { order_id: "{order_id}" }), tool("offer_refund")], {
      parameters: { type: "object", properties: { order_id: { type: "string" } }, required: ["order_id"], additionalProperties: false },
      examples: ["refund order 12"],
      source_message_ids: ["m9"],
    });
    const d = evolveSkill(withParam, [{ skill: existing, similarity: null }]);
    expect(d.action).toBe("upgrade");
    if (d.action !== "upgrade") return;
    expect(d.merged.parameters.properties).toEqual({ order_id: { type: "string" } });
    expect(d.merged.examples).toEqual(["refund my jeans", "refund order 12"]);
    expect(d.merged.source_message_ids).toEqual(["m1", "m9"]);
    expect(d.merged.steps[1]!.tool!.arguments).toEqual({ order_id: "{order_id}" });
  });

  it("merges a variant of the same procedure only when the names agree (or the embeddings are close)", () => {
    const a = skill("s1", draft("upgrade-shipping", [tool("pull_up_account"), tool("verify_identity"), tool("shipping_status"), tool("membership"), tool("update_order")]));
    const sameName = draft("upgrade-shipping", [tool("pull_up_account"), tool("verify_identity"), tool("shipping_status"), tool("update_order"), tool("notify_team")]);
    const otherName = draft("add-item", [tool("pull_up_account"), tool("verify_identity"), tool("shipping_status"), tool("membership"), tool("make_purchase")]);
    expect(evolveSkill(sameName, [{ skill: a, similarity: null }]).action).toBe("upgrade");
    expect(evolveSkill(otherName, [{ skill: a, similarity: null }]).action).toBe("create");
    expect(evolveSkill(otherName, [{ skill: a, similarity: 0.95 }]).action).toBe("upgrade");
  });

  it("ignores retired skills, so a retired procedure mined again starts over", () => {
    const retired = skill("s1", refund, "retired");
    expect(evolveSkill(refund, [{ skill: retired, similarity: 1 }])).toEqual({ action: "create" });
  });

  it("picks the most similar of several skills", () => {
    const far = skill("s1", draft("refund-order", [tool("pull_up_account"), tool("notify_team")]));
    const near = skill("s2", draft("refund-order", [tool("pull_up_account"), tool("validate_purchase"), tool("record_reason"), tool("offer_refund")]));
    expect(evolveSkill(refund, [{ skill: far, similarity: null }, { skill: near, similarity: null }])).toMatchObject({ target_id: "s2" });
  });

  it("treats differently worded text steps that share most terms as the same step", () => {
    const a = draft("return-item", [text("May I have your username, email address and order ID please?"), text("What is your membership level?")]);
    const b = draft("return-item", [text("I'll need your username, email and order ID to validate the purchase."), text("Could you tell me your membership level?")]);
    expect(skillSimilarity(a, b).common_steps).toBe(2);
    const c = draft("return-item", [text("Open the router page."), text("Click save.")]);
    expect(skillSimilarity(a, c).common_steps).toBe(0);
  });
});

describe("mergeSkills", () => {
  it("keeps the order of both versions and inserts the steps only one has where they fall", () => {
    const a = draft("p", [tool("a"), tool("b"), tool("d")]);
    const b = draft("p", [tool("a"), tool("c"), tool("d"), tool("e")]);
    expect(mergeSkills(a, b).steps.map((s) => s.tool?.name)).toEqual(["a", "b", "c", "d", "e"]);
  });
});

describe("reliability and lifecycle", () => {
  it("scores feedback with Laplace smoothing and keeps the latest use time", () => {
    let r = newReliability();
    expect(r.score).toBe(0.5);
    r = applyFeedback(r, "success", 2000);
    r = applyFeedback(r, "failure", 1000);
    expect(r).toEqual({ successes: 1, failures: 1, score: 0.5, last_used_at: 2000 });
    r = applyFeedback(r, "success", 3000);
    expect(r.score).toBeCloseTo(3 / 5);
  });

  it("activates after a confirmation or two successes", () => {
    const one = applyFeedback(newReliability(), "success", 1);
    expect(nextState("probationary", one, "feedback")).toBe("probationary");
    expect(nextState("probationary", applyFeedback(one, "success", 2), "feedback")).toBe("active");
    expect(nextState("probationary", newReliability(), "confirmed")).toBe("active");
  });

  it("retires when superseded, or when the score falls below 0.3 after at least 5 uses, and stays retired", () => {
    expect(nextState("active", newReliability(), "superseded")).toBe("retired");
    let r = newReliability();
    for (let i = 0; i < 4; i++) r = applyFeedback(r, "failure", i);
    expect(r.score).toBeCloseTo(1 / 6);
    expect(nextState("active", r, "feedback")).toBe("active"); // 4 uses: not judged yet
    r = applyFeedback(r, "failure", 5);
    expect(nextState("active", r, "feedback")).toBe("retired");
    expect(nextState("retired", applyFeedback(r, "success", 6), "confirmed")).toBe("retired");
  });
});
