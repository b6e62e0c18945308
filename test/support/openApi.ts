/**
 * The spec's OpenAPI definitions (../shared/matrix-spec/data/api), loaded with their $refs resolved, so tests
 * can validate real responses against the operation they answer. Operations are found by method and concrete
 * request path (e.g. GET /_matrix/client/v3/rooms/!a:b/state), using each file's default basePath.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { matrixSpecDir } from './matrixSpec.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonMap = { [k: string]: Json };

export type ApiName = 'client-server' | 'server-server';

export interface Operation {
  readonly api: ApiName;
  readonly file: string;
  readonly method: string;
  readonly pathTemplate: string;
  readonly operationId: string;
  readonly responses: Readonly<Record<string, JsonMap>>;
  readonly matcher: RegExp;
  readonly deprecated: boolean;
}

const fileCache = new Map<string, Json>();

function loadYaml(path: string): Json {
  let doc = fileCache.get(path);
  if (doc === undefined) {
    doc = parseYaml(readFileSync(path, 'utf8')) as Json;
    fileCache.set(path, doc);
  }
  return doc;
}

function pointer(doc: Json, fragment: string): Json {
  if (!fragment || fragment === '/') return doc;
  let node: Json = doc;
  for (const raw of fragment.replace(/^\//, '').split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as JsonMap)[key]!;
    if (node === undefined) throw new Error(`bad JSON pointer ${fragment}`);
  }
  return node;
}

/** Inlines every $ref (relative files and #/pointers), keeping sibling keys. Cycles are cut with `{}`. */
function resolveRefs(node: Json, file: string, seen: readonly string[] = []): Json {
  if (Array.isArray(node)) return node.map((n) => resolveRefs(n, file, seen));
  if (node === null || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') {
    const [target, fragment = ''] = node.$ref.split('#');
    const targetFile = target ? resolve(dirname(file), target) : file;
    const id = `${targetFile}#${fragment}`;
    if (seen.includes(id)) return {};
    const { $ref: _r, ...siblings } = node;
    // The shared checkout lacks some APIs (the identity service); their schemas then accept anything.
    if (!existsSync(targetFile)) return resolveRefs(siblings, file, seen);
    const resolved = resolveRefs(pointer(loadYaml(targetFile), fragment), targetFile, [...seen, id]);
    return typeof resolved === 'object' && resolved !== null && !Array.isArray(resolved)
      ? { ...resolved, ...(resolveRefs(siblings, file, seen) as JsonMap) }
      : resolved;
  }
  const out: JsonMap = {};
  for (const [k, v] of Object.entries(node)) out[k] = resolveRefs(v, file, seen);
  return out;
}

const operationsCache = new Map<ApiName, Operation[]>();

export function operations(api: ApiName): Operation[] {
  const cached = operationsCache.get(api);
  if (cached) return cached;
  const dir = join(matrixSpecDir(), 'data', 'api', api);
  const ops: Operation[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const file = join(dir, name);
    const doc = loadYaml(file) as JsonMap;
    const paths = doc.paths as JsonMap | undefined;
    if (!paths) continue;
    const servers = (doc.servers as JsonMap[] | undefined) ?? [];
    const basePath = String(((servers[0]?.variables as JsonMap | undefined)?.basePath as JsonMap | undefined)?.default ?? '');
    for (const [path, item] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(item as JsonMap)) {
        if (!['get', 'put', 'post', 'delete', 'patch'].includes(method)) continue;
        const operation = resolveRefs(op, file) as JsonMap;
        const template = basePath + path;
        const pattern = template
          .split(/(\{[^}]+\})/)
          .map((part) => (part.startsWith('{') ? '[^/]*' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
          .join('');
        ops.push({
          api,
          file: name,
          method: method.toUpperCase(),
          pathTemplate: template,
          operationId: String(operation.operationId ?? `${method} ${template}`),
          responses: (operation.responses ?? {}) as Record<string, JsonMap>,
          matcher: new RegExp(`^${pattern}$`),
          deprecated: operation.deprecated === true,
        });
      }
    }
  }
  operationsCache.set(api, ops);
  return ops;
}

