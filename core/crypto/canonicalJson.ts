/**
 * Canonical JSON (appendices, "Canonical JSON"): keys sorted by code point, no insignificant whitespace,
 * integers only, UTF-8 output with only the escapes the grammar allows.
 *
 * JSON.stringify already escapes exactly as the grammar asks (short escapes for \b \t \n \f \r \" \\,
 * lowercase \u00XX for other control characters, nothing else), so only key order and number checks are ours.
 */

/** A JSON value as parsed from the wire. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export const MAX_SAFE_CANONICAL_INT = 2 ** 53 - 1;

export class CanonicalJsonError extends Error {
  override readonly name = 'CanonicalJsonError';
}

export interface CanonicalJsonOptions {
  /**
   * Room versions 1-5 predate the strict integer rule: their events may carry floats or large numbers,
   * which are then printed as JavaScript prints them instead of being refused.
   */
  readonly lenientNumbers?: boolean;
}

/** Returns the canonical JSON text of `value`. Throws CanonicalJsonError for floats, out-of-range integers, or non-JSON values. */
export function canonicalJson(value: unknown, options: CanonicalJsonOptions = {}): string {
  const lenient = options.lenientNumbers === true;
  try {
    return encodeFast(value, lenient);
  } catch (e) {
    if (!(e instanceof InvalidValue)) throw e;
  }
  // Invalid somewhere: encode again, this time collecting where (the fast path tracks nothing).
  try {
    return encode(value, lenient);
  } catch (e) {
    if (e instanceof InvalidValue) throw new CanonicalJsonError(`${describe(e.path())} ${e.problem}`);
    throw e;
  }
}

/** Canonical JSON as UTF-8 bytes: what gets hashed and signed. */
export function canonicalJsonBytes(value: unknown, options: CanonicalJsonOptions = {}): Buffer {
  return Buffer.from(canonicalJson(value, options), 'utf8');
}

/**
 * A value canonical JSON cannot hold. Where it sits is collected only while the error unwinds, so that encoding
 * a valid value builds no path strings.
 */
class InvalidValue extends Error {
  /** Keys and indexes from the value up to the root. */
  private readonly segments: (string | number)[] = [];

  constructor(readonly problem: string) {
    super(problem);
  }

  within(segment: string | number): this {
    this.segments.push(segment);
    return this;
  }

  path(): string {
    let path = '';
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const segment = this.segments[i]!;
      path = typeof segment === 'number' ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment;
    }
    return path;
  }
}

/** The encoder every event is hashed and signed with: the same output as `encode`, without path tracking. */
function encodeFast(value: unknown, lenient: boolean): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) {
    if (Array.isArray(value)) {
      let out = '[';
      for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + encodeFast(value[i], lenient);
      return out + ']';
    }
    const record = value as Record<string, unknown>;
    const keys = sortedKeys(record);
    let out = '{';
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      out += (i === 0 ? '' : ',') + JSON.stringify(key) + ':' + encodeFast(record[key], lenient);
    }
    return out + '}';
  }
  return encodeScalar(value, lenient);
}

function encodeScalar(value: unknown, lenient: boolean): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidValue('is not a finite number');
      if (lenient) return value === 0 ? '0' : String(value);
      if (!Number.isInteger(value)) throw new InvalidValue('is not an integer');
      if (Math.abs(value) > MAX_SAFE_CANONICAL_INT) throw new InvalidValue('is outside the canonical integer range');
      // -0 must print as 0.
      return value === 0 ? '0' : String(value);
    default:
      throw new InvalidValue('is not a JSON value');
  }
}

/** The slow path, run only for a value already found invalid: records where the invalid value sits. */
function encode(value: unknown, lenient: boolean): string {
  if (typeof value !== 'object' || value === null) return encodeScalar(value, lenient);
  if (Array.isArray(value)) {
    return '[' + value.map((item, i) => encodeWithin(item, i, lenient)).join(',') + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = sortedKeys(record);
  const parts = keys.map((k) => JSON.stringify(k) + ':' + encodeWithin(record[k], k, lenient));
  return '{' + parts.join(',') + '}';
}

function encodeWithin(value: unknown, segment: string | number, lenient: boolean): string {
  try {
    return encode(value, lenient);
  } catch (e) {
    if (e instanceof InvalidValue) throw e.within(segment);
    throw e;
  }
}

const SURROGATE = /[\uD800-\uDFFF]/;

function sortedKeys(record: Record<string, unknown>): string[] {
  let keys = Object.keys(record);
  let astral = false;
  for (let i = 0; i < keys.length; i++) {
    if (record[keys[i]!] === undefined) {
      keys = keys.filter((k) => record[k] !== undefined);
      break;
    }
  }
  for (let i = 0; i < keys.length && !astral; i++) astral = SURROGATE.test(keys[i]!);
  // The default sort compares UTF-16 code units; canonical order is by code point. The two differ only when
  // a key holds an astral character (a surrogate pair), so pay for the slow comparison only then.
  return astral ? keys.sort(compareCodePoints) : keys.sort();
}

function describe(path: string): string {
  return path ? `value at "${path}"` : 'value';
}

export function compareCodePoints(a: string, b: string): number {
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done || y.done) return x.done === y.done ? 0 : x.done ? -1 : 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx - cy;
  }
}
