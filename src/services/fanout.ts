// Tenant-wide fan-out over every cube of a tenant, in id order, a page at a time, with bounded
// concurrency; a cube that fails is skipped and named, never failing the whole answer.
import { ApiError, isTransientObjectError } from "../errors";
import type { CubeIdentity } from "../memory/cube-contract";
import type { CubeRegistry } from "./registry";

/** At most this many cubes are asked per request (each is a subrequest); past it the answer says what was left out. */
export const MAX_FANOUT = 500;
const PAGE = 100;
const CONCURRENCY = 16;

export interface CubeFailure {
  cube_id: string;
  code: string;
  message: string;
}

export interface Coverage {
  /** Cubes that answered. */
  cubes_searched: number;
  /** Cubes that were asked and failed: skipped, with why. */
  failed: CubeFailure[];
  /** Cubes of the tenant not asked because the fan-out limit was reached (0 when none). */
  left_out: number;
}

function failureOf(cubeId: string, err: unknown): CubeFailure {
  if (err instanceof ApiError) return { cube_id: cubeId, code: err.code, message: err.message };
  if (isTransientObjectError(err)) return { cube_id: cubeId, code: "upstream_unavailable", message: "the cube is busy or restarting" };
  return { cube_id: cubeId, code: "internal", message: "the cube did not answer" };
}

/** Runs `ask` on a page of cubes, CONCURRENCY at a time, collecting answers and naming failures. */
async function askPage<T>(page: readonly CubeIdentity[], ask: (identity: CubeIdentity) => Promise<T>, answers: T[], failed: CubeFailure[]): Promise<void> {
  for (let i = 0; i < page.length; i += CONCURRENCY) {
    const batch = page.slice(i, i + CONCURRENCY);
    const settled = await Promise.allSettled(batch.map((identity) => ask(identity)));
    settled.forEach((s, j) => {
      const cubeId = (batch[j] as CubeIdentity).cube_id;
      if (s.status === "fulfilled") answers.push(s.value);
      else {
        failed.push(failureOf(cubeId, s.reason));
        if (!(s.reason instanceof ApiError)) {
          console.error(JSON.stringify({ level: "error", message: "cube failed in a tenant-wide fan-out", cube_id: cubeId, error: String(s.reason) }));
        }
      }
    });
  }
}

/**
 * Runs `ask` on every cube of the tenant (at most MAX_FANOUT, in id order so that the same
 * tenant always gets the same cubes), CONCURRENCY at a time. Answers and failures come back
 * with a coverage report; an error thrown by `ask` for one cube is that cube's failure.
 */
export async function fanOut<T>(registry: CubeRegistry, tenant: string, ask: (identity: CubeIdentity) => Promise<T>): Promise<{ answers: T[]; coverage: Coverage }> {
  const answers: T[] = [];
  const failed: CubeFailure[] = [];
  let after = "";
  let asked = 0;
  for (;;) {
    const room = MAX_FANOUT - asked;
    const page = await registry.list(tenant, after, Math.min(PAGE, room));
    await askPage(page.map((r) => ({ tenant_id: tenant, cube_id: r.id })), ask, answers, failed);
    asked += page.length;
    const last = page[page.length - 1];
    if (!last || page.length < Math.min(PAGE, room)) break;
    after = last.id;
    if (asked >= MAX_FANOUT) break;
  }
  let left_out = 0;
  if (asked >= MAX_FANOUT) left_out = await registry.countAfter(tenant, after);
  return { answers, coverage: { cubes_searched: answers.length, failed, left_out } };
}

/** The same over a given list of cubes (a limited key's reach, or the cubes a search names). */
export async function fanOutOver<T>(cubes: readonly CubeIdentity[], ask: (identity: CubeIdentity) => Promise<T>): Promise<{ answers: T[]; coverage: Coverage }> {
  const answers: T[] = [];
  const failed: CubeFailure[] = [];
  await askPage(cubes.slice(0, MAX_FANOUT), ask, answers, failed);
  return { answers, coverage: { cubes_searched: answers.length, failed, left_out: Math.max(0, cubes.length - MAX_FANOUT) } };
}
