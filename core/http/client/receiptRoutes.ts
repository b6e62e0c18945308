/**
 * Receipts and read markers: `POST /rooms/{roomId}/receipt/{receiptType}/{eventId}` (`m.read`, `m.read.private`,
 * and `m.fully_read`, which is a read marker) and `POST /rooms/{roomId}/read_markers`. A bad `thread_id` is
 * 400 M_INVALID_PARAM (as the spec's example answers).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { ReceiptsHandler } from '../../handlers/receipts/receiptsHandler.ts';
import { FULLY_READ, type ReadMarkersHandler } from '../../handlers/receipts/readMarkersHandler.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import { isValidEventId, isValidRoomId } from '../../events/identifiers.ts';
import { readJsonObject } from '../jsonBody.ts';
import { optionalString } from '../requestFields.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface ReceiptRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly receipts: ReceiptsHandler;
  readonly readMarkers: ReadMarkersHandler;
  readonly maxBodyBytes: number;
}

function roomIdParam(ctx: Context): string {
  const roomId = String(ctx.params.roomId);
  if (!isValidRoomId(roomId)) throw MatrixError.invalidParam(`${roomId} is not a valid room ID`);
  return roomId;
}

export function receiptRoutes(deps: ReceiptRoutesDeps): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);
  const body = (ctx: Context) => readJsonObject(ctx, { maxBytes: deps.maxBodyBytes });

  router.post(clientV3('/rooms/:roomId/receipt/:receiptType/:eventId'), auth, async (ctx) => {
    const roomId = roomIdParam(ctx);
    const receiptType = String(ctx.params.receiptType);
    const eventId = String(ctx.params.eventId);
    if (!isValidEventId(eventId)) throw MatrixError.invalidParam(`${eventId} is not a valid event ID`);
    const content = await body(ctx);
    const threadId = content.thread_id;
    if (threadId !== undefined && (typeof threadId !== 'string' || threadId === '')) throw MatrixError.invalidParam('thread_id must be a non-empty string');
    if (receiptType === FULLY_READ) {
      if (threadId !== undefined) throw MatrixError.invalidParam('thread_id is not compatible with m.fully_read');
      await deps.readMarkers.setReadMarkers(requesterOf(ctx), roomId, { fullyRead: eventId });
    } else {
      await deps.receipts.sendReceipt(requesterOf(ctx), roomId, receiptType, eventId, threadId ?? null);
    }
    ctx.body = {};
  });

  router.post(clientV3('/rooms/:roomId/read_markers'), auth, async (ctx) => {
    const roomId = roomIdParam(ctx);
    const content = await body(ctx);
    const markers = {
      fullyRead: optionalString(content, 'm.fully_read'),
      read: optionalString(content, 'm.read'),
      readPrivate: optionalString(content, 'm.read.private'),
    };
    for (const eventId of Object.values(markers)) if (eventId !== null && !isValidEventId(eventId)) throw MatrixError.invalidParam(`${eventId} is not a valid event ID`);
    await deps.readMarkers.setReadMarkers(requesterOf(ctx), roomId, markers);
    ctx.body = {};
  });
  return router;
}
