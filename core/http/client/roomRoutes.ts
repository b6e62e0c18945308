/**
 * Room endpoints: creation, membership (join, knock, invite, leave, kick, ban, unban, forget), sending messages and
 * state, redaction, and reading events, state, members, history (/messages, /context) and joined rooms.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { RoomCreationHandler } from '../../handlers/rooms/roomCreationHandler.ts';
import { parseCreateRoomBody } from '../../handlers/rooms/roomCreationHandler.ts';
import type { RoomMembershipHandler } from '../../handlers/rooms/roomMembershipHandler.ts';
import type { RoomEventsHandler } from '../../handlers/rooms/roomEventsHandler.ts';
import { parseLimit, type RoomHistoryHandler } from '../../handlers/rooms/roomHistoryHandler.ts';
import { parseRoomToken } from '../../handlers/events/roomPaginationToken.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import { isAcceptableUserId, isValidRoomId } from '../../events/identifiers.ts';
import { readJsonObject } from '../jsonBody.ts';
import { validateRoomEventFilterDefinition, type RoomEventFilterDefinition } from '../../handlers/sync/filterDefinition.ts';
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import { optionalString, queryInteger, queryString, requireString } from '../requestFields.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface RoomRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly roomCreation: RoomCreationHandler;
  readonly memberships: RoomMembershipHandler;
  readonly roomEvents: RoomEventsHandler;
  readonly roomHistory: RoomHistoryHandler;
  readonly maxBodyBytes: number;
}

const MAX_TYPE_BYTES = 255;

/** The `filter` query parameter of /messages and /context: a JSON room event filter. */
function roomEventFilterParam(ctx: Context): RoomEventFilterDefinition {
  const text = queryString(ctx.query, 'filter');
  if (text === null || text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw MatrixError.invalidParam('filter is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw MatrixError.invalidParam('filter must be a JSON object');
  return validateRoomEventFilterDefinition(parsed as JsonObject);
}

function queryList(ctx: Context, name: string): string[] {
  const value = ctx.query[name];
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).map(String).filter((v) => v !== '');
}

function roomIdParam(ctx: Context): string {
  const roomId = String(ctx.params.roomId);
  if (!isValidRoomId(roomId)) throw MatrixError.invalidParam(`${roomId} is not a valid room ID`);
  return roomId;
}

function eventTypeParam(ctx: Context): string {
  const type = String(ctx.params.eventType);
  if (type === '' || Buffer.byteLength(type) > MAX_TYPE_BYTES) throw MatrixError.invalidParam('Invalid event type');
  return type;
}

function txnIdParam(ctx: Context): string {
  const txnId = String(ctx.params.txnId);
  if (txnId === '' || txnId.length > 255) throw MatrixError.invalidParam('Invalid transaction ID');
  return txnId;
}

export function roomRoutes(deps: RoomRoutesDeps): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);
  const body = (ctx: Context) => readJsonObject(ctx, { maxBytes: deps.maxBodyBytes });
  const reasonOf = (b: Awaited<ReturnType<typeof body>>) => optionalString(b, 'reason');

  router.post(clientV3('/createRoom'), auth, async (ctx) => {
    ctx.body = await deps.roomCreation.createRoom(requesterOf(ctx), parseCreateRoomBody(await body(ctx)));
  });

  router.post(clientV3('/join/:roomIdOrAlias'), auth, async (ctx) => {
    const b = await body(ctx);
    if (b.third_party_signed !== undefined) throw new MatrixError(400, 'M_UNKNOWN', 'Third-party invites are not supported by this server');
    // Servers to join through: `via` (v1.12) and the older `server_name`.
    const via = [...queryList(ctx, 'via'), ...queryList(ctx, 'server_name')];
    ctx.body = { room_id: await deps.memberships.join(requesterOf(ctx), String(ctx.params.roomIdOrAlias), { reason: reasonOf(b), via }) };
  });
  router.post(clientV3('/knock/:roomIdOrAlias'), auth, async (ctx) => {
    const b = await body(ctx);
    const via = [...queryList(ctx, 'via'), ...queryList(ctx, 'server_name')];
    ctx.body = { room_id: await deps.memberships.knock(requesterOf(ctx), String(ctx.params.roomIdOrAlias), { reason: reasonOf(b), via }) };
  });
  router.post(clientV3('/rooms/:roomId/join'), auth, async (ctx) => {
    const b = await body(ctx);
    if (b.third_party_signed !== undefined) throw new MatrixError(400, 'M_UNKNOWN', 'Third-party invites are not supported by this server');
    ctx.body = { room_id: await deps.memberships.join(requesterOf(ctx), roomIdParam(ctx), { reason: reasonOf(b) }) };
  });
  router.post(clientV3('/rooms/:roomId/invite'), auth, async (ctx) => {
    const b = await body(ctx);
    if (b.id_server !== undefined || b.medium !== undefined) throw new MatrixError(400, 'M_UNKNOWN', 'Third-party invites are not supported by this server');
    const userId = requireString(b, 'user_id');
    if (!isAcceptableUserId(userId)) throw MatrixError.invalidParam(`${userId} is not a user ID`);
    await deps.memberships.invite(requesterOf(ctx), roomIdParam(ctx), userId, { reason: reasonOf(b) });
    ctx.body = {};
  });
  router.post(clientV3('/rooms/:roomId/leave'), auth, async (ctx) => {
    const b = await body(ctx);
    await deps.memberships.leave(requesterOf(ctx), roomIdParam(ctx), { reason: reasonOf(b) });
    ctx.body = {};
  });
  for (const action of ['kick', 'ban', 'unban'] as const) {
    router.post(clientV3(`/rooms/:roomId/${action}`), auth, async (ctx) => {
      const b = await body(ctx);
      const userId = requireString(b, 'user_id');
      await deps.memberships[action](requesterOf(ctx), roomIdParam(ctx), userId, { reason: reasonOf(b) });
      ctx.body = {};
    });
  }
  router.post(clientV3('/rooms/:roomId/forget'), auth, async (ctx) => {
    await deps.memberships.forget(requesterOf(ctx), roomIdParam(ctx));
    ctx.body = {};
  });

  router.put(clientV3('/rooms/:roomId/send/:eventType/:txnId'), auth, async (ctx) => {
    const sent = await deps.roomEvents.sendMessage(requesterOf(ctx), roomIdParam(ctx), eventTypeParam(ctx), await body(ctx), txnIdParam(ctx));
    ctx.body = { event_id: sent.event.eventId };
  });
  router.put(clientV3('/rooms/:roomId/state/:eventType{/:stateKey}'), auth, async (ctx) => {
    const stateKey = ctx.params.stateKey === undefined ? '' : String(ctx.params.stateKey);
    const sent = await deps.roomEvents.sendState(requesterOf(ctx), roomIdParam(ctx), eventTypeParam(ctx), stateKey, await body(ctx));
    ctx.body = { event_id: sent.event.eventId };
  });
  router.put(clientV3('/rooms/:roomId/redact/:eventId/:txnId'), auth, async (ctx) => {
    const sent = await deps.roomEvents.redact(requesterOf(ctx), roomIdParam(ctx), String(ctx.params.eventId), txnIdParam(ctx), await body(ctx));
    ctx.body = { event_id: sent.event.eventId };
  });

  router.get(clientV3('/rooms/:roomId/event/:eventId'), auth, async (ctx) => {
    ctx.body = await deps.roomEvents.getEvent(requesterOf(ctx), roomIdParam(ctx), String(ctx.params.eventId));
  });
  router.get(clientV3('/rooms/:roomId/state'), auth, async (ctx) => {
    ctx.body = await deps.roomEvents.getState(requesterOf(ctx), roomIdParam(ctx));
  });
  router.get(clientV3('/rooms/:roomId/state/:eventType{/:stateKey}'), auth, async (ctx) => {
    const stateKey = ctx.params.stateKey === undefined ? '' : String(ctx.params.stateKey);
    const event = await deps.roomEvents.getStateEvent(requesterOf(ctx), roomIdParam(ctx), eventTypeParam(ctx), stateKey);
    ctx.body = queryString(ctx.query, 'format') === 'event' ? event : event.content;
  });
  router.get(clientV3('/rooms/:roomId/members'), auth, async (ctx) => {
    const chunk = await deps.roomEvents.getMembers(requesterOf(ctx), roomIdParam(ctx), {
      membership: queryString(ctx.query, 'membership'),
      notMembership: queryString(ctx.query, 'not_membership'),
    });
    ctx.body = { chunk };
  });
  router.get(clientV3('/rooms/:roomId/joined_members'), auth, async (ctx) => {
    ctx.body = { joined: await deps.roomEvents.getJoinedMembers(requesterOf(ctx), roomIdParam(ctx)) };
  });
  router.get(clientV3('/joined_rooms'), auth, async (ctx) => {
    ctx.body = { joined_rooms: await deps.roomEvents.joinedRooms(requesterOf(ctx)) };
  });

  router.get(clientV3('/rooms/:roomId/messages'), auth, async (ctx) => {
    const dir = queryString(ctx.query, 'dir');
    if (dir !== 'b' && dir !== 'f') throw MatrixError.invalidParam('dir must be "b" or "f"');
    const fromText = queryString(ctx.query, 'from');
    const toText = queryString(ctx.query, 'to');
    const filter = roomEventFilterParam(ctx);
    ctx.body = await deps.roomHistory.messages(requesterOf(ctx), roomIdParam(ctx), {
      direction: dir,
      from: fromText ? parseRoomToken(fromText, 'from') : null,
      fromText: fromText || null,
      to: toText ? parseRoomToken(toText, 'to') : null,
      limit: parseLimit(queryInteger(ctx.query, 'limit'), 10),
      filter,
    });
  });
  router.get(clientV3('/rooms/:roomId/context/:eventId'), auth, async (ctx) => {
    ctx.body = await deps.roomHistory.context(requesterOf(ctx), roomIdParam(ctx), String(ctx.params.eventId), parseLimit(queryInteger(ctx.query, 'limit'), 10), roomEventFilterParam(ctx));
  });
  return router;
}
