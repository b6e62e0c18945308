/**
 * The server's StateResolver: state resolution v1 or v2 as the room version says, over an injected auth chain
 * source (the `event_auth` store in production) and event loader. Storage calls it through the StateResolver
 * interface and never sees the algorithms.
 */
import type { RoomVersion } from '../events/roomVersions.ts';
import { StateResolutionAlgorithm } from '../events/roomVersions.ts';
import type { AuthChainSource } from './authChainSource.ts';
import { computeAuthChainDifference, type AuthChainDifference } from './authChainDifference.ts';
import type { RejectedEventLookup } from './resolutionEventCache.ts';
import { resolveStateV1 } from './stateResolutionV1.ts';
import { resolveStateV2 } from './stateResolutionV2.ts';
import type { EventLoader, StateResolver } from './stateResolver.ts';
import type { StateMap } from './stateMap.ts';

/** Where rejections are recorded (the `main` store's `rejections` table implements it). */
export interface RejectedEventsSource {
  getRejectedEventIds(eventIds: readonly string[]): Promise<ReadonlySet<string>>;
}

export interface RoomStateResolverOptions {
  /** The auth DAG as stored. */
  readonly authChains: AuthChainSource;
  /** Rejection status for v2's iterative auth checks; without it no event counts as rejected. */
  readonly rejections?: RejectedEventsSource;
  /**
   * Loads events for every resolution. When absent, the loader each `resolve` call passes is used (storage
   * passes its own). Events it returns that the auth chain source lacks are treated as not yet persisted.
   */
  readonly loadEvents?: EventLoader;
  /** Frontier events the auth chain walk expands per round trip. */
  readonly authChainBatchSize?: number;
}

export class RoomStateResolver implements StateResolver {
  constructor(private readonly options: RoomStateResolverOptions) {}

  async resolve(roomId: string, roomVersion: RoomVersion, stateSets: readonly StateMap[], loadEvents: EventLoader): Promise<StateMap> {
    const loader = this.options.loadEvents ?? loadEvents;
    if (roomVersion.stateResolution === StateResolutionAlgorithm.V1) {
      return resolveStateV1({ roomId, roomVersion, stateSets, loadEvents: loader });
    }
    const { authChains, rejections, authChainBatchSize } = this.options;
    const authChainDifference: AuthChainDifference = (sets) =>
      computeAuthChainDifference(sets, authChains, {
        // In-memory events reach the walk through the loader: whatever it knows that storage does not.
        loadUnpersisted: loader,
        ...(authChainBatchSize === undefined ? {} : { batchSize: authChainBatchSize }),
      });
    const rejectedLookup: RejectedEventLookup | undefined = rejections ? (ids) => rejections.getRejectedEventIds(ids) : undefined;
    return resolveStateV2({
      roomId,
      roomVersion,
      stateSets,
      loadEvents: loader,
      authChainDifference,
      ...(rejectedLookup ? { loadRejected: rejectedLookup } : {}),
    });
  }
}
