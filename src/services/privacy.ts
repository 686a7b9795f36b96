// Desensitization through the cube: texts masked with the cube's mode and vault before the Worker
// embeds them or a model reads them; reveal fills placeholders back for keys with pii:read.
import { MODEL_SPANS_PER_TEXT, type CubeIdentity } from "../memory/cube-contract";
import type { Memory } from "../memory/types";
import { detectPii, placeholdersIn, reveal, type ModelSpan, type PiiFinder } from "../governance/pii";
import { ProviderError } from "../providers/errors";
import { ApiError } from "../errors";
import { unwrap, type CubeRpc } from "./cubes";

/** The most texts one maskTexts call takes. */
const BATCH = 1_000;

/**
 * The names and addresses `finder` (the configured model) sees in `texts`; undefined without one.
 * A failing model refuses the write (503): names are never stored raw because a model was down.
 */
export async function modelSpans(finder: PiiFinder | undefined, texts: readonly string[]): Promise<ModelSpan[][] | undefined> {
  if (!finder) return undefined;
  let spans: ModelSpan[][];
  try {
    spans = await finder(texts);
  } catch (err) {
    if (err instanceof ProviderError) throw new ApiError("upstream_unavailable", "the model that finds names and addresses did not answer; retry", { retry_after_s: 5 });
    throw err;
  }
  // Refused before anything is stored rather than stored with some names left raw.
  const crowded = spans.findIndex((s) => s.length > MODEL_SPANS_PER_TEXT);
  if (crowded >= 0) throw new ApiError("invalid_request", `text ${crowded} names more than ${MODEL_SPANS_PER_TEXT} people or places; split it into smaller texts`, { index: crowded });
  return spans;
}

/** `texts` as the cube will store them (masked, redacted, or unchanged when its mode is off), names and addresses included where a model finds them. */
export async function maskForCube(cube: CubeRpc, identity: CubeIdentity, texts: readonly string[], finder?: PiiFinder): Promise<string[]> {
  const spans = await modelSpans(finder, texts);
  // Only texts with something to mask go to the cube (it runs the same detector): most hold none, and cost no call.
  const flagged = texts.flatMap((t, i) => ((spans?.[i]?.length ?? 0) > 0 || detectPii(t).length > 0 ? [i] : []));
  const out = [...texts];
  for (let i = 0; i < flagged.length; i += BATCH) {
    const part = flagged.slice(i, i + BATCH);
    const masked = unwrap(await cube.maskTexts(identity, part.map((j) => texts[j] as string), spans ? part.map((j) => spans[j] ?? []) : undefined)).texts;
    part.forEach((j, k) => (out[j] = masked[k] ?? (texts[j] as string)));
  }
  return out;
}

/** The memory with its placeholders replaced by the vault's values, and how many were filled. */
export async function revealMemory(cube: CubeRpc, identity: CubeIdentity, memory: Memory): Promise<{ memory: Memory; revealed: number }> {
  const wanted = placeholdersIn(memory.text);
  if (wanted.length === 0) return { memory, revealed: 0 };
  const values = unwrap(await cube.revealPlaceholders(identity, wanted));
  return { memory: { ...memory, text: reveal(memory.text, values) }, revealed: Object.keys(values).length };
}
