/**
 * The server-server API routes, behind X-Matrix authentication (except the version and key endpoints, which are
 * public). Each route checks its inputs and hands over to the federation handlers.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import { isAcceptableUserId, isValidRoomAlias, isValidRoomId } from '../../events/identifiers.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import type { KeyRing } from '../../federation/keyRing.ts';
import type { TransactionReceiver } from '../../federation/transactionReceiver.ts';
import type { RoomDataServer } from '../../federation/roomDataServer.ts';
import type { MembershipServer } from '../../federation/membershipServer.ts';
import type { FederationQueryServer } from '../../federation/federationQueryServer.ts';
import type { UserKeysServer } from '../../federation/userKeysServer.ts';
import type { ServerAclChecker } from '../../federation/serverAcl.ts';
import { isJsonObject, queryInteger, queryString } from '../requestFields.ts';
import { bodyOf, originOf, requireServerAuth } from './federationAuthentication.ts';
import type { MediaRepository } from '../../media/mediaRepository.ts';
import { isValidMediaId } from '../../media/mediaId.ts';
import { thumbnailParams } from '../media/mediaRoutes.ts';
import { sendMultipartMedia } from '../media/federationMediaResponse.ts';

export interface FederationRoutesDeps {
  readonly serverName: string;
  readonly keyRing: KeyRing;
  readonly transactions: TransactionReceiver;
  readonly roomData: RoomDataServer;
  readonly memberships: MembershipServer;
  readonly queries: FederationQueryServer;
  readonly userKeys: UserKeysServer;
  /** Room-specific endpoints refuse servers the room's ACL denies. */
  readonly acl: ServerAclChecker;
  readonly maxBodyBytes: number;
  readonly softwareVersion: string;
  /** Serves our media to other servers; absent, the media endpoints are unrecognised. */
  readonly media?: MediaRepository;
  /** Told of each server whose request verified (it is up: our queue to it may stop backing off). */
  readonly onVerifiedOrigin?: (origin: string) => void;
}

function roomIdParam(ctx: Context): string {
  const roomId = String(ctx.params.roomId);
  if (!isValidRoomId(roomId)) throw MatrixError.invalidParam(`${roomId} is not a room ID`);
  return roomId;
}

function objectBody(ctx: Context): JsonObject {
  const body = bodyOf(ctx);
  if (!isJsonObject(body)) throw MatrixError.badJson('The request body must be a JSON object');
  return body;
}

