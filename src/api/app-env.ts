// Typed per-request variables (c.var) shared by every route module.
import type { Env } from "../env";
import type { Deps } from "../services/deps";

export const SCOPES = ["memories:read", "memories:write", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export interface AuthContext {
  tenant_id: string;
  key_id: string;
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
