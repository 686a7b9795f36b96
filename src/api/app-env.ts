// Typed per-request variables (c.var) shared by every route module.
import type { Env } from "../env";
import type { Deps } from "../services/deps";
import type { Principal } from "../services/access";

/**
 * What a key may do. `memories:*` read and write memory; `pii:read` reveals masked personal data;
 * `audit:read` reads the audit log; `export` streams a scope out; `hub:admin` approves and rejects
 * hub listings (and sees every one); `admin` manages keys, grants, webhooks and groups and implies
 * every other scope of its tenant.
 */
export const SCOPES = ["memories:read", "memories:write", "pii:read", "audit:read", "export", "hub:admin", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** The authenticated caller: its tenant, key, limits (a Principal) and scopes. */
export interface AuthContext extends Principal {
  scopes: Scope[];
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    auth: AuthContext;
    /** The flows' dependencies, built once per request. */
    deps: Deps;
  };
}
