/**
 * Glob matching for push rules (appendices, "Glob-style matching": `*` is zero or more characters, `?` exactly
 * one; everything else is literal), case-insensitive, in two modes:
 * - `whole`: the pattern must match the entire value (`event_match` on any key but `content.body`);
 * - `words`: the pattern must match some substring that starts and ends at a word boundary (`content.body`, content
 *   rules, display names). A word boundary is the start or end of the value or a character outside
 *   `[A-Za-z0-9_]`; a substring starts at one when it is at the start, follows such a character or begins with
 *   one, and likewise at its end.
 *
 * Matching simulates the pattern as a small automaton over the value, so it takes time proportional to
 * value length times pattern length whatever the pattern (no backtracking regular expression a remote sender
 * could make slow). Case-insensitivity is per character lower-casing that keeps one character per character and
 * never maps a non-ASCII character onto an ASCII one (so the Kelvin sign stays a word boundary).
 */

export type GlobMatchType = 'whole' | 'words';

const STAR = -1;
const ANY = -2;

/** A pattern compiled to tokens: a code point, ANY (`?`) or STAR (`*`, runs collapsed). */
type GlobTokens = readonly number[];

const compiled = new Map<string, GlobTokens>();
const MAX_COMPILED = 1_000;

function compile(pattern: string): GlobTokens {
  let tokens = compiled.get(pattern);
  if (tokens) return tokens;
  const out: number[] = [];
  for (const cp of foldedCodePoints(pattern)) {
    if (cp === 0x2a) {
      if (out.at(-1) !== STAR) out.push(STAR);
    } else if (cp === 0x3f) {
      out.push(ANY);
    } else {
      out.push(cp);
    }
  }
  tokens = out;
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(pattern, tokens);
  return tokens;
}

/** The code points of `text`, each lower-cased when that keeps it one character and does not make it ASCII. */
export function foldedCodePoints(text: string): number[] {
  const out: number[] = [];
  for (const char of text) {
    const cp = char.codePointAt(0)!;
    if (cp < 0x80) {
      out.push(cp >= 0x41 && cp <= 0x5a ? cp + 0x20 : cp);
      continue;
    }
    const lower = char.toLowerCase();
    const lowerCp = lower.codePointAt(0)!;
    const single = lower.length === (lowerCp > 0xffff ? 2 : 1);
    out.push(single && lowerCp >= 0x80 ? lowerCp : cp);
  }
  return out;
}

function isWordChar(cp: number): boolean {
  return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f;
}

/** Whether `value` matches the glob `pattern` in the given mode. */
export function globMatches(pattern: string, value: string, type: GlobMatchType): boolean {
  return matchTokens(compile(pattern), foldedCodePoints(value), type);
}

/** Whether `value` contains `literal` (no wildcards) as a word-bounded substring, case-insensitively. */
export function containsWords(literal: string, value: string): boolean {
  const tokens = foldedCodePoints(literal);
  return matchTokens(tokens, foldedCodePoints(value), 'words');
}

function matchTokens(tokens: GlobTokens, text: readonly number[], type: GlobMatchType): boolean {
  const m = tokens.length;
  const n = text.length;
  // active[i]: the first i tokens match text ending at the current position, from some allowed start.
  let active = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  const closeOver = (states: Uint8Array) => {
    // A star may match nothing: being before it is also being after it.
    for (let i = 0; i < m; i++) if (states[i] && tokens[i] === STAR) states[i + 1] = 1;
  };
  for (let p = 0; p <= n; p++) {
    const boundaryHere = p === 0 || p === n || !isWordChar(text[p - 1]!) || !isWordChar(text[p]!);
    if (p === 0 || (type === 'words' && boundaryHere)) {
      active[0] = 1;
      closeOver(active);
    }
    if (active[m] && (type === 'whole' ? p === n : boundaryHere)) return true;
    if (p === n) break;
    const cp = text[p]!;
    next.fill(0);
    let any = false;
    for (let i = 0; i <= m; i++) {
      if (!active[i] || i === m) continue;
      const token = tokens[i]!;
      if (token === STAR) {
        next[i] = 1;
        any = true;
      } else if (token === ANY || token === cp) {
        next[i + 1] = 1;
        any = true;
      }
    }
    [active, next] = [next, active];
    if (any) closeOver(active);
    else if (type === 'whole') return false;
  }
  return false;
}
