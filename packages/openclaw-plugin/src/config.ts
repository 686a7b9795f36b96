// The plugin's settings: plugins.entries.memos-edge.config read into one typed object with defaults.

export interface MemosPluginConfig {
  baseUrl: string;
  apiKey: string;
  userId: string;
  agentId?: string;
  recallScope: "user" | "agent";
  budgetTokens: number;
  topK: number;
  recall: boolean;
  capture: boolean;
  recallTimeoutMs: number;
  requestTimeoutMs: number;
}

const ID = /^[A-Za-z0-9:_\-.@]{1,128}$/;

/** Thrown for a config the service could never accept; OpenClaw validates the manifest schema first, this guards direct use. */
export class ConfigError extends Error {}

function intIn(raw: Record<string, unknown>, key: string, min: number, max: number, fallback: number): number {
  const v = raw[key];
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new ConfigError(`${key} must be an integer from ${min} to ${max}`);
  return v;
}

function boolOf(raw: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = raw[key];
  if (v === undefined) return fallback;
  if (typeof v !== "boolean") throw new ConfigError(`${key} must be true or false`);
  return v;
}

function idOf(raw: Record<string, unknown>, key: string): string | undefined {
  const v = raw[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !ID.test(v)) throw new ConfigError(`${key} must be 1 to 128 characters of A-Z a-z 0-9 : _ - . @`);
  return v;
}

export function parseConfig(input: unknown): MemosPluginConfig {
  const raw = (input && typeof input === "object" ? input : {}) as Record<string, unknown>;
  const baseUrl = raw.baseUrl;
  if (typeof baseUrl !== "string" || !/^https?:\/\//.test(baseUrl)) throw new ConfigError("baseUrl must be an http(s) URL");
  const apiKey = raw.apiKey;
  if (typeof apiKey !== "string" || apiKey.length === 0) throw new ConfigError("apiKey is required");
  const userId = idOf(raw, "userId");
  if (!userId) throw new ConfigError("userId is required");
  const agentId = idOf(raw, "agentId");
  const recallScope = raw.recallScope ?? "user";
  if (recallScope !== "user" && recallScope !== "agent") throw new ConfigError('recallScope must be "user" or "agent"');
  if (recallScope === "agent" && !agentId) throw new ConfigError('recallScope "agent" needs agentId');
  return {
    baseUrl: baseUrl.replace(/\/+$/, ""),
    apiKey,
    userId,
    ...(agentId ? { agentId } : {}),
    recallScope,
    budgetTokens: intIn(raw, "budgetTokens", 1, 32_000, 800),
    topK: intIn(raw, "topK", 1, 100, 10),
    recall: boolOf(raw, "recall", true),
    capture: boolOf(raw, "capture", true),
    recallTimeoutMs: intIn(raw, "recallTimeoutMs", 50, 10_000, 1_500),
    requestTimeoutMs: intIn(raw, "requestTimeoutMs", 100, 60_000, 10_000),
  };
}
