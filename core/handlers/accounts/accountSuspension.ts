/**
 * What a suspended account may not do (spec "Account suspension", its recommended list, as Synapse does): join,
 * knock, invite or accept an invite, send messages or state (its own profile included), redact others' events,
 * create or upgrade rooms, moderate members, upload media. It may still read and sync, leave rooms and reject
 * invites, redact its own events, verify devices and use key backup, report, log out and deactivate.
 */
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';

export function assertNotSuspended(requester: Requester): void {
  if (requester.suspended) throw new MatrixError(403, 'M_USER_SUSPENDED', 'You cannot perform this action while suspended.');
}