export function federationRoutes(deps: FederationRoutesDeps): Router {
  const router = new Router({ prefix: '/_matrix/federation' });
  const auth = requireServerAuth(deps.serverName, deps.keyRing, deps.maxBodyBytes, deps.onVerifiedOrigin);
  /** The room of the path, once the room's server ACL allows the requesting server. */
  const allowedRoom = async (ctx: Context): Promise<string> => {
    const roomId = roomIdParam(ctx);
    await deps.acl.assertAllowed(originOf(ctx), roomId);
    return roomId;
  };

  router.get('/v1/version', (ctx) => {
    ctx.body = { server: { name: 'Hearth', version: deps.softwareVersion } };
  });

  router.put('/v1/send/:txnId', auth, async (ctx) => {
    ctx.body = await deps.transactions.receive(originOf(ctx), String(ctx.params.txnId), objectBody(ctx));
  });

  router.get('/v1/event/:eventId', auth, async (ctx) => {
    ctx.body = await deps.roomData.getEvent(originOf(ctx), String(ctx.params.eventId));
  });
  router.get('/v1/state/:roomId', auth, async (ctx) => {
    const eventId = queryString(ctx.query, 'event_id');
    if (!eventId) throw MatrixError.missingParam('Missing event_id');
    ctx.body = await deps.roomData.fullState(originOf(ctx), await allowedRoom(ctx), eventId);
  });
  router.get('/v1/state_ids/:roomId', auth, async (ctx) => {
    const eventId = queryString(ctx.query, 'event_id');
    if (!eventId) throw MatrixError.missingParam('Missing event_id');
    ctx.body = await deps.roomData.stateIds(originOf(ctx), await allowedRoom(ctx), eventId);
  });
  router.get('/v1/event_auth/:roomId/:eventId', auth, async (ctx) => {
    ctx.body = await deps.roomData.eventAuth(originOf(ctx), await allowedRoom(ctx), String(ctx.params.eventId));
  });
  router.get('/v1/backfill/:roomId', auth, async (ctx) => {
    const v = ctx.query.v;
    const from = (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);
    if (from.length === 0) throw MatrixError.missingParam('Missing v');
    const limit = queryInteger(ctx.query, 'limit', { min: 0 });
    if (limit === null) throw MatrixError.missingParam('Missing limit');
    ctx.body = await deps.roomData.backfill(originOf(ctx), await allowedRoom(ctx), from, limit);
  });
  router.post('/v1/get_missing_events/:roomId', auth, async (ctx) => {
    const body = objectBody(ctx);
    const strings = (name: string) => {
      const value = body[name];
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw MatrixError.badJson(`${name} must be a list of event IDs`);
      return value as string[];
    };
    const limit = typeof body.limit === 'number' ? body.limit : 10;
    const minDepth = typeof body.min_depth === 'number' ? body.min_depth : 0;
    ctx.body = await deps.roomData.missingEvents(originOf(ctx), await allowedRoom(ctx), strings('earliest_events'), strings('latest_events'), limit, minDepth);
  });

  for (const membership of ['join', 'leave', 'knock'] as const) {
    router.get(`/v1/make_${membership}/:roomId/:userId`, auth, async (ctx) => {
      const userId = String(ctx.params.userId);
      if (!isAcceptableUserId(userId)) throw MatrixError.invalidParam(`${userId} is not a user ID`);
      const ver = ctx.query.ver;
      const versions = (Array.isArray(ver) ? ver : ver === undefined ? ['1'] : [ver]).map(String);
      ctx.body = await deps.memberships.makeMembership(originOf(ctx), await allowedRoom(ctx), userId, membership, versions);
    });
  }
  router.put('/v2/send_join/:roomId/:eventId', auth, async (ctx) => {
    ctx.body = await deps.memberships.sendMembership(originOf(ctx), await allowedRoom(ctx), String(ctx.params.eventId), 'join', objectBody(ctx));
  });
  router.put('/v1/send_join/:roomId/:eventId', auth, async (ctx) => {
    // v1 wraps the same answer in [200, body].
    ctx.body = [200, await deps.memberships.sendMembership(originOf(ctx), await allowedRoom(ctx), String(ctx.params.eventId), 'join', objectBody(ctx))];
  });
  router.put('/v2/send_leave/:roomId/:eventId', auth, async (ctx) => {
    ctx.body = await deps.memberships.sendMembership(originOf(ctx), await allowedRoom(ctx), String(ctx.params.eventId), 'leave', objectBody(ctx));
  });
  router.put('/v1/send_leave/:roomId/:eventId', auth, async (ctx) => {
    ctx.body = [200, await deps.memberships.sendMembership(originOf(ctx), await allowedRoom(ctx), String(ctx.params.eventId), 'leave', objectBody(ctx))];
  });
  router.put('/v1/send_knock/:roomId/:eventId', auth, async (ctx) => {
    ctx.body = await deps.memberships.sendMembership(originOf(ctx), await allowedRoom(ctx), String(ctx.params.eventId), 'knock', objectBody(ctx));
  });
  router.put('/v2/invite/:roomId/:eventId', auth, async (ctx) => {
    ctx.body = await deps.memberships.receiveInvite(originOf(ctx), await allowedRoom(ctx), String(ctx.params.eventId), objectBody(ctx));
  });

  router.get('/v1/query/profile', auth, (ctx) => {
    const userId = queryString(ctx.query, 'user_id');
    if (!userId) throw MatrixError.missingParam('Missing user_id');
    ctx.body = deps.queries.profile(userId, queryString(ctx.query, 'field'));
  });
  router.get('/v1/query/directory', auth, async (ctx) => {
    const alias = queryString(ctx.query, 'room_alias');
    if (!alias || !isValidRoomAlias(alias)) throw MatrixError.missingParam('Missing or invalid room_alias');
    ctx.body = await deps.queries.directory(alias);
  });
  router.get('/v1/publicRooms', auth, async (ctx) => {
    ctx.body = await deps.queries.publicRooms({ limit: queryInteger(ctx.query, 'limit', { min: 0 }), since: queryString(ctx.query, 'since'), searchTerm: null });
  });
  router.post('/v1/publicRooms', auth, async (ctx) => {
    const body = objectBody(ctx);
    const filter = isJsonObject(body.filter) ? body.filter : {};
    ctx.body = await deps.queries.publicRooms({
      limit: typeof body.limit === 'number' ? body.limit : null,
      since: typeof body.since === 'string' ? body.since : null,
      searchTerm: typeof filter.generic_search_term === 'string' ? filter.generic_search_term : null,
    });
  });
  const media = deps.media;
  if (media) {
    // Only media uploaded here is served to other servers (never what we cached from a third server).
    const localMediaId = (ctx: Context) => {
      const mediaId = String(ctx.params.mediaId);
      if (!isValidMediaId(mediaId)) throw MatrixError.notFound('Media not found');
      return mediaId;
    };
    const options = { allowRemote: false, waitMs: 0 };
    router.get('/v1/media/download/:mediaId', auth, async (ctx) => {
      sendMultipartMedia(ctx, await media.getMedia(media.serverName, localMediaId(ctx), options));
    });
    router.get('/v1/media/thumbnail/:mediaId', auth, async (ctx) => {
      const mediaId = localMediaId(ctx);
      const { width, height, method } = thumbnailParams(ctx);
      sendMultipartMedia(ctx, await media.getThumbnail(media.serverName, mediaId, width, height, method, options));
    });
  }

  router.get('/v1/user/devices/:userId', auth, (ctx) => {
    const userId = String(ctx.params.userId);
    if (!isAcceptableUserId(userId)) throw MatrixError.invalidParam(`${userId} is not a user ID`);
    ctx.body = deps.userKeys.userDevices(originOf(ctx), userId);
  });
  router.post('/v1/user/keys/query', auth, (ctx) => {
    ctx.body = deps.userKeys.queryKeys(objectBody(ctx));
  });
  router.post('/v1/user/keys/claim', auth, (ctx) => {
    ctx.body = deps.userKeys.claimKeys(objectBody(ctx));
  });
  return router;
}
