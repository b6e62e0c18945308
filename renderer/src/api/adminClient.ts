/**
 * The renderer's typed client of the desktop admin API: one `call` per endpoint of AdminEndpoints, with the
 * request and response types of that endpoint. Errors come back as AdminApiError carrying the Matrix errcode
 * and, for settings, the per-field messages.
 */
import type { AdminApiPrefix, AdminEndpoint, AdminEndpoints, AdminErrorBody } from '../../../core/http/admin/adminApiTypes.ts';

export const ADMIN_API_PREFIX: AdminApiPrefix = '/_desktop/api';

export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly errcode: string,
    message: string,
    readonly fieldErrors: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

type PathParams<E extends string> = E extends `${string}{${infer P}}${infer Rest}` ? { [K in P]: string } & PathParams<Rest> : unknown;

export type CallOptions<E extends AdminEndpoint> = (AdminEndpoints[E]['request'] extends null ? { body?: undefined } : { body: AdminEndpoints[E]['request'] }) & {
  params?: PathParams<E>;
  query?: Record<string, string>;
};

export class AdminClient {
  constructor(
    readonly token: string,
    /** Empty for the page's own origin (the core serves the UI). */
    private readonly origin = '',
  ) {}

  async call<E extends AdminEndpoint>(endpoint: E, options?: CallOptions<E>): Promise<AdminEndpoints[E]['response']> {
    const [method, template] = endpoint.split(' ') as [string, string];
    const params = (options?.params ?? {}) as Record<string, string>;
    let path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
    if (options?.query) path += `?${new URLSearchParams(options.query).toString()}`;
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
    let body: string | undefined;
    if (options?.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['Content-Type'] = 'application/json';
    }
    let response: Response;
    try {
      response = await fetch(`${this.origin}${ADMIN_API_PREFIX}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    } catch (e) {
      throw new AdminApiError(0, 'M_CONNECTION_FAILED', `The server cannot be reached (${(e as Error).message})`);
    }
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!response.ok) {
      const error = (parsed ?? {}) as Partial<AdminErrorBody>;
      throw new AdminApiError(response.status, error.errcode ?? 'M_UNKNOWN', error.error ?? `HTTP ${response.status}`, error.field_errors ?? {});
    }
    return parsed as AdminEndpoints[E]['response'];
  }
}
