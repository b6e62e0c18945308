/**
 * OpenGraph metadata of an HTML page, for URL previews: `og:*` meta properties, with the page's `<title>` and
 * meta description as fallbacks. A tolerant scan of the markup (no script runs, nothing is fetched here).
 */

const MAX_VALUE_LENGTH = 1_000;

export type OpenGraph = Record<string, string | number>;

export function parseOpenGraph(html: string): OpenGraph {
  const og: OpenGraph = {};
  const head = html.slice(0, 512 * 1024);
  for (const tag of head.match(/<meta\b[^>]*>/gi) ?? []) {
    const attributes = attributesOf(tag);
    const key = attributes.property ?? attributes.name;
    const content = attributes.content;
    if (!key || content === undefined) continue;
    const lower = key.toLowerCase();
    if (lower.startsWith('og:') && !(lower in og)) og[lower] = clip(content);
    if (lower === 'description' && !('og:description' in og)) og['og:description'] = clip(content);
  }
  if (!('og:title' in og)) {
    const title = /<title\b[^>]*>([\s\S]*?)<\/title>/i.exec(head)?.[1];
    if (title && title.trim() !== '') og['og:title'] = clip(decodeEntities(title.replace(/\s+/g, ' ').trim()));
  }
  return og;
}

function attributesOf(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of tag.matchAll(/([a-zA-Z:_-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g)) {
    attributes[match[1]!.toLowerCase()] = decodeEntities(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return attributes;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[name.toLowerCase()] ?? whole;
  });
}

function clip(text: string): string {
  return text.length > MAX_VALUE_LENGTH ? text.slice(0, MAX_VALUE_LENGTH) : text;
}
