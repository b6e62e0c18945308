/**
 * One part of a filter (`timeline`, `state`, `presence`, ...) applied to events: `types` / `not_types` with `*`
 * matching any run of characters, exact `senders` / `not_senders` and `rooms` / `not_rooms` (exclusions win over
 * inclusions), and `contains_url`. An absent list does not restrict.
 */
import type { EventFilterDefinition, RoomEventFilterDefinition } from './filterDefinition.ts';

export interface FilterableEvent {
  readonly type: string;
  /** Absent for events without one (ephemeral events, account data). */
  readonly sender?: string;
  readonly roomId?: string;
  readonly content?: Readonly<Record<string, unknown>>;
}

export class EventFilter {
  private readonly types: readonly RegExp[] | null;
  private readonly notTypes: readonly RegExp[];
  private readonly senders: ReadonlySet<string> | null;
  private readonly notSenders: ReadonlySet<string>;
  private readonly rooms: ReadonlySet<string> | null;
  private readonly notRooms: ReadonlySet<string>;
  private readonly containsUrl: boolean | null;

  constructor(definition: RoomEventFilterDefinition | EventFilterDefinition = {}) {
    const room = definition as RoomEventFilterDefinition;
    this.types = definition.types ? definition.types.map(typePattern) : null;
    this.notTypes = (definition.not_types ?? []).map(typePattern);
    this.senders = definition.senders ? new Set(definition.senders) : null;
    this.notSenders = new Set(definition.not_senders ?? []);
    this.rooms = room.rooms ? new Set(room.rooms) : null;
    this.notRooms = new Set(room.not_rooms ?? []);
    this.containsUrl = room.contains_url ?? null;
  }

  /** Whether events of this room may pass at all. */
  allowsRoom(roomId: string): boolean {
    if (this.notRooms.has(roomId)) return false;
    return this.rooms === null || this.rooms.has(roomId);
  }

  allowsType(type: string): boolean {
    if (this.notTypes.some((p) => p.test(type))) return false;
    return this.types === null || this.types.some((p) => p.test(type));
  }

  allowsSender(sender: string): boolean {
    if (this.notSenders.has(sender)) return false;
    return this.senders === null || this.senders.has(sender);
  }

  matches(event: FilterableEvent): boolean {
    if (event.roomId !== undefined && !this.allowsRoom(event.roomId)) return false;
    if (!this.allowsType(event.type)) return false;
    if (event.sender !== undefined && !this.allowsSender(event.sender)) return false;
    if (this.containsUrl !== null) {
      const hasUrl = typeof event.content?.url === 'string';
      if (hasUrl !== this.containsUrl) return false;
    }
    return true;
  }
}

function typePattern(pattern: string): RegExp {
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`, 's');
}
