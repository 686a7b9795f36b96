// Credential rules: cloud and platform API keys, JWTs, PEM private keys, bearer tokens, stated passwords.
import type { PiiType } from "./types";

export interface SecretRule {
  type: PiiType;
  pattern: RegExp;
  /** Capture group holding the value (0: the whole match). */
  group?: number;
  check?: (value: string) => boolean;
  /** Trailing characters that end a sentence rather than the value. */
  trimEnd?: RegExp;
}

/** Base64url JSON whose object has the given key (a JWT header has `alg`). */
function jsonPartHas(part: string, key: string): boolean {
  try {
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/");
    const parsed: unknown = JSON.parse(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)));
    return typeof parsed === "object" && parsed !== null && key in parsed;
  } catch {
    return false;
  }
}

export const SECRET_RULES: readonly SecretRule[] = [
  {
    type: "PRIVATE_KEY",
    pattern: /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----[\s\S]*?-----END \1PRIVATE KEY\2-----/g,
  },
  {
    type: "JWT",
    pattern: /(?<![\w-])eyJ[\w-]{8,}\.eyJ[\w-]{4,}\.[\w-]{16,}(?![\w-])/g,
    check: (v) => jsonPartHas(v.split(".")[0]!, "alg"),
  },
  // AWS access key ids (AKIA long-term, ASIA temporary).
  { type: "API_KEY", pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g },
  // GitHub classic and fine-grained tokens.
  { type: "API_KEY", pattern: /(?<![\w])gh[pousr]_[A-Za-z0-9]{36,255}(?![\w])/g },
  { type: "API_KEY", pattern: /(?<![\w])github_pat_[A-Za-z0-9_]{50,255}(?![\w])/g },
  // Slack bot, user, app and refresh tokens.
  { type: "API_KEY", pattern: /(?<![\w-])xox[abposre]-[A-Za-z0-9-]{10,250}(?![\w-])/g },
  // Stripe secret and restricted keys.
  { type: "API_KEY", pattern: /(?<![\w])[sr]k_(?:live|test)_[A-Za-z0-9]{16,247}(?![\w])/g },
  // OpenAI and Anthropic style keys (sk-..., sk-proj-..., sk-ant-...).
  { type: "API_KEY", pattern: /(?<![\w-])sk-(?:[A-Za-z0-9]+-)?[A-Za-z0-9_-]{20,200}(?![\w-])/g },
  // Google API keys.
  { type: "API_KEY", pattern: /(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])/g },
  // AWS secret access keys: 40 base64 characters named as such just before.
  {
    type: "SECRET",
    pattern: /(?:aws_?secret_?(?:access_?)?key|secret access key|secret_key|SecretAccessKey)["']?\s*(?:[:=]|is)?\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    group: 1,
  },
  // Bearer tokens in headers or prose.
  { type: "SECRET", pattern: /\bBearer\s+([A-Za-z0-9._~+/-]{16,}=*)/g, group: 1, trimEnd: /[.]+$/ },
  // A password stated in words: "my password is X", "password: X", "密码是X".
  {
    type: "PASSWORD",
    pattern: /(?:\b(?:pass(?:word|wd|code|phrase)|pwd)\b\s*(?:is|was|[:=：])\s*|密码\s*(?:是|为|[:=：])\s*)["'“]?([\x21-\x7e]+)/gi,
    group: 1,
    trimEnd: /[.,;:!?)"'”\]]+$/,
  },
];
