/**
 * Shape tests for content values, which are arbitrary JSON: the rules check a value's type before using it, and
 * name the type they found in their reasons.
 */
import type { JsonObject, JsonValue } from '../crypto/canonicalJson.ts';

export function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "a string", "an array", "null", ... for error messages. */
export function describeJsonType(value: JsonValue | undefined): string {
  if (value === undefined) return 'absent';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return Number.isInteger(value) ? 'an integer' : 'a float';
    case 'boolean':
      return 'a boolean';
    default:
      return 'an object';
  }
}
