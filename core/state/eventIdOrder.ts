/**
 * The order state resolution compares event IDs in: by Unicode code point, as Synapse (Python) compares strings.
 * JavaScript's `<` compares UTF-16 code units, which disagrees for characters above U+FFFF (only v1/v2 event
 * IDs, which are free-form, can hold them); servers must agree on the tie-break, so it is spelled out here.
 */
export function compareEventIds(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}
