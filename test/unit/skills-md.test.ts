// SKILL.md (Agent Skills format): our output reads back losslessly, a hand-written file reads
// reasonably, and bad files fail with SkillFormatError details saying where.
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseSkillMd, renderSkillMd, SkillFormatError } from "../../src/memory/skills/skill-md";
import { newReliability } from "../../src/memory/skills/reliability";
import type { Skill, SkillDraft } from "../../src/memory/skills/types";

const router: SkillDraft = {
  name: "reset-router-password",
  description: "Reset a home router's admin password: log in, or hold the reset button when the login fails.",
  when_to_use: 'When a user is locked out of their router\'s admin page ("I forgot the router password").',
  parameters: {
    type: "object",
    properties: {
      host: { type: "string", description: "The router's address" },
      seconds: { type: "integer", description: "How long to hold reset", default: 30 },
      band: { type: "string", enum: ["2.4GHz", "5GHz"] },
    },
    required: ["host"],
    additionalProperties: false,
  },
  steps: [
    { text: "Open http://{host} in a browser.", tool: null, condition: null },
    { text: "Hold the reset button for {seconds} seconds.\nRelease it when the lights blink.", tool: null, condition: "the login fails" },
    { text: "Set a new password on the {band} network.", tool: { name: "router_api", arguments: { host: "{host}", band: "{band}", retries: 2 } }, condition: null },
  ],
  preconditions: ["Physical access to the router"],
  examples: ["host=192.168.0.1, band=5GHz"],
  source_message_ids: ["m1", "m7"],
};

function fileOf(d: SkillDraft | Skill): string {
  return renderSkillMd(d).files[0]!.content;
}

function formatError(input: Parameters<typeof parseSkillMd>[0]): SkillFormatError {
  try {
    parseSkillMd(input);
  } catch (err) {
    if (err instanceof SkillFormatError) return err;
    throw err;
  }
  throw new Error("expected a SkillFormatError");
}

describe("renderSkillMd", () => {
  it("writes <name>/SKILL.md with name and description in the front matter and our extra fields as string metadata", () => {
    const { files } = renderSkillMd(router);
    expect(files.map((f) => f.path)).toEqual(["reset-router-password/SKILL.md"]);
    const content = files[0]!.content;
    const front = parseYaml(content.split("---")[1]!) as Record<string, unknown>;
    expect(front).toEqual({ name: router.name, description: router.description, metadata: { "memos-source-message-ids": "m1,m7" } });
    expect(content).toContain("## When to use");
    expect(content).toContain("## Parameters\n\n- `host` (string, required): The router's address");
    expect(content).toContain("## Steps\n\n1. Open http://{host} in a browser.\n2. Hold the reset button");
    expect(content).toContain("   - if: the login fails");
  });

  it("puts a stored skill's id, version, state and origin in the metadata", () => {
    const stored: Skill = { ...router, id: "sk_1", cube_id: "c", user_id: null, agent_id: null, state: "active", version: 3, origin: "mined", source_memory_ids: [], reliability: newReliability(), hub: null, created_at: 1, updated_at: 2 };
    const front = parseYaml(fileOf(stored).split("---")[1]!) as { metadata: Record<string, string> };
    expect(front.metadata).toEqual({ "memos-skill-id": "sk_1", "memos-version": "3", "memos-state": "active", "memos-origin": "mined", "memos-source-message-ids": "m1,m7" });
  });
});

describe("parseSkillMd: round trip", () => {
  it("reads our own output back exactly, from the text or from the folder", () => {
    expect(parseSkillMd(fileOf(router))).toEqual(router);
    expect(parseSkillMd(renderSkillMd(router))).toEqual(router);
  });

  it("round-trips a minimal draft (no parameters, preconditions, examples or sources)", () => {
    const minimal: SkillDraft = { name: "a", description: "d", when_to_use: "", parameters: { type: "object", properties: {}, required: [], additionalProperties: false }, steps: [{ text: "Do it.", tool: null, condition: null }], preconditions: [], examples: [], source_message_ids: [] };
    expect(parseSkillMd(fileOf(minimal))).toEqual(minimal);
  });
});

