// Recognizes chit-chat with no memorable content: greetings, thanks, laughter, short reactions.

const FILLER_WORDS: ReadonlySet<string> = new Set(
  ("hey hi hello hiya yo bye goodbye cya see ya later soon thanks thank thx ty you so much very really " +
    "haha hahaha lol lmao omg wow woah whoa oh ah aw aww awww ooh yay yes yeah yep yup no nope nah ok okay " +
    "sure cool great awesome nice amazing wonderful fantastic lovely perfect sweet good glad happy to hear " +
    "that that's thats it's its is was sounds sound like looks look what a an the totally absolutely " +
    "definitely agree agreed true right exactly indeed same me too for sharing care take u gonna keep " +
    "going and of course congrats congratulations well done proud i'm im am i of feel feeling touched " +
    "pleasure mine welcome np problem night morning day evening everyone guys buddy friend dear cheers " +
    "lot lots love it bet can imagine how fun hope have blast super incredible impressive beautiful " +
    "stunning gorgeous fun exciting interesting inspiring hear heard doing how's hows been up what's whats " +
    "new talk catch let's lets chat again good-bye byee hugs xoxo tc ttyl brb mate man").split(" "),
);

/** Sentences that are pure social glue, whatever their length. */
const PATTERNS: readonly RegExp[] = [
  /^(hey|hi|hello|yo|good (morning|afternoon|evening))\b[^.!?]{0,25}[.!?]*$/i,
  /^(thanks|thank you|thx|ty)\b[^.!?]{0,40}[.!?]*$/i,
  /^(ha)+[!.]*$/i,
  /^(lol|lmao|omg|wow|aww+|yay|ooh)[!.]*$/i,
  /^(bye|goodbye|see you|talk (to you )?(soon|later)|take care|catch you later)\b[^.!?]{0,30}[.!?]*$/i,
  /^how (have you been|are you|is it going|'s it going|are things)\b[^.!?]{0,20}\??$/i,
  /^(what's|whats) up\b.{0,20}$/i,
  /^(that's|that is|thats|it's|it is|sounds|looks) (so |really |very |pretty |super |totally )?(great|awesome|cool|amazing|nice|wonderful|fantastic|lovely|fun|exciting|interesting|inspiring|beautiful|incredible|impressive|good|sweet|brilliant)[^.!?]{0,25}[.!?]*$/i,
  /^(good|great|nice|glad|happy) to (hear|see|know)\b[^.!?]{0,25}[.!?]*$/i,
  /^(me too|same here|i agree|agreed|exactly|totally|absolutely|definitely|of course|for sure|no problem|no worries|you're welcome)[!.]*$/i,
];

const WORD_RE = /[\p{L}\p{N}']+/gu;

/**
 * True when `sentence` carries nothing worth remembering: it matches a social pattern, or
 * every word is filler, or it has fewer than three words and no digit or capitalized name.
 */
export function isChitChat(sentence: string): boolean {
  const s = sentence.replace(/[\u2018\u2019]/g, "'").trim();
  if (!s) return true;
  if (PATTERNS.some((re) => re.test(s))) return true;
  const words = s.match(WORD_RE) ?? [];
  if (words.length === 0) return true;
  if (words.every((w) => FILLER_WORDS.has(w.toLowerCase()))) return true;
  if (words.length < 3 && !/\d/.test(s) && !words.slice(1).some((w) => /^[A-Z]/.test(w))) return true;
  return false;
}
