/**
 * A filter's `event_fields`: keep only the listed fields of each event. Entries are dot-separated property
 * paths (appendices, "Dot-separated property paths"): `content.body` is `body` inside `content`, and `\.` and
 * `\\` stand for a literal dot and backslash inside a key.
 */

export function parseFieldPath(path: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '\\' && (path[i + 1] === '.' || path[i + 1] === '\\')) {
      current += path[i + 1];
      i++;
    } else if (c === '.') {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

type JsonRecord = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy of `event` with only the fields at `paths` (missing ones are simply absent). */
export function onlyEventFields(event: JsonRecord, paths: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    const parts = parseFieldPath(path);
    let source: unknown = event;
    for (const part of parts) source = isRecord(source) ? source[part] : undefined;
    if (source === undefined) continue;
    let target = out;
    for (const part of parts.slice(0, -1)) {
      const next = target[part];
      target = isRecord(next) ? (next as Record<string, unknown>) : (target[part] = {});
    }
    target[parts.at(-1)!] = source;
  }
  return out;
}