describe("parseSkillMd: hand-written files", () => {
  it("reads another tool's SKILL.md: extra front matter ignored, the Instructions list as steps, placeholders declared", () => {
    const md = [
      "---",
      "name: pdf-merge",
      "description: Merge PDF files into one document. Use when the user asks to combine PDFs.",
      "license: Apache-2.0",
      "allowed-tools: Bash Read",
      "metadata:",
      "  author: example-org",
      '  version: "1.0"',
      "---",
      "",
      "# PDF merge",
      "",
      "Some context about PDFs.",
      "",
      "## Instructions",
      "",
      "1. Collect the files in {folder}.",
      "2. Run the merge script:",
      "   ```bash",
      "   python scripts/merge.py {folder} out.pdf",
      "   ```",
      "3. Check the page count.",
      "",
      "That is all.",
    ].join("\n");
    const d = parseSkillMd(md);
    expect(d.name).toBe("pdf-merge");
    expect(d.description).toBe("Merge PDF files into one document. Use when the user asks to combine PDFs.");
    expect(d.steps.map((s) => s.text)).toEqual(["Collect the files in {folder}.", "Run the merge script:\n```bash\npython scripts/merge.py {folder} out.pdf\n```", "Check the page count."]);
    expect(d.parameters).toEqual({ type: "object", properties: { folder: { type: "string" } }, required: ["folder"], additionalProperties: false });
    expect(d.source_message_ids).toEqual([]);
  });

  it("takes the paragraphs as steps when a file has no list at all", () => {
    const d = parseSkillMd("---\nname: tidy-desk\ndescription: Tidy a desk.\n---\n\nClear everything off the desk.\n\nWipe it down and put back only what you use daily.\n");
    expect(d.steps.map((s) => s.text)).toEqual(["Clear everything off the desk.", "Wipe it down and put back only what you use daily."]);
  });
});

describe("parseSkillMd: bad files", () => {
  it("refuses a file without front matter", () => {
    const e = formatError("# Just markdown\n\n1. Do a thing.");
    expect(e.details).toEqual([{ path: "front_matter", message: expect.stringContaining("must start with ---") }]);
  });

  it("refuses front matter that is not YAML, or not a map", () => {
    expect(formatError("---\nname: [unclosed\n---\n1. x").details[0]!.path).toBe("front_matter");
    expect(formatError("---\n- a\n- b\n---\n1. x").details[0]!.message).toContain("YAML map");
  });

  it("refuses a missing name or description, and names that break the Agent Skills rule", () => {
    const missing = formatError("---\ntitle: x\n---\n1. Do it.");
    expect(missing.details.map((d) => d.path)).toEqual(["front_matter.name", "front_matter.description"]);
    for (const name of ["PDF-Tools", "-pdf", "pdf--tools", "a".repeat(65), "pdf_tools"]) {
      expect(formatError(`---\nname: "${name}"\ndescription: d\n---\n1. Do it.`).details.map((d) => d.path)).toContain("name");
    }
  });

  it("refuses a description over 1024 characters", () => {
    expect(formatError(`---\nname: x\ndescription: ${"d".repeat(1025)}\n---\n1. Do it.`).details).toEqual([{ path: "description", message: expect.stringContaining("1024") }]);
  });

  it("refuses a folder whose name differs from the skill's, a folder with no or two SKILL.md", () => {
    const content = fileOf(router);
    expect(formatError({ files: [{ path: "other-name/SKILL.md", content }] }).details).toEqual([{ path: "front_matter.name", message: 'must match the folder name "other-name"' }]);
    expect(formatError({ files: [{ path: "x/README.md", content }] }).details[0]!.message).toContain("no SKILL.md");
    expect(formatError({ files: [{ path: "a/SKILL.md", content }, { path: "b/SKILL.md", content }] }).details[0]!.message).toContain("2 SKILL.md");
  });

  it("refuses a file with no steps, bad parameter lines and bad tool arguments, with every problem listed", () => {
    expect(formatError("---\nname: x\ndescription: d\n---\n## Steps\n").details[0]!.path).toBe("body.steps");
    const e = formatError("---\nname: x\ndescription: d\n---\n## Parameters\n\n- `Bad-Name` (string)\n- `ok` (date)\n\n## Steps\n\n1. Call it.\n   - tool: `api` {not json}\n");
    expect(e.details.map((d) => d.path)).toEqual(["body.parameters.0", "body.parameters.1", "body.steps.0.tool.arguments"]);
  });

  it("refuses a file over the size limit", () => {
    expect(formatError(`---\nname: x\ndescription: d\n---\n${"1. step\n".repeat(40_000)}`).details[0]!.path).toBe("SKILL.md");
  });
});
