/**
 * Turning what a user typed into a safe FTS5 match expression: the words (letters and digits in any script) of
 * the term, each quoted and matched as a prefix, all required. Quoting makes FTS5 syntax in the term (`OR`,
 * `NEAR`, `*`, `"`, `:`) plain text, so no input can make the query fail or reach another column.
 */

/** The words of a search term, lowercased, at most 16 of them. */
export function searchWords(term: string): string[] {
  return [...new Set((term.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []).slice(0, 16))];
}

/** The FTS5 expression for these words, or null when there is nothing to search for. */
export function ftsMatchExpression(words: readonly string[]): string | null {
  if (words.length === 0) return null;
  return words.map((word) => `"${word}"*`).join(' ');
}

/**
 * Highlights: the search words plus the words of the matched texts that start with one of them (what the
 * prefix match found), for clients to highlight.
 */
export function highlightsOf(words: readonly string[], texts: readonly string[]): string[] {
  const found = new Set(words);
  for (const text of texts) {
    for (const token of text.match(/[\p{L}\p{N}_]+/gu) ?? []) {
      const lower = token.toLowerCase();
      if (words.some((w) => lower.startsWith(w))) found.add(token);
    }
  }
  return [...found];
}
