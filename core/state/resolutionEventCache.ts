/**
 * The events one state resolution works on, loaded in batches through the injected EventLoader and kept for the
 * rest of that resolution (the algorithms look the same auth events up many times). Events the loader cannot
 * find are remembered as missing: the algorithms then skip them, as the spec and Synapse do.
 */
import type { RoomEvent } from '../events/roomEvent.ts';
import type { EventLoader } from './stateResolver.ts';

/** Of the given event IDs, those that were rejected when received. */
export type RejectedEventLookup = (eventIds: readonly string[]) => Promise<ReadonlySet<string>>;

/** A state set names an event of another room: the state given to the resolver is corrupt. */
export class WrongRoomEventError extends Error {
  override readonly name = 'WrongRoomEventError';
}

export class ResolutionEventCache {
  private readonly events = new Map<string, RoomEvent | null>();
  private readonly rejected = new Set<string>();

  constructor(
    readonly roomId: string,
    private readonly loadEvents: EventLoader,
    private readonly loadRejected?: RejectedEventLookup,
  ) {}

  /** Loads those of `eventIds` not tried yet, in one call (and their rejection status in one more). */
  async load(eventIds: Iterable<string>): Promise<void> {
    const wanted = [...new Set(eventIds)].filter((id) => !this.events.has(id));
    if (wanted.length === 0) return;
    const found = await this.loadEvents(wanted);
    const present: string[] = [];
    for (const id of wanted) {
      const event = found.get(id) ?? null;
      // As Synapse does: resolving with another room's event would silently mix rooms, so refuse loudly.
      if (event && event.roomId !== this.roomId) {
        throw new WrongRoomEventError(`state resolution for ${this.roomId} was given event ${id} of room ${event.roomId}`);
      }
      this.events.set(id, event);
      if (event) present.push(id);
    }
    if (this.loadRejected && present.length > 0) for (const id of await this.loadRejected(present)) this.rejected.add(id);
  }

  /** A loaded event; undefined when it is missing or was never asked for. */
  get(eventId: string): RoomEvent | undefined {
    return this.events.get(eventId) ?? undefined;
  }

  isRejected(eventId: string): boolean {
    return this.rejected.has(eventId);
  }
}