export function findOperation(api: ApiName, method: string, requestPath: string): Operation {
  const path = requestPath.split('?')[0]!;
  const matches = operations(api).filter((op) => op.method === method.toUpperCase() && op.matcher.test(path));
  if (matches.length === 0) throw new Error(`no ${api} operation for ${method} ${path}`);
  // Prefer the most specific template (fewest parameters) when several match.
  matches.sort((a, b) => (a.pathTemplate.match(/\{/g)?.length ?? 0) - (b.pathTemplate.match(/\{/g)?.length ?? 0));
  return matches[0]!;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
// The spec's own identifier formats (appendices): checked loosely, by sigil and shape.
const MATRIX_FORMATS: Record<string, RegExp> = {
  'mx-user-id': /^@[^:]*:.+$/,
  'mx-room-id': /^![^:]+(:.+)?$/,
  'mx-event-id': /^\$.+$/,
  'mx-room-alias': /^#[^:]*:.+$/,
  'mx-server-name': /^[A-Za-z0-9.:\-[\]]+$/,
  'mx-mxc-uri': /^mxc:\/\/[^/]+\/[^/]+$/,
  'mx-unpadded-base64': /^[A-Za-z0-9+/]*$/,
  'mx-urlsafe-unpadded-base64': /^[A-Za-z0-9_-]*$/,
};
for (const [name, pattern] of Object.entries(MATRIX_FORMATS)) ajv.addFormat(name, pattern);
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
ajv.addFormat('float', { type: 'number', validate: () => true });
const validators = new Map<string, ReturnType<typeof ajv.compile>>();

/** Validates a response body against the spec; returns a list of problems (empty when valid). */
export function validateResponse(api: ApiName, method: string, requestPath: string, status: number, body: unknown): string[] {
  const op = findOperation(api, method, requestPath);
  const response = op.responses[String(status)];
  if (!response) {
    // The spec lists only typical errors per operation; any error must still be a standard Matrix error body.
    if (status >= 400) return standardErrorProblems(op.operationId, status, body);
    return [`${op.operationId} defines no ${status} response (has ${Object.keys(op.responses).join(', ')})`];
  }
  const schema = ((response.content as JsonMap | undefined)?.['application/json'] as JsonMap | undefined)?.schema;
  if (!schema) return [];
  const key = `${op.api} ${op.method} ${op.pathTemplate} ${status}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(stripExamples(schema) as object);
    validators.set(key, validate);
  }
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${op.operationId} ${status}: ${e.instancePath || '(root)'} ${e.message}`);
}

function standardErrorProblems(operationId: string, status: number, body: unknown): string[] {
  const error = body as { errcode?: unknown; error?: unknown } | null;
  const problems: string[] = [];
  if (typeof error?.errcode !== 'string' || !/^M_[A-Z_]+$/.test(error.errcode)) problems.push(`${operationId} ${status}: errcode must be an M_ code`);
  if (typeof error?.error !== 'string') problems.push(`${operationId} ${status}: error must be a string`);
  return problems;
}

/** OpenAPI's `example` members are not JSON Schema; Ajv ignores them with strict off, but they can be huge. */
function stripExamples(node: Json): Json {
  if (Array.isArray(node)) return node.map(stripExamples);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonMap = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'example' && k !== 'examples') out[k] = stripExamples(v);
  return out;
}

/** The documented example of a response, when the spec gives one. */
export function responseExample(op: Operation, status: number): unknown {
  const media = (op.responses[String(status)]?.content as JsonMap | undefined)?.['application/json'] as JsonMap | undefined;
  return media?.example ?? (media?.examples as JsonMap | undefined);
}
