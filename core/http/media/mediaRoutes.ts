/**
 * The client-facing content repository: upload (`/_matrix/media/v3/upload`, and `/_matrix/media/v1/create` with
 * `PUT /_matrix/media/v3/upload/{serverName}/{mediaId}`), download and thumbnail at the authenticated
 * `/_matrix/client/v1/media/...` paths and the legacy unauthenticated `/_matrix/media/v3/...` ones, the upload
 * limit (`/config`) and URL previews. Upload bodies are raw bytes, streamed to disk under their own size limit.
 */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import type { MediaRepository, ReadOptions } from '../../media/mediaRepository.ts';
import { DEFAULT_UPLOAD_WAIT_MS } from '../../media/mediaRepository.ts';
import type { UrlPreviewer } from '../../media/urlPreviewer.ts';
import { checkMediaPath } from '../../media/mediaId.ts';
import type { ThumbnailMethod } from '../../media/thumbnailer.ts';
import { queryBoolean, queryInteger, queryString } from '../requestFields.ts';
import { tooLarge } from '../jsonBody.ts';
import { requesterOf, requireAuth } from '../client/clientAuthentication.ts';
import { sendMedia } from './mediaResponse.ts';
import { assertNotSuspended } from '../../handlers/accounts/accountSuspension.ts';

export interface MediaRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly media: MediaRepository;
  readonly urlPreviews: UrlPreviewer;
}

/** The legacy content repository answers under v3 and the older r0 prefix. */
function legacy(path: string): string[] {
  return [`/_matrix/media/v3${path}`, `/_matrix/media/r0${path}`];
}

function authenticated(path: string): string {
  return `/_matrix/client/v1/media${path}`;
}

/** Thumbnail dimensions: positive integers, required. */
const MAX_DIMENSION = 10_000;

export function mediaRoutes(deps: MediaRoutesDeps): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);
  const { media } = deps;

  const uploadDetails = (ctx: Context) => ({ contentType: ctx.get('Content-Type') || null, fileName: queryString(ctx.query, 'filename') });
  const notSuspended = async (ctx: Context, next: Next) => {
    assertNotSuspended(requesterOf(ctx));
    await next();
  };
  /** Refuses a declared length over the limit before reading any of the body. */
  const declaredSize = async (ctx: Context, next: Next) => {
    const declared = Number(ctx.get('Content-Length') || 0);
    if (declared > media.maxUploadBytes) throw tooLarge(media.maxUploadBytes);
    await next();
  };

  router.post(legacy('/upload'), auth, notSuspended, declaredSize, async (ctx) => {
    ctx.body = { content_uri: await media.upload(requesterOf(ctx).userId, ctx.req, uploadDetails(ctx)) };
  });
  router.post('/_matrix/media/v1/create', auth, notSuspended, (ctx) => {
    ctx.body = media.reserve(requesterOf(ctx).userId);
  });
  router.put(legacy('/upload/:serverName/:mediaId'), auth, notSuspended, declaredSize, async (ctx) => {
    const serverName = String(ctx.params.serverName);
    const mediaId = String(ctx.params.mediaId);
    checkMediaPath(serverName, mediaId);
    await media.uploadReserved(requesterOf(ctx).userId, serverName, mediaId, ctx.req, uploadDetails(ctx));
    ctx.body = {};
  });

  router.get([...legacy('/config'), authenticated('/config')], auth, (ctx) => {
    ctx.body = media.config();
  });

  const download = (isAuthenticated: boolean) => async (ctx: Context) => {
    const serverName = String(ctx.params.serverName);
    const mediaId = String(ctx.params.mediaId);
    checkMediaPath(serverName, mediaId);
    const file = await media.getMedia(serverName, mediaId, readOptions(ctx));
    sendMedia(ctx, file, { fileName: ctx.params.fileName === undefined ? null : String(ctx.params.fileName), authenticated: isAuthenticated });
  };
  router.get(authenticated('/download/:serverName/:mediaId{/:fileName}'), auth, download(true));
  router.get(legacy('/download/:serverName/:mediaId{/:fileName}'), download(false));

  const thumbnail = (isAuthenticated: boolean) => async (ctx: Context) => {
    const serverName = String(ctx.params.serverName);
    const mediaId = String(ctx.params.mediaId);
    checkMediaPath(serverName, mediaId);
    const { width, height, method } = thumbnailParams(ctx);
    const file = await media.getThumbnail(serverName, mediaId, width, height, method, readOptions(ctx));
    sendMedia(ctx, file, { authenticated: isAuthenticated });
  };
  router.get(authenticated('/thumbnail/:serverName/:mediaId'), auth, thumbnail(true));
  router.get(legacy('/thumbnail/:serverName/:mediaId'), thumbnail(false));

  router.get([...legacy('/preview_url'), authenticated('/preview_url')], auth, async (ctx) => {
    const url = queryString(ctx.query, 'url');
    if (!url) throw MatrixError.missingParam('Missing url');
    queryInteger(ctx.query, 'ts', { min: 0 });
    ctx.body = await deps.urlPreviews.preview(requesterOf(ctx).userId, url);
  });
  return router;
}

function readOptions(ctx: Context): ReadOptions {
  return {
    allowRemote: queryBoolean(ctx.query, 'allow_remote', true),
    waitMs: queryInteger(ctx.query, 'timeout_ms', { min: 0 }) ?? DEFAULT_UPLOAD_WAIT_MS,
  };
}

/** The thumbnail query parameters of both the client and the federation endpoints. */
export function thumbnailParams(ctx: Context): { width: number; height: number; method: ThumbnailMethod } {
  const width = queryInteger(ctx.query, 'width', { min: 1, max: MAX_DIMENSION });
  const height = queryInteger(ctx.query, 'height', { min: 1, max: MAX_DIMENSION });
  if (width === null || height === null) throw MatrixError.missingParam('width and height are required');
  const method = queryString(ctx.query, 'method') ?? 'scale';
  if (method !== 'crop' && method !== 'scale') throw MatrixError.invalidParam('method must be "crop" or "scale"');
  // `animated` is accepted; thumbnails are always still images.
  queryBoolean(ctx.query, 'animated', false);
  return { width, height, method };
}
