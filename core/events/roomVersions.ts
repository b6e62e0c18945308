/**
 * Room versions 1 to 11 (../shared/matrix-spec/content/rooms). Each version is a set of named rule choices;
 * code asks for the rule ("does this version have knocking?"), never compares version numbers.
 */

/** How events look on the wire and how their IDs are made. */
export enum EventFormat {
  /** v1, v2: `event_id` is a field; prev/auth events are `[id, {sha256}]` pairs. */
  V1 = 1,
  /** v3: event ID is `$` + standard unpadded Base64 of the reference hash; prev/auth events are ID strings. */
  V2 = 2,
  /** v4+: as V2 but with URL-safe unpadded Base64. */
  V3 = 3,
}

export enum StateResolutionAlgorithm {
  V1 = 'v1',
  V2 = 'v2',
}

export enum RedactionAlgorithm {
  /** v1 to v5: `m.room.aliases` keeps `aliases`. */
  V1 = 'v1',
  /** v6 to v8: `m.room.aliases` is no longer special. */
  V6 = 'v6',
  /** v9, v10: member keeps `join_authorised_via_users_server`, join rules keep `allow`. */
  V9 = 'v9',
  /** v11: fewer protected top-level keys; create keeps all content; redaction keeps `redacts`; PL keeps `invite`. */
  V11 = 'v11',
}

export interface RoomVersion {
  readonly identifier: string;
  readonly eventFormat: EventFormat;
  readonly stateResolution: StateResolutionAlgorithm;
  readonly redaction: RedactionAlgorithm;
  /**
   * v1, v2: event IDs carry the origin server's domain. That server must have signed the event, and auth rule 11
   * (redactions) compares the domains of the redaction's and the redacted event's IDs.
   */
  readonly eventIdsHaveDomain: boolean;
  /** v5+: `valid_until_ts` of the signing key must cover `origin_server_ts`. */
  readonly enforceKeyValidity: boolean;
  /** v1-v5: `m.room.aliases` has its own auth rule (state_key must be the sender's domain). */
  readonly specialCaseAliasesAuth: boolean;
  /** v6+: events must be strict canonical JSON (integers in range, no floats). */
  readonly strictCanonicalJson: boolean;
  /** v6+: changes to `notifications` in power levels are checked like `events`. */
  readonly limitNotificationsPowerLevels: boolean;
  /** v7+: the `knock` membership and join rule. */
  readonly knock: boolean;
  /** v8+: the `restricted` join rule with `join_authorised_via_users_server`. */
  readonly restrictedJoinRule: boolean;
  /** v10+: the `knock_restricted` join rule. */
  readonly knockRestrictedJoinRule: boolean;
  /**
   * v10+: power level values must be integers. Before, they may be strings ("stringy power levels"), and
   * in v1-v5, which lack strict canonical JSON, floats too ("floaty power levels").
   */
  readonly integerPowerLevels: boolean;
  /** v11+: the room creator is the create event's sender (no `content.creator`). */
  readonly implicitRoomCreator: boolean;
  /** v11+: `redacts` lives in `content` of `m.room.redaction`. */
  readonly redactsInContent: boolean;
}

const V1: RoomVersion = {
  identifier: '1',
  eventFormat: EventFormat.V1,
  stateResolution: StateResolutionAlgorithm.V1,
  redaction: RedactionAlgorithm.V1,
  eventIdsHaveDomain: true,
  enforceKeyValidity: false,
  specialCaseAliasesAuth: true,
  strictCanonicalJson: false,
  limitNotificationsPowerLevels: false,
  knock: false,
  restrictedJoinRule: false,
  knockRestrictedJoinRule: false,
  integerPowerLevels: false,
  implicitRoomCreator: false,
  redactsInContent: false,
};

const V2: RoomVersion = { ...V1, identifier: '2', stateResolution: StateResolutionAlgorithm.V2 };
const V3: RoomVersion = { ...V2, identifier: '3', eventFormat: EventFormat.V2, eventIdsHaveDomain: false };
const V4: RoomVersion = { ...V3, identifier: '4', eventFormat: EventFormat.V3 };
const V5: RoomVersion = { ...V4, identifier: '5', enforceKeyValidity: true };
const V6: RoomVersion = {
  ...V5,
  identifier: '6',
  redaction: RedactionAlgorithm.V6,
  specialCaseAliasesAuth: false,
  strictCanonicalJson: true,
  limitNotificationsPowerLevels: true,
};
const V7: RoomVersion = { ...V6, identifier: '7', knock: true };
const V8: RoomVersion = { ...V7, identifier: '8', restrictedJoinRule: true };
const V9: RoomVersion = { ...V8, identifier: '9', redaction: RedactionAlgorithm.V9 };
const V10: RoomVersion = {
  ...V9,
  identifier: '10',
  knockRestrictedJoinRule: true,
  integerPowerLevels: true,
};
const V11: RoomVersion = {
  ...V10,
  identifier: '11',
  redaction: RedactionAlgorithm.V11,
  implicitRoomCreator: true,
  redactsInContent: true,
};

export const KNOWN_ROOM_VERSIONS: ReadonlyMap<string, RoomVersion> = new Map(
  [V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11].map((v) => [v.identifier, Object.freeze(v)]),
);

/** Used for new rooms unless the request or config names another. */
export const DEFAULT_ROOM_VERSION = '11';

/** The versions advertised as stable in `/capabilities`. */
export function roomVersionCapabilities(): Record<string, 'stable' | 'unstable'> {
  return Object.fromEntries([...KNOWN_ROOM_VERSIONS.keys()].map((id) => [id, 'stable' as const]));
}

export class UnsupportedRoomVersionError extends Error {
  override readonly name = 'UnsupportedRoomVersionError';
  constructor(readonly identifier: unknown) {
    super(`unsupported room version ${JSON.stringify(identifier)}`);
  }
}

export function getRoomVersion(identifier: string): RoomVersion {
  const version = KNOWN_ROOM_VERSIONS.get(identifier);
  if (!version) throw new UnsupportedRoomVersionError(identifier);
  return version;
}

export function isKnownRoomVersion(identifier: unknown): identifier is string {
  return typeof identifier === 'string' && KNOWN_ROOM_VERSIONS.has(identifier);
}
