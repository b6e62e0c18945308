/**
 * Reading typed fields out of request bodies and query strings, with the Matrix error a client should get:
 * a missing required field is 400 `M_MISSING_PARAM`, a body field of the wrong type is 400 `M_BAD_JSON`, and a
 * query parameter with a bad value is 400 `M_INVALID_PARAM`.
 */
import type { JsonObject, JsonValue } from '../crypto/canonicalJson.ts';
import { MatrixError } from '../handlers/matrixError.ts';

function missing(name: string): MatrixError {
  return MatrixError.missingParam(`Missing required parameter: ${name}`);
}

function wrongType(name: string, expected: string): MatrixError {
  return MatrixError.badJson(`Parameter ${name} must be ${expected}`);
}

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireString(body: JsonObject, name: string): string {
  const value = body[name];
  if (value === undefined || value === null) throw missing(name);
  if (typeof value !== 'string') throw wrongType(name, 'a string');
  return value;
}

export function optionalString(body: JsonObject, name: string): string | null {
  const value = body[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw wrongType(name, 'a string');
  return value;
}

export function optionalBoolean(body: JsonObject, name: string, fallback: boolean): boolean {
  const value = body[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw wrongType(name, 'a boolean');
  return value;
}

export function optionalInteger(body: JsonObject, name: string): number | null {
  const value = body[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType(name, 'an integer');
  return value;
}

export function requireObject(body: JsonObject, name: string): JsonObject {
  const value = body[name];
  if (value === undefined || value === null) throw missing(name);
  if (!isJsonObject(value)) throw wrongType(name, 'an object');
  return value;
}

export function optionalObject(body: JsonObject, name: string): JsonObject | null {
  const value = body[name];
  if (value === undefined || value === null) return null;
  if (!isJsonObject(value)) throw wrongType(name, 'an object');
  return value;
}

export function optionalStringArray(body: JsonObject, name: string): string[] | null {
  const value = body[name];
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw wrongType(name, 'an array of strings');
  return value as string[];
}

export function optionalArray(body: JsonObject, name: string): JsonValue[] | null {
  const value = body[name];
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw wrongType(name, 'an array');
  return value;
}

type Query = Record<string, string | string[] | undefined>;

/** A single query parameter (the first, if repeated). */
export function queryString(query: Query, name: string): string | null {
  const value = query[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

export function queryInteger(query: Query, name: string, options: { min?: number; max?: number } = {}): number | null {
  const raw = queryString(query, name);
  if (raw === null || raw === '') return null;
  if (!/^-?\d+$/.test(raw)) throw MatrixError.invalidParam(`Query parameter ${name} must be an integer`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || (options.min !== undefined && value < options.min) || (options.max !== undefined && value > options.max)) {
    throw MatrixError.invalidParam(`Query parameter ${name} is out of range`);
  }
  return value;
}

export function queryBoolean(query: Query, name: string, fallback: boolean): boolean {
  const raw = queryString(query, name);
  if (raw === null) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw MatrixError.invalidParam(`Query parameter ${name} must be true or false`);
}
