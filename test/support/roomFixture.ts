/**
 * A small room for auth tests: real signed events (buildEvent, one generated signing key per server), auth events
 * picked from the room's state by the auth events selection, and the state map the rules read. Setup events are
 * applied with `apply` (checked) or `force` (unchecked, to reach odd states quickly).
 */
import assert from 'node:assert/strict';
import type { JsonObject } from '../../core/crypto/canonicalJson.ts';
import { SigningKey } from '../../core/crypto/signingKey.ts';
import { buildEvent, type EventSigner } from '../../core/events/eventBuilder.ts';
import { addEventSignature, hashAndSignEvent } from '../../core/events/eventSigning.ts';
import { assertValidPdu } from '../../core/events/eventValidation.ts';
import { domainOf } from '../../core/events/identifiers.ts';
import type { Pdu } from '../../core/events/pdu.ts';
import { RoomEvent } from '../../core/events/roomEvent.ts';
import { getRoomVersion, type RoomVersion } from '../../core/events/roomVersions.ts';
import { selectAuthEventKeys } from '../../core/auth/authEventSelection.ts';
import { AuthError } from '../../core/auth/authError.ts';
import { checkEventAuth, checkEventAuthAgainstState, type EventAuthOptions } from '../../core/auth/eventAuth.ts';
import { stateKey, stateKeyOf, type StateKeyTuple } from '../../core/auth/stateKey.ts';

export const ALICE = '@alice:a.test';
export const BOB = '@bob:b.test';
export const CAROL = '@carol:c.test';
export const DAVE = '@dave:a.test';
export const ROOM_ID = '!room:a.test';

/** Every room version the rules cover. */
export const ALL_VERSIONS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11'];

const signers = new Map<string, EventSigner>();

/** One signing key per server name for the whole test run. */
export function signerFor(serverName: string): EventSigner {
  let signer = signers.get(serverName);
  if (!signer) {
    signer = { serverName, signingKey: SigningKey.generate() };
    signers.set(serverName, signer);
  }
  return signer;
}

export interface EventSpec {
  type: string;
  sender: string;
  content?: JsonObject;
  stateKey?: string;
  redacts?: string;
  /** Defaults to the room's latest event. */
  prevEvents?: RoomEvent[];
  /** Defaults to the auth events selection over the current state. */
  authEvents?: RoomEvent[];
}

export interface RoomOptions {
  creator?: string;
  /** Content of the power-levels event; null for a room without one. Default: the creator at 100. */
  powerLevels?: JsonObject | null;
  /** The join rule; null for a room without a join rules event. Default: public. */
  joinRule?: string | null;
  /** Extra create content (e.g. `m.federate`). */
  createContent?: JsonObject;
}

export class RoomFixture {
  readonly version: RoomVersion;
  readonly state = new Map<StateKeyTuple, RoomEvent>();
  readonly events = new Map<string, RoomEvent>();
  latest: RoomEvent | null = null;
  create!: RoomEvent;

  constructor(versionId: string) {
    this.version = getRoomVersion(versionId);
  }

  /** A room as a server creates it: create, creator's join, power levels, join rules. */
  static room(versionId: string, options: RoomOptions = {}): RoomFixture {
    const room = new RoomFixture(versionId);
    const creator = options.creator ?? ALICE;
    const createContent: JsonObject = { room_version: versionId, ...(options.createContent ?? {}) };
    if (!room.version.implicitRoomCreator) createContent.creator = creator;
    room.create = room.apply({ type: 'm.room.create', sender: creator, stateKey: '', content: createContent });
    room.apply(room.memberSpec(creator, creator, 'join'));
    const powerLevels = options.powerLevels === undefined ? { users: { [creator]: 100 } } : options.powerLevels;
    if (powerLevels !== null) room.apply({ type: 'm.room.power_levels', sender: creator, stateKey: '', content: powerLevels });
    const joinRule = options.joinRule === undefined ? 'public' : options.joinRule;
    if (joinRule !== null) room.apply({ type: 'm.room.join_rules', sender: creator, stateKey: '', content: { join_rule: joinRule } });
    return room;
  }

  /** An independent copy (events are immutable and shared), to branch many variations off one setup. */
  clone(): RoomFixture {
    const copy = new RoomFixture(this.version.identifier);
    for (const [k, e] of this.state) copy.state.set(k, e);
    for (const [id, e] of this.events) copy.events.set(id, e);
    copy.latest = this.latest;
    copy.create = this.create;
    return copy;
  }

  memberSpec(sender: string, target: string, membership: string, extra: JsonObject = {}): EventSpec {
    return { type: 'm.room.member', sender, stateKey: target, content: { membership, ...extra } };
  }

  /** Builds and signs an event (by the sender's server) without checking or applying it. */
  build(spec: EventSpec): RoomEvent {
    const content = spec.content ?? {};
    const authEvents =
      spec.authEvents ??
      selectAuthEventKeys({ type: spec.type, sender: spec.sender, stateKey: spec.stateKey ?? null, content }, this.version)
        .map((k) => this.state.get(stateKey(k.type, k.stateKey)))
        .filter((e): e is RoomEvent => e !== undefined);
    const prevEvents = spec.prevEvents ?? (this.latest ? [this.latest] : []);
    const event = buildEvent(
      {
        type: spec.type,
        roomId: ROOM_ID,
        sender: spec.sender,
        content,
        ...(spec.stateKey !== undefined ? { stateKey: spec.stateKey } : {}),
        ...(spec.redacts !== undefined ? { redacts: spec.redacts } : {}),
        prevEvents,
        authEventIds: authEvents.map((e) => e.eventId),
      },
      this.version,
      signerFor(serverOf(spec.sender)),
    );
    this.events.set(event.eventId, event);
    for (const e of authEvents) this.events.set(e.eventId, e);
    return event;
  }

