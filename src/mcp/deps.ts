// The one narrow object every MCP tool is handed: the flows' deps, the caller's tenant and its key's scopes.
import type { Scope } from "../api/app-env";
import type { Deps } from "../services/deps";
import type { Principal } from "../services/access";

export interface ToolDeps {
  /** The same dependencies the REST routes hand the flows, built once per request. */
  deps: Deps;
  /** The API key that authenticated the request: its tenant and limits bind every tool to the cubes it may reach. */
  who: Principal;
  /** The key's scopes; admin implies every scope of its tenant. */
  scopes: readonly Scope[];
}
