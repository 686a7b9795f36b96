// Classifies a memory sentence into a memory type by lexical cues.
import type { MemoryType } from "../types";

type Cue = readonly [MemoryType, RegExp];

// Checked in order; the first that matches wins. Written against third-person text
// ("Caroline loves ...") as well as first person.
const CUES: readonly Cue[] = [
  ["procedure", /\b(step \d|first,? (you|i|we)|then (you|add|mix|run|click|press)|how to|in order to|make sure to|the trick is|recipe|instructions?|to install|run the command|you need to|you have to|you should)\b/i],
  ["plan", /\b(plans? to|planning|going to|gonna|will (be )?\w+ing|intends? to|wants? to|hopes? to|thinking (of|about)|looking forward|next (week|month|year|weekend|time)|tomorrow|soon|someday|can't wait|aims? to|considering|scheduled|'ll|is going to)\b/i],
  ["relationship", /\b(mother|mom|mum|father|dad|sister|brother|son|daughter|wife|husband|partner|boyfriend|girlfriend|fianc[eé]e?|friend|friends|cousin|aunt|uncle|grandma|grandmother|grandpa|grandfather|kids?|children|family|married|divorced|dating|colleague|coworker|boss|mentor|neighbou?r|roommate|pet|dog|cat|puppy|kitten)\b/i],
  ["preference", /\b(loves?|likes?|enjoys?|prefers?|favou?rite|fan of|hates?|dislikes?|can't stand|into|passionate about|adores?|fond of|obsessed with|keen on|would love|is a big fan)\b/i],
  ["event", /\b(went|attended|visited|met|saw|started|finished|joined|won|lost|bought|moved|traveled|travelled|graduated|celebrated|ran|took|got|had|made|painted|wrote|read|watched|played|yesterday|last (week|month|year|weekend|night|\w+day)|ago|on \w+day|recently|just|was|were|did)\b/i],
];

/** The type of memory a sentence most likely states; "fact" when no cue applies. */
export function classifyType(text: string): MemoryType {
  for (const [type, re] of CUES) if (re.test(text)) return type;
  return "fact";
}
