/** The JSON bodies of the replication endpoints (see replicationRoutes.ts). */
import type { CacheKey } from '../storage/cache/cacheKey.ts';

export interface ReplicatedEventRequest {
  readonly room_version: string;
  readonly event_id: string;
  readonly event: unknown;
  readonly internal?: Record<string, unknown>;
  readonly context: {
    readonly state_group_before: number | null;
    readonly state_group_after: number | null;
    readonly rejected_reason: string | null;
  };
}

export interface PositionsResponse {
  readonly events: number;
  readonly caches: number;
  /** Cache invalidations after the caller's `caches_after`, up to `caches`; at most a page of them. */
  readonly invalidations: readonly { readonly stream_id: number; readonly cache: string; readonly key: CacheKey | null }[];
}
