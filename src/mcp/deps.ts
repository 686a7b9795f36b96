// The one narrow object every MCP tool is handed: the flows' deps, the caller's tenant and its key's scopes.
import type { Scope } from "../api/app-env";
import type { Deps } from "../services/deps";

export interface ToolDeps {
  /** The same dependencies the REST routes hand the flows, built once per request. */
  deps: Deps;
  /** The tenant of the API key that authenticated the request; every tool reads and writes only its cubes. */
  tenant: string;
  /** The key's scopes; admin implies every scope of its tenant. */
  scopes: readonly Scope[];
}
