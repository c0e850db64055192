/**
 * Case-insensitive glob matching for push rules: `*` matches zero or more characters and `?`
 * exactly one. Matching runs the pattern as a small automaton over the value's code points, so
 * its cost is at most the value length times the pattern length, whatever the pattern holds.
 * A regular expression with one lazy `.*?` per `*` can backtrack far longer on a long body.
 */

type GlobToken = { kind: 'star' } | { kind: 'any' } | { kind: 'char'; folded: string };

/** A compiled pattern, built by `compileGlob` or `compileLiteral`. */
export type GlobPattern = readonly GlobToken[];

/** Folds the case of one code point. The spec leaves the meaning of "case insensitive" to the server. */
function fold(codePoint: string): string {
  return codePoint.toLowerCase();
}

/** Compiles a glob pattern. Consecutive stars are merged, since they match the same strings. */
export function compileGlob(pattern: string): GlobPattern {
  const tokens: GlobToken[] = [];
  for (const codePoint of pattern) {
    if (codePoint === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (codePoint === '?') {
      tokens.push({ kind: 'any' });
    } else {
      tokens.push({ kind: 'char', folded: fold(codePoint) });
    }
  }
  return tokens;
}

/** Compiles a text that must appear literally, where `*` and `?` are ordinary characters. */
export function compileLiteral(text: string): GlobPattern {
  return Array.from(text, (codePoint): GlobToken => ({ kind: 'char', folded: fold(codePoint) }));
}

/** Checks whether the pattern matches the whole value. */
export function matchesWhole(pattern: GlobPattern, value: string): boolean {
  const codePoints = Array.from(value);
  const length = codePoints.length;
  return runAutomaton(pattern, codePoints, (index) => index === 0, (index) => index === length);
}

/**
 * Checks whether the pattern matches a substring of the value that starts and ends at a word
 * boundary: the start or end of the value, or a character outside `[A-Za-z0-9_]`.
 */
export function matchesWords(pattern: GlobPattern, value: string): boolean {
  const codePoints = Array.from(value);
  const length = codePoints.length;
  const isWordCharacter = (index: number): boolean => /^[A-Za-z0-9_]$/.test(codePoints[index] ?? '');
  return runAutomaton(
    pattern,
    codePoints,
    (index) => index === 0 || !isWordCharacter(index - 1),
    (index) => index === length || !isWordCharacter(index),
  );
}

/**
 * Simulates the pattern's automaton, where state k means "the first k tokens have matched".
 * A match may begin at each position where `canStart` is true and must end where `canEnd` is true.
 */
function runAutomaton(
  pattern: GlobPattern,
  codePoints: readonly string[],
  canStart: (index: number) => boolean,
  canEnd: (index: number) => boolean,
): boolean {
  const accepting = pattern.length;
  let active = new Uint8Array(accepting + 1);
  let next = new Uint8Array(accepting + 1);

  for (let index = 0; index <= codePoints.length; index++) {
    if (canStart(index)) active[0] = 1;
    skipEmptyStars(pattern, active);
    if (active[accepting] === 1 && canEnd(index)) return true;
    if (index === codePoints.length) break;

    const folded = fold(codePoints[index] ?? '');
    next.fill(0);
    for (let state = 0; state < accepting; state++) {
      if (active[state] !== 1) continue;
      const token = pattern[state];
      if (token?.kind === 'star') next[state] = 1;
      else if (token?.kind === 'any' || token?.folded === folded) next[state + 1] = 1;
    }
    [active, next] = [next, active];
  }
  return false;
}

/** Adds the states reached by letting a star match nothing. */
function skipEmptyStars(pattern: GlobPattern, active: Uint8Array): void {
  for (let state = 0; state < pattern.length; state++) {
    if (active[state] === 1 && pattern[state]?.kind === 'star') active[state + 1] = 1;
  }
}
