// Texts bound for a GPU node (activation blocks, training sets) desensitized with their cube's mode and vault, writing nothing.
import { detectPii } from "../governance/pii";
import type { CubeIdentity } from "../memory/cube-contract";
import { unwrap, type CubeRpc } from "./cubes";

/** Characters of one text the cube masks per piece (its RPC takes at most 200,000). */
const PIECE_CHARS = 100_000;
/** Pieces per cube call (its RPC takes at most 1,000). */
const PIECES_PER_CALL = 1_000;

/** `text` cut into pieces of at most PIECE_CHARS, at a line break or space where one is near, so that a value is rarely cut. */
function pieces(text: string): string[] {
  const out: string[] = [];
  let at = 0;
  while (text.length - at > PIECE_CHARS) {
    const window = text.slice(at, at + PIECE_CHARS);
    const cut = Math.max(window.lastIndexOf("\n"), window.lastIndexOf(" "));
    const end = cut > PIECE_CHARS / 2 ? at + cut + 1 : at + PIECE_CHARS;
    out.push(text.slice(at, end));
    at = end;
  }
  out.push(text.slice(at));
  return out;
}

/**
 * The texts as a model may see them: values the cube's vault knows become their placeholders (the
 * same as in the memories the texts came from), unknown ones a number the vault never gave, all
 * dropped under `redact`, kept under `off`; nothing is stored. Texts without personal data (the
 * usual case: block texts are rendered from stored, already desensitized memories) cost one
 * detector pass here and no cube call.
 */
export async function desensitizeForBridge(cube: CubeRpc, identity: CubeIdentity, texts: readonly string[]): Promise<string[]> {
  const flagged = texts.map((t) => detectPii(t).length > 0);
  if (!flagged.includes(true)) return [...texts];
  const split = texts.map((t, i) => (flagged[i] ? pieces(t) : []));
  const flat = split.flat();
  const masked: string[] = [];
  for (let i = 0; i < flat.length; i += PIECES_PER_CALL) masked.push(...unwrap(await cube.maskQuery(identity, flat.slice(i, i + PIECES_PER_CALL))).texts);
  let at = 0;
  return texts.map((t, i) => {
    const n = split[i]?.length ?? 0;
    if (n === 0) return t;
    const joined = masked.slice(at, at + n).join("");
    at += n;
    return joined;
  });
}
