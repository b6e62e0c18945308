/**
 * Answering `GET /_matrix/federation/v1/media/download|thumbnail/{mediaId}`: a multipart/mixed body with an
 * (empty) JSON metadata part and the media part, its bytes streamed from the content store.
 */
import { Readable } from 'node:stream';
import type { Context } from 'koa';
import type { MediaFile } from '../../media/mediaRepository.ts';
import { multipartFrame, newBoundary } from '../../media/multipartMixed.ts';
import { isInlineSafe, servedContentType } from '../../media/mediaContentType.ts';
import { contentDisposition } from '../../media/contentDisposition.ts';

export function sendMultipartMedia(ctx: Context, file: MediaFile): void {
  const boundary = newBoundary();
  const disposition = contentDisposition(isInlineSafe(file.contentType) ? 'inline' : 'attachment', file.uploadName);
  const { head, tail } = multipartFrame(boundary, {}, servedContentType(file.contentType), disposition);
  async function* body(): AsyncGenerator<Buffer> {
    yield head;
    for await (const chunk of file.open()) yield chunk as Buffer;
    yield tail;
  }
  ctx.status = 200;
  ctx.set('Content-Type', `multipart/mixed; boundary=${boundary}`);
  ctx.body = Readable.from(body());
  ctx.set('Content-Length', String(head.length + file.size + tail.length));
}
