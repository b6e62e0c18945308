/**
 * Rooms with forks, for state resolution tests: real signed events (buildEvent, one key per server via
 * roomFixture's signers), auth events picked from the branch's own state by the auth events selection, explicit
 * prev events, depths and timestamps. A branch is one line of history with its state; `fork` copies it so two
 * branches can diverge from the same event, as two servers' views do.
 */
import type { JsonObject } from '../../core/crypto/canonicalJson.ts';
import { buildEvent } from '../../core/events/eventBuilder.ts';
import type { RoomEvent } from '../../core/events/roomEvent.ts';
import { getRoomVersion, type RoomVersion } from '../../core/events/roomVersions.ts';
import { selectAuthEventKeys } from '../../core/auth/authEventSelection.ts';
import { checkEventAuth, checkEventAuthAgainstState } from '../../core/auth/eventAuth.ts';
import { stateKey, stateKeyOf, type StateKeyTuple } from '../../core/auth/stateKey.ts';
import type { EventLoader } from '../../core/state/stateResolver.ts';
import { ALICE, serverOf, signerFor } from './roomFixture.ts';
import { MemoryAuthChainSource } from './memoryAuthChainSource.ts';

export const DAG_ROOM_ID = '!dag:a.test';

export interface DagEventSpec {
  type: string;
  sender: string;
  stateKey?: string;
  content?: JsonObject;
  /** Default: the branch clock's next tick. */
  ts?: number;
  /** Skip the check against the branch's state (the event must still pass against its own auth events). */
  unchecked?: boolean;
}

export class DagRoom {
  readonly version: RoomVersion;
  readonly events = new Map<string, RoomEvent>();
  /** Timestamps grow by one per event unless a spec gives one. */
  private clock = 1_000_000;

  constructor(versionId: string) {
    this.version = getRoomVersion(versionId);
  }

  /** A room as a server creates it (create, creator's join, power levels, join rules) and its only branch. */
  static create(
    versionId: string,
    options: { creator?: string; powerLevels?: JsonObject; joinRule?: string } = {},
  ): { room: DagRoom; main: DagBranch } {
    const room = new DagRoom(versionId);
    const creator = options.creator ?? ALICE;
    const main = new DagBranch(room, new Map(), []);
    const createContent: JsonObject = { room_version: versionId };
    if (!room.version.implicitRoomCreator) createContent.creator = creator;
    main.send({ type: 'm.room.create', sender: creator, stateKey: '', content: createContent });
    main.send({ type: 'm.room.member', sender: creator, stateKey: creator, content: { membership: 'join' } });
    main.send({ type: 'm.room.power_levels', sender: creator, stateKey: '', content: options.powerLevels ?? { users: { [creator]: 100 } } });
    main.send({ type: 'm.room.join_rules', sender: creator, stateKey: '', content: { join_rule: options.joinRule ?? 'public' } });
    return { room, main };
  }

  nextTs(): number {
    return ++this.clock;
  }

  /** Loads the room's events (unknown IDs are absent). */
  readonly loadEvents: EventLoader = async (eventIds) => {
    const found = new Map<string, RoomEvent>();
    for (const id of eventIds) {
      const event = this.events.get(id);
      if (event) found.set(id, event);
    }
    return found;
  };

  /** The room's auth DAG as an AuthChainSource (all events count as persisted). */
  authChains(): MemoryAuthChainSource {
    return MemoryAuthChainSource.fromEvents(this.events.values());
  }
}

export class DagBranch {
  constructor(
    readonly room: DagRoom,
    readonly state: Map<StateKeyTuple, RoomEvent>,
    /** The branch's forward extremities (prev events of its next event). */
    public latest: RoomEvent[],
  ) {}

  fork(): DagBranch {
    return new DagBranch(this.room, new Map(this.state), [...this.latest]);
  }

  /** Builds, checks and applies an event on this branch. */
  send(spec: DagEventSpec): RoomEvent {
    const room = this.room;
    const content = spec.content ?? {};
    const authEvents = selectAuthEventKeys({ type: spec.type, sender: spec.sender, stateKey: spec.stateKey ?? null, content }, room.version)
      .map((k) => this.state.get(stateKey(k.type, k.stateKey)))
      .filter((e): e is RoomEvent => e !== undefined);
    const event = buildEvent(
      {
        type: spec.type,
        roomId: DAG_ROOM_ID,
        sender: spec.sender,
        content,
        ...(spec.stateKey !== undefined ? { stateKey: spec.stateKey } : {}),
        prevEvents: this.latest,
        authEventIds: authEvents.map((e) => e.eventId),
        originServerTs: spec.ts ?? room.nextTs(),
      },
      room.version,
      signerFor(serverOf(spec.sender)),
    );
    checkEventAuth(event, authEvents);
    if (!spec.unchecked) checkEventAuthAgainstState(event, this.state);
    room.events.set(event.eventId, event);
    const key = stateKeyOf(event);
    if (key !== null) this.state.set(key, event);
    this.latest = [event];
    return event;
  }

  /** Shorthands. */
  join(userId: string, content: JsonObject = {}): RoomEvent {
    return this.send({ type: 'm.room.member', sender: userId, stateKey: userId, content: { membership: 'join', ...content } });
  }
  member(sender: string, target: string, membership: string, content: JsonObject = {}): RoomEvent {
    return this.send({ type: 'm.room.member', sender, stateKey: target, content: { membership, ...content } });
  }
  powerLevels(sender: string, content: JsonObject, ts?: number): RoomEvent {
    return this.send({ type: 'm.room.power_levels', sender, stateKey: '', content, ...(ts === undefined ? {} : { ts }) });
  }
  topic(sender: string, topic: string, ts?: number): RoomEvent {
    return this.send({ type: 'm.room.topic', sender, stateKey: '', content: { topic }, ...(ts === undefined ? {} : { ts }) });
  }

  /** The branch's state as event IDs (a state set for the resolver). */
  stateIds(): Map<StateKeyTuple, string> {
    return new Map([...this.state].map(([k, e]) => [k, e.eventId]));
  }
}
