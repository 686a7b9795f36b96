// The strings of a record beside its text (tags, entities, metadata values, a speaker's name) laid flat for desensitization and put back after.

/** The fields of one record that may carry personal data besides its main text. */
export interface FieldSet {
  tags?: readonly string[] | undefined;
  entities?: readonly string[] | undefined;
  metadata?: Record<string, unknown> | undefined;
  name?: string | null | undefined;
}

/** Every string value inside `value`, depth first in key order as stored (object keys are names, never masked). */
function collect(value: unknown, out: string[]): void {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, out);
  else if (typeof value === "object" && value !== null) for (const v of Object.values(value)) collect(v, out);
}

/** `value` with its string values replaced, in `collect`'s order, by the next of `next()`. */
function rebuild(value: unknown, next: () => string): unknown {
  if (typeof value === "string") return next();
  if (Array.isArray(value)) return value.map((v) => rebuild(v, next));
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rebuild(v, next)]));
  return value;
}

/**
 * The strings of every field set, flat (for one detection and one vault transaction with the
 * texts), and `restore`, which puts the desensitized strings back into copies of the sets.
 */
export function flattenFields<T extends FieldSet>(sets: readonly T[]): { strings: string[]; restore(masked: readonly string[]): T[] } {
  const strings: string[] = [];
  for (const s of sets) {
    if (s.tags) strings.push(...s.tags);
    if (s.entities) strings.push(...s.entities);
    if (s.metadata) collect(s.metadata, strings);
    if (typeof s.name === "string") strings.push(s.name);
  }
  return {
    strings,
    restore(masked) {
      let at = 0;
      const next = () => masked[at++] ?? "";
      return sets.map((s) => {
        const out: T = { ...s };
        if (s.tags) out.tags = s.tags.map(() => next());
        if (s.entities) out.entities = s.entities.map(() => next());
        if (s.metadata) out.metadata = rebuild(s.metadata, next) as Record<string, unknown>;
        if (typeof s.name === "string") out.name = next();
        return out;
      });
    },
  };
}
