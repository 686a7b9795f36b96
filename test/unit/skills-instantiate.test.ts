// instantiateSkill: parameters validated against the skill's JSON Schema, defaults applied,
// placeholders substituted everywhere; and checkDraft's limits.
import { describe, expect, it } from "vitest";
import { instantiateSkill } from "../../src/memory/skills/instantiate";
import type { SkillDraft, SkillStep } from "../../src/memory/skills/types";
import { checkDraft, SKILL_LIMITS } from "../../src/memory/skills/validate";

const skill: SkillDraft = {
  name: "deploy-service",
  description: "Deploy a service.",
  when_to_use: "",
  parameters: {
    type: "object",
    properties: {
      service: { type: "string" },
      env: { type: "string", enum: ["staging", "production"], default: "staging" },
      replicas: { type: "integer", default: 2 },
      dry_run: { type: "boolean" },
    },
    required: ["service"],
    additionalProperties: false,
  },
  steps: [
    { text: "Pull {service}.", tool: { name: "git_pull", arguments: { repo: "{service}", ref: "refs/{env}" } }, condition: null },
    { text: "Deploy {service} to {env} with {replicas} replicas.", tool: { name: "deploy", arguments: { name: "{service}", replicas: "{replicas}", flags: ["--env={env}"] } }, condition: "the tests of {service} pass" },
  ],
  preconditions: [],
  examples: [],
  source_message_ids: [],
};

describe("instantiateSkill", () => {
  it("applies defaults and substitutes texts, conditions and tool arguments; a whole-placeholder argument keeps its type", () => {
    const r = instantiateSkill(skill, { service: "billing" });
    expect(r).toEqual({
      ok: true,
      params: { service: "billing", env: "staging", replicas: 2 },
      steps: [
        { text: "Pull billing.", tool: { name: "git_pull", arguments: { repo: "billing", ref: "refs/staging" } }, condition: null },
        { text: "Deploy billing to staging with 2 replicas.", tool: { name: "deploy", arguments: { name: "billing", replicas: 2, flags: ["--env=staging"] } }, condition: "the tests of billing pass" },
      ],
    });
  });

  it("lets given values override defaults", () => {
    const r = instantiateSkill(skill, { service: "web", env: "production", replicas: 5 });
    expect(r.ok && r.steps[1]!.text).toBe("Deploy web to production with 5 replicas.");
  });

  it("refuses unknown parameters, a missing required one, wrong types and values outside the enum, each with its path", () => {
    const r = instantiateSkill(skill, { env: "qa", replicas: 2.5, dry_run: "yes", colour: "red" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.path).sort()).toEqual(["params.colour", "params.dry_run", "params.env", "params.replicas", "params.service"]);
    expect(r.errors.find((e) => e.path === "params.service")!.message).toBe("is required");
    expect(r.errors.find((e) => e.path === "params.colour")!.message).toBe("is not a parameter of this skill");
  });

  it("refuses params that are not an object", () => {
    expect(instantiateSkill(skill, [] as unknown as Record<string, unknown>)).toEqual({ ok: false, errors: [{ path: "params", message: "must be an object" }] });
  });

  it("refuses to render a step whose placeholder has neither a value nor a default", () => {
    const optional: SkillDraft = { ...skill, steps: [{ text: "Run with dry run {dry_run}.", tool: null, condition: null }] };
    expect(instantiateSkill(optional, { service: "x" })).toEqual({ ok: false, errors: [{ path: "params.dry_run", message: "is used by a step but has no value and no default" }] });
    expect(instantiateSkill(optional, { service: "x", dry_run: false })).toMatchObject({ ok: true, steps: [{ text: "Run with dry run false." }] });
  });
});

describe("checkDraft", () => {
  const step = (text: string): SkillStep => ({ text, tool: null, condition: null });

  it("accepts a valid draft", () => {
    expect(checkDraft(skill)).toEqual([]);
  });

  it("enforces the Agent Skills name rule", () => {
    for (const name of ["", "Deploy", "deploy_service", "-deploy", "deploy-", "de--ploy", "a".repeat(65)]) expect(checkDraft({ ...skill, name }).map((i) => i.path)).toEqual(["name"]);
    expect(checkDraft({ ...skill, name: "a".repeat(64) })).toEqual([]);
  });

  it("enforces the limits on steps, text length and parameters", () => {
    expect(checkDraft({ ...skill, steps: [] })[0]!.path).toBe("steps");
    expect(checkDraft({ ...skill, steps: Array.from({ length: SKILL_LIMITS.steps_max + 1 }, () => step("Do it.")) })[0]).toEqual({ path: "steps", message: "at most 50 steps (got 51)" });
    expect(checkDraft({ ...skill, steps: [step("x".repeat(2001))] })[0]!.path).toBe("steps.0.text");
    expect(checkDraft({ ...skill, description: "d".repeat(1025) })[0]!.path).toBe("description");
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`p${i}`, { type: "string" as const }]));
    expect(checkDraft({ ...skill, parameters: { ...skill.parameters, properties: many, required: [] } }).map((i) => i.path)).toContain("parameters.properties");
  });

  it("requires parameter names of the form ^[a-z][a-z0-9_]{0,63}$, known required names, defaults of the right type", () => {
    const issues = checkDraft({
      ...skill,
      steps: [step("Go.")],
      parameters: { type: "object", properties: { "Bad-Name": { type: "string" }, count: { type: "integer", default: 1.5 } }, required: ["missing"], additionalProperties: false },
    });
    expect(issues.map((i) => i.path)).toEqual(["parameters.properties.Bad-Name", "parameters.properties.count.default", "parameters.required.0"]);
  });

  it("requires every placeholder to be declared, in texts, conditions and tool arguments", () => {
    const issues = checkDraft({ ...skill, steps: [{ text: "Open {url}.", tool: { name: "t", arguments: { a: ["{token}"] } }, condition: "{service} is up" }] });
    expect(issues.map((i) => i.message)).toEqual(["placeholder {url} is not a declared parameter", "placeholder {token} is not a declared parameter"]);
  });
});
