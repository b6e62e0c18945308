/**
 * An AuthChainSource over an in-memory auth DAG, counting what it is asked for, so tests can check both the
 * answers of the auth chain walk and how much of the DAG it had to load.
 */
import type { AuthChainSource, AuthEdges } from '../../core/state/authChainSource.ts';
import type { RoomEvent } from '../../core/events/roomEvent.ts';

export class MemoryAuthChainSource implements AuthChainSource {
  /** Every event ID asked for, in order (repeats included). */
  readonly requested: string[] = [];
  calls = 0;

  constructor(readonly edges: ReadonlyMap<string, AuthEdges>) {}

  /** From `{ event: [auth events] }` and `{ event: depth }`. */
  static fromGraph(authEvents: Readonly<Record<string, readonly string[]>>, depths: Readonly<Record<string, number>>): MemoryAuthChainSource {
    const edges = new Map<string, AuthEdges>();
    for (const [id, depth] of Object.entries(depths)) edges.set(id, { depth, authEventIds: authEvents[id] ?? [] });
    return new MemoryAuthChainSource(edges);
  }

  static fromEvents(events: Iterable<RoomEvent>): MemoryAuthChainSource {
    const edges = new Map<string, AuthEdges>();
    for (const event of events) edges.set(event.eventId, { depth: event.depth, authEventIds: event.authEventIds });
    return new MemoryAuthChainSource(edges);
  }

  async getAuthEdges(eventIds: readonly string[]): Promise<Map<string, AuthEdges>> {
    this.calls++;
    this.requested.push(...eventIds);
    const found = new Map<string, AuthEdges>();
    for (const id of eventIds) {
      const entry = this.edges.get(id);
      if (entry) found.set(id, entry);
    }
    return found;
  }

  /** How many distinct events it was asked for. */
  get distinctRequested(): number {
    return new Set(this.requested).size;
  }
}
