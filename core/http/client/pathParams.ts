/** Path parameters of client routes, checked: a malformed room ID is 400 M_INVALID_PARAM; a bad event ID finds nothing. */
import type { Context } from 'koa';
import { isValidEventId, isValidRoomId } from '../../events/identifiers.ts';
import { MatrixError } from '../../handlers/matrixError.ts';

export function roomIdParam(ctx: Context): string {
  const roomId = String(ctx.params.roomId);
  if (!isValidRoomId(roomId)) throw MatrixError.invalidParam(`${roomId} is not a valid room ID`);
  return roomId;
}

export function eventIdParam(ctx: Context): string {
  const eventId = String(ctx.params.eventId);
  if (!isValidEventId(eventId)) throw MatrixError.notFound('Event not found.');
  return eventId;
}
