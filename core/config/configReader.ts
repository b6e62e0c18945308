/**
 * Reads typed values out of a parsed YAML document, field by field, raising ConfigError with the field's path.
 * Unknown keys are refused so that a typo does not silently fall back to a default.
 */
import { ConfigError } from './configError.ts';

export type Raw = Record<string, unknown>;

export class ConfigReader {
  constructor(
    private readonly raw: Raw,
    private readonly path: string,
  ) {}

  static root(raw: unknown): ConfigReader {
    if (raw === null || raw === undefined) return new ConfigReader({}, '');
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('', 'must be a mapping of settings');
    return new ConfigReader(raw as Raw, '');
  }

  private field(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  /** Refuses keys other than `known`. */
  onlyKeys(known: readonly string[]): void {
    for (const key of Object.keys(this.raw)) {
      if (!known.includes(key)) throw new ConfigError(this.field(key), `is not a known setting (known here: ${known.join(', ')})`);
    }
  }

  string(key: string, fallback: string, check?: (v: string) => string | null): string {
    const value = this.raw[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string' || value === '') throw new ConfigError(this.field(key), `must be a non-empty string (got ${show(value)})`);
    const problem = check?.(value);
    if (problem) throw new ConfigError(this.field(key), problem);
    return value;
  }

  optionalString(key: string, fallback: string | null, check?: (v: string) => string | null): string | null {
    if (!this.has(key)) return fallback;
    return this.string(key, '', check);
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    const value = this.raw[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(this.field(key), `must be an integer from ${min} to ${max} (got ${show(value)})`);
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw new ConfigError(this.field(key), `must be true or false (got ${show(value)})`);
    return value;
  }

  oneOf<T extends string>(key: string, fallback: T, choices: readonly T[]): T {
    const value = this.raw[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      throw new ConfigError(this.field(key), `must be one of ${choices.join(', ')} (got ${show(value)})`);
    }
    return value as T;
  }

  /** A list of strings; `fallback` when absent. */
  stringList(key: string, fallback: readonly string[], check?: (v: string) => string | null): string[] {
    const value = this.raw[key];
    if (value === undefined || value === null) return [...fallback];
    if (!Array.isArray(value)) throw new ConfigError(this.field(key), `must be a list of strings (got ${show(value)})`);
    return value.map((item, i) => {
      if (typeof item !== 'string' || item === '') throw new ConfigError(`${this.field(key)}[${i}]`, `must be a non-empty string (got ${show(item)})`);
      const problem = check?.(item);
      if (problem) throw new ConfigError(`${this.field(key)}[${i}]`, problem);
      return item;
    });
  }

  /** A nested mapping; null when absent. */
  section(key: string): ConfigReader | null {
    const value = this.raw[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(this.field(key), `must be a mapping (got ${show(value)})`);
    return new ConfigReader(value as Raw, this.field(key));
  }

  /** A list of mappings, each as its own reader (e.g. the relay service's tenants); empty when absent. */
  sectionList(key: string): ConfigReader[] {
    const value = this.raw[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw new ConfigError(this.field(key), `must be a list of mappings (got ${show(value)})`);
    return value.map((item, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new ConfigError(`${this.field(key)}[${i}]`, `must be a mapping (got ${show(item)})`);
      return new ConfigReader(item as Raw, `${this.field(key)}[${i}]`);
    });
  }

  /** A mapping of string to string (e.g. the federation resolve map). */
  stringMap(key: string, check?: (k: string, v: string) => string | null): Record<string, string> {
    const section = this.section(key);
    if (!section) return {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(section.raw)) {
      if (typeof v !== 'string') throw new ConfigError(section.field(k), `must be a string (got ${show(v)})`);
      const problem = check?.(k, v);
      if (problem) throw new ConfigError(section.field(k), problem);
      out[k] = v;
    }
    return out;
  }

  /** Each entry of a mapping as its own reader (e.g. instance_map). */
  entries(key: string): [string, ConfigReader][] {
    const section = this.section(key);
    if (!section) return [];
    return Object.keys(section.raw).map((k) => {
      const child = section.section(k);
      if (!child) throw new ConfigError(section.field(k), 'must be a mapping');
      return [k, child];
    });
  }

  fail(key: string, problem: string): never {
    throw new ConfigError(this.field(key), problem);
  }
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? text.slice(0, 57) + '...' : text;
}
