/**
 * Dot-separated property paths (appendices, "Dot-separated property paths"): `content.m\.relates_to.rel_type`
 * names `rel_type` inside the `m.relates_to` object of `content`. A backslash escapes a dot or a backslash; any
 * other backslash is literal (`\x` is a backslash and an `x`).
 */
import type { JsonObject, JsonValue } from '../../crypto/canonicalJson.ts';

/** The property names of a path, unescaped. */
export function parsePropertyPath(path: string): string[] {
  const names: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const char = path[i]!;
    if (char === '\\' && (path[i + 1] === '.' || path[i + 1] === '\\')) {
      current += path[i + 1];
      i++;
    } else if (char === '.') {
      names.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  names.push(current);
  return names;
}

/** The value at `path` inside `root`, or undefined when some step is missing or not an object. Arrays are not indexed. */
export function valueAtPath(root: JsonObject, path: string): JsonValue | undefined {
  let value: JsonValue | undefined = root;
  for (const name of parsePropertyPath(path)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, name)) return undefined;
    value = value[name];
  }
  return value;
}
