/**
 * How much request context a caller may send with a question (`/v1/authorize`, its batch, the
 * simulator on every interface): each condition value is matched against policy patterns, so the
 * context's size is the work a caller can ask for. Limits are generous for real requests.
 */

/** The bounds on caller-supplied context. */
export const CONTEXT_LIMITS = {
  /** Characters in one value. */
  valueLength: 1_024,
  /** Keys in one context. */
  keys: 100,
  /** Values across all keys (a multivalued key counts each). */
  values: 1_000,
  /** Characters across all values. */
  characters: 65_536,
} as const;

/** The most action × resource evaluations one simulator page may ask for. */
export const MAX_SIMULATION_EVALUATIONS = 10_000;

/**
 * `65536` as `65,536`. Not toLocaleString: at module load its first call loads ICU's locale data,
 * which was the largest single cost of the authorize function's start-up (about 38 ms).
 */
function groupedDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** What a context passing the totals is told. */
export const CONTEXT_TOTALS_MESSAGE = `context holds at most ${groupedDigits(CONTEXT_LIMITS.values)} values and ${groupedDigits(CONTEXT_LIMITS.characters)} characters in all`;

/** True when the values of every key together stay within the total limits. */
export function withinContextTotals(valuesByKey: Iterable<unknown>): boolean {
  let values = 0;
  let characters = 0;
  for (const value of valuesByKey) {
    for (const item of Array.isArray(value) ? value : [value]) {
      values += 1;
      characters += String(item).length;
    }
  }
  return values <= CONTEXT_LIMITS.values && characters <= CONTEXT_LIMITS.characters;
}