  /**
   * Builds an event, then rewrites its wire JSON with `mutate` (for fields the builder cannot express, such as a
   * non-string top-level `redacts`) and signs it again.
   */
  buildRaw(spec: EventSpec, mutate: (pdu: JsonObject) => void): RoomEvent {
    const built = this.build(spec);
    const { hashes: _h, signatures: _s, unsigned: _u, ...rest } = built.pdu;
    const draft = structuredClone(rest) as JsonObject;
    mutate(draft);
    const signer = signerFor(serverOf(spec.sender));
    const pdu = assertValidPdu(hashAndSignEvent(draft, this.version, signer.serverName, signer.signingKey), this.version);
    const event = RoomEvent.fromPdu(pdu, this.version);
    this.events.set(event.eventId, event);
    return event;
  }

  /** The event with an extra signature by `serverName` (e.g. the authorising server of a restricted join). */
  countersign(event: RoomEvent, serverName: string): RoomEvent {
    const signer = signerFor(serverName);
    const pdu = addEventSignature(event.pdu as Pdu, this.version, serverName, signer.signingKey);
    const signed = RoomEvent.fromPdu(pdu, this.version);
    this.events.set(signed.eventId, signed);
    return signed;
  }

  /** The event's auth events, as stored by this fixture. */
  authEventsOf(event: RoomEvent): RoomEvent[] {
    return event.authEventIds.map((id) => {
      const e = this.events.get(id);
      assert.ok(e, `fixture knows auth event ${id}`);
      return e;
    });
  }

  /** Builds an event that must pass both checks, and makes it part of the room. */
  apply(spec: EventSpec): RoomEvent {
    const event = this.build(spec);
    assertAllowed(this, event);
    this.force(event);
    return event;
  }

  /** Makes `event` (or the built spec) part of the room without checking it. */
  force(eventOrSpec: RoomEvent | EventSpec): RoomEvent {
    const event = eventOrSpec instanceof RoomEvent ? eventOrSpec : this.build(eventOrSpec);
    this.events.set(event.eventId, event);
    const key = stateKeyOf(event);
    if (key !== null) this.state.set(key, event);
    this.latest = event;
    return event;
  }

  /** Shorthands for membership changes that must be allowed. */
  join(userId: string, extra: JsonObject = {}): RoomEvent {
    return this.apply(this.memberSpec(userId, userId, 'join', extra));
  }
  invite(sender: string, target: string): RoomEvent {
    return this.apply(this.memberSpec(sender, target, 'invite'));
  }
  /** Puts `userId` in `membership` without checking how they got there. */
  forceMembership(userId: string, membership: string, sender = userId): RoomEvent {
    return this.force(this.memberSpec(sender, userId, membership));
  }
  setPowerLevels(content: JsonObject, sender = ALICE): RoomEvent {
    return this.force({ type: 'm.room.power_levels', sender, stateKey: '', content });
  }
  setJoinRule(joinRule: string | JsonObject, sender = ALICE): RoomEvent {
    const content = typeof joinRule === 'string' ? { join_rule: joinRule } : joinRule;
    return this.force({ type: 'm.room.join_rules', sender, stateKey: '', content });
  }
}

export function serverOf(userId: string): string {
  const domain = domainOf(userId);
  assert.ok(domain, `user ID ${userId} has a domain`);
  return domain;
}

/** The event passes both the check against its auth events and the check against the room's current state. */
export function assertAllowed(room: RoomFixture, event: RoomEvent, options: EventAuthOptions = {}): void {
  checkEventAuth(event, room.authEventsOf(event), options);
  checkEventAuthAgainstState(event, room.state, options);
}

/**
 * The event is rejected with an AuthError whose reason matches `reason`, both against its auth events and
 * against the current state.
 */
export function assertRejected(room: RoomFixture, event: RoomEvent, reason: RegExp, options: EventAuthOptions = {}): void {
  const isAuthError = (e: unknown) => {
    assert.ok(e instanceof AuthError, `expected an AuthError, got ${String(e)}`);
    assert.match(e.message, reason);
    return true;
  };
  assert.throws(() => checkEventAuth(event, room.authEventsOf(event), options), isAuthError);
  assert.throws(() => checkEventAuthAgainstState(event, room.state, options), isAuthError);
}

/** Only the check against the current state (for states the auth events selection cannot express). */
export function assertRejectedAgainstState(room: RoomFixture, event: RoomEvent, reason: RegExp, options: EventAuthOptions = {}): void {
  assert.throws(
    () => checkEventAuthAgainstState(event, room.state, options),
    (e: unknown) => {
      assert.ok(e instanceof AuthError, `expected an AuthError, got ${String(e)}`);
      assert.match(e.message, reason);
      return true;
    },
  );
}
