/**
 * What the rules read while checking one event: the room state they are evaluated against (the event's auth events,
 * the state before it, or the current state), the injected signature predicate, and lazily parsed power levels.
 */
import type { RoomEvent } from '../events/roomEvent.ts';
import { AuthError } from './authError.ts';
import { PowerLevels } from './powerLevels.ts';
import { stateKey, type AuthState } from './stateKey.ts';

export interface EventAuthOptions {
  /**
   * Whether `event` carries a valid signature of `serverName`. Signatures are verified before auth (by the key
   * ring); the rules only ask for the ones they need beyond the sender's (the authorising server of a restricted
   * join, and the event ID's server in v1/v2). Defaults to "a signature from that server is present".
   */
  readonly isSignedBy?: (serverName: string, event: RoomEvent) => boolean;
  /** Rule 2.3: whether an auth event was itself rejected. Defaults to "no" (callers usually never pass rejected events). */
  readonly isRejected?: (event: RoomEvent) => boolean;
}

/** The default `isSignedBy`: the event has at least one signature under `serverName`. */
export function hasSignatureFrom(serverName: string, event: RoomEvent): boolean {
  const byKey = event.pdu.signatures[serverName];
  return typeof byKey === 'object' && byKey !== null && Object.keys(byKey).length > 0;
}

export class AuthContext {
  private cachedPowerLevels: PowerLevels | undefined;

  constructor(
    readonly event: RoomEvent,
    readonly state: AuthState,
    readonly options: EventAuthOptions,
    /** The room's create event from `state`, checked to exist by the caller. */
    readonly create: RoomEvent,
  ) {}

  get(type: string, sk: string): RoomEvent | undefined {
    return this.state.get(stateKey(type, sk));
  }

  isSignedBy(serverName: string): boolean {
    return (this.options.isSignedBy ?? hasSignatureFrom)(serverName, this.event);
  }

  /** `userId`'s current membership, or null when they have no (well-formed) member event. */
  membershipOf(userId: string): string | null {
    return this.get('m.room.member', userId)?.membership ?? null;
  }

  get powerLevels(): PowerLevels {
    this.cachedPowerLevels ??= PowerLevels.fromState(this.get('m.room.power_levels', ''), this.create, this.event.roomVersion);
    return this.cachedPowerLevels;
  }

  levelOf(userId: string): number {
    return this.powerLevels.userLevel(userId);
  }

  /**
   * The current join rule. A room without `m.room.join_rules` (or whose content lacks `join_rule`) is
   * invite-only, as Synapse treats it; a non-string `join_rule` reads as null, which no rule accepts.
   */
  get joinRule(): string | null {
    const event = this.get('m.room.join_rules', '');
    if (!event) return 'invite';
    const rule = event.content.join_rule;
    if (rule === undefined) return 'invite';
    return typeof rule === 'string' ? rule : null;
  }

  reject(reason: string): never {
    throw new AuthError(reason);
  }
}
