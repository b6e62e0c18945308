/**
 * Sending media to a client: the stored bytes as a stream with their length, a sanitised Content-Type, a safe
 * Content-Disposition (inline only for types that cannot run script), and headers that forbid sniffing and
 * sandbox the response. Media never changes once stored, so it may be cached for long.
 */
import type { Context } from 'koa';
import type { MediaFile } from '../../media/mediaRepository.ts';
import { isInlineSafe, MEDIA_SECURITY_HEADERS, servedContentType } from '../../media/mediaContentType.ts';
import { contentDisposition } from '../../media/contentDisposition.ts';

export function sendMedia(ctx: Context, file: MediaFile, options: { fileName?: string | null; authenticated: boolean }): void {
  const disposition = isInlineSafe(file.contentType) ? 'inline' : 'attachment';
  ctx.status = 200;
  ctx.set(MEDIA_SECURITY_HEADERS);
  ctx.set('Content-Type', servedContentType(file.contentType));
  ctx.set('Content-Disposition', contentDisposition(disposition, options.fileName ?? file.uploadName));
  // Authenticated media is per user: shared caches must not keep it.
  ctx.set('Cache-Control', options.authenticated ? 'private, max-age=86400' : 'public, max-age=86400, s-maxage=86400');
  ctx.body = file.open();
  ctx.set('Content-Length', String(file.size));
}
