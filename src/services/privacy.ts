// Desensitization through the cube: texts masked with the cube's mode and vault before the Worker
// embeds them or a model reads them; reveal fills placeholders back for keys with pii:read.
import type { CubeIdentity } from "../memory/cube-contract";
import type { Memory } from "../memory/types";
import { placeholdersIn, reveal } from "../governance/pii";
import { unwrap, type CubeRpc } from "./cubes";

/** The most texts one maskTexts call takes. */
const BATCH = 1_000;

/** `texts` as the cube will store them (masked, redacted, or unchanged when its mode is off). */
export async function maskForCube(cube: CubeRpc, identity: CubeIdentity, texts: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < texts.length; i += BATCH) out.push(...unwrap(await cube.maskTexts(identity, texts.slice(i, i + BATCH))).texts);
  return out;
}

/** The memory with its placeholders replaced by the vault's values, and how many were filled. */
export async function revealMemory(cube: CubeRpc, identity: CubeIdentity, memory: Memory): Promise<{ memory: Memory; revealed: number }> {
  const wanted = placeholdersIn(memory.text);
  if (wanted.length === 0) return { memory, revealed: 0 };
  const values = unwrap(await cube.revealPlaceholders(identity, wanted));
  return { memory: { ...memory, text: reveal(memory.text, values) }, revealed: Object.keys(values).length };
}
