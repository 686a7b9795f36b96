// Skills (Mem2Skill) as plain data: what a mined or uploaded skill holds, shared by the miner, the cube and the hub.

export const SKILL_STATES = ["probationary", "active", "retired"] as const;
export type SkillState = (typeof SKILL_STATES)[number];

/** Where a skill came from: mined from dialogue, uploaded (JSON or SKILL.md), or installed from the hub. */
export const SKILL_ORIGINS = ["mined", "upload", "hub"] as const;
export type SkillOrigin = (typeof SKILL_ORIGINS)[number];

/** One parameter of a skill, as a JSON Schema property (the subset skills use). */
export interface SkillParameterSchema {
  type: "string" | "number" | "integer" | "boolean";
  description?: string;
  enum?: Array<string | number>;
  default?: string | number | boolean;
}

/** A skill's parameters: a JSON Schema object, validated on instantiate. */
export interface SkillParameters {
  type: "object";
  properties: Record<string, SkillParameterSchema>;
  required: string[];
  additionalProperties: false;
}

/** A tool the step calls, with arguments that may hold `{placeholders}` in string values. */
export interface SkillToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

export interface SkillStep {
  /** What to do, with `{parameter}` placeholders. */
  text: string;
  tool: SkillToolCall | null;
  /** The condition under which the step applies ("if the order has shipped"); null: always. */
  condition: string | null;
}

/** What detection and structuring produce from a procedural fragment (or an upload), before it is stored. */
export interface SkillDraft {
  /** Kebab-case, 1 to 64 characters (the Agent Skills name rule). */
  name: string;
  description: string;
  when_to_use: string;
  parameters: SkillParameters;
  steps: SkillStep[];
  preconditions: string[];
  examples: string[];
  /** Ids of the messages the fragment came from (empty for an upload). */
  source_message_ids: string[];
}

/** How a skill has fared when used. */
export interface SkillReliability {
  successes: number;
  failures: number;
  /** Laplace-smoothed success rate, (successes + 1) / (uses + 2). */
  score: number;
  last_used_at: number | null;
}

/** A stored skill (one cube's), at its current version. Times are epoch ms. */
export interface Skill extends SkillDraft {
  id: string;
  cube_id: string;
  user_id: string | null;
  agent_id: string | null;
  state: SkillState;
  version: number;
  origin: SkillOrigin;
  /** Memories the skill was mined beside (the same job's), for provenance. */
  source_memory_ids: string[];
  reliability: SkillReliability;
  /** Set for a skill installed from the hub: the listing and the source's version at install. */
  hub: { listing_id: string; source_cube_id: string; source_skill_id: string; source_version: number } | null;
  created_at: number;
  updated_at: number;
}

/** A chat message as Mem2Skill reads it: the usual chat shape, tool calls and tool results included. */
export interface SkillMessage {
  id: string;
  role: "user" | "assistant" | "system" | "tool";
  content: string;
  name: string | null;
  /** Assistant tool calls; `arguments` is the JSON text the model produced. */
  tool_calls: Array<{ id: string; name: string; arguments: string }>;
  /** For a tool result: the call it answers. */
  tool_call_id: string | null;
  timestamp: number;
}
