// Labeled sentence pairs (paraphrase or not) fed through the real dedup path: A is added, then B,
// each in fast mode, in a cube of its own; whether B folded into A is read from B's job record.
import { readFileSync } from "node:fs";
import type { MemosClient } from "../../packages/client/src/index.ts";
import type { Server } from "./server";

export interface LabeledPair {
  split: string;
  id: number;
  a: string;
  b: string;
  /** Human label: the two sentences mean the same. */
  paraphrase: boolean;
  /** "tuning" (looked at while the merger was changed) or "held-out" (read only after). */
  use: string;
}

/** Reads `bench/data/paws-sample.tsv`: split, id, sentence1, sentence2, label, use. */
export function loadPairs(path: string): LabeledPair[] {
  const [header, ...lines] = readFileSync(path, "utf8").split("\n").filter((l) => l.length > 0);
  if (header !== "split\tid\tsentence1\tsentence2\tlabel\tuse") throw new Error(`${path}: unexpected header ${header}`);
  return lines.map((line, i) => {
    const f = line.split("\t");
    if (f.length !== 6 || (f[4] !== "0" && f[4] !== "1")) throw new Error(`${path}:${i + 2}: malformed row`);
    return { split: f[0]!, id: Number(f[1]), a: f[2]!, b: f[3]!, paraphrase: f[4] === "1", use: f[5]! };
  });
}

/** POST /v1/memories' answer, from the OpenAPI document through the client. */
type AddAnswer = Awaited<ReturnType<MemosClient["memories"]["add"]>>;

export type PairOutcome =
  /** A gave no memory to fold into, or B gave no candidate: the pair says nothing. */
  | { kind: "empty" }
  | {
      kind: "decided";
      /** B folded into A: nothing of B's own was stored (a replay, repeats, merges, no-ops, updates of A), or B closed a memory of A. */
      merged: boolean;
      /** Some statement of B folded into A, even if another was stored as new. */
      partial: boolean;
      /** How B's statements were decided, for the report ("replay", "repeat", "merge", "NOOP", "UPDATE", "SUPERSEDE", ...). */
      how: string[];
    };

async function add(server: Server, user: string, text: string): Promise<AddAnswer & { job: NonNullable<AddAnswer["job"]> }> {
  const answer = await server.single.memories.add({ user_id: user, text, infer: true, mode: "fast", sync: true });
  if (!answer.job) throw new Error(`POST /v1/memories (infer, sync) answered no job`);
  return { ...answer, job: answer.job };
}

/** Adds A then B for one user and reads what B's job did. */
export async function runPair(server: Server, user: string, pair: LabeledPair): Promise<PairOutcome> {
  const first = await add(server, user, pair.a);
  if (first.job.state !== "succeeded") throw new Error(`pair ${pair.split}/${pair.id}: A's job ${first.job.state}: ${first.job.error}`);
  if ((first.job.result?.memory_ids ?? []).length === 0) return { kind: "empty" };
  const second = await add(server, user, pair.b);
  if ((second.replayed ?? 0) > 0) return { kind: "decided", merged: true, partial: true, how: ["replay"] };
  if (second.job.state !== "succeeded") throw new Error(`pair ${pair.split}/${pair.id}: B's job ${second.job.state}: ${second.job.error}`);
  const d = second.job.result?.detail ?? {};
  if ((d.candidates ?? 0) === 0) return { kind: "empty" };
  const how = [
    ...Array<string>(d.repeats ?? 0).fill("repeat"),
    ...(d.merged ?? []).map(() => "merge"),
    ...(d.judged ?? []).filter((j) => j.action !== "ADD").map((j) => `${j.action} (${j.reason})`),
  ];
  const closed = (d.superseded ?? []).length + (d.retracted ?? []).length > 0;
  const storedOwn = (d.added ?? []).length - (d.superseded ?? []).length;
  return { kind: "decided", merged: closed || storedOwn <= 0, partial: how.length > 0, how };
}

/** Runs `pairs` with `concurrency` requests in flight; each pair in its own cube (user `${prefix}-${split}-${id}`). */
export async function runPairs(server: Server, pairs: readonly LabeledPair[], prefix: string, concurrency = 8): Promise<PairOutcome[]> {
  const out: PairOutcome[] = new Array(pairs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, pairs.length) }, async () => {
      for (let i = next++; i < pairs.length; i = next++) {
        const p = pairs[i]!;
        out[i] = await runPair(server, `${prefix}-${p.split}-${p.id}`, p);
      }
    }),
  );
  return out;
}
