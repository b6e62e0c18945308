/**
 * Serves the built renderer (Vite's output, `renderer/dist`) under `/_desktop/`, so a plain browser on this
 * machine gets the same UI as the Electron window: `http://127.0.0.1:8008/_desktop/#token=...`. Files only
 * from inside that directory, to this machine only; the page is locked down with a content security policy
 * that lets it talk to its own origin and nothing else.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import type { Context } from 'koa';
import { MatrixError } from '../../handlers/matrixError.ts';
import { loopbackOnly } from './adminAuthentication.ts';

export const RENDERER_PATH = '/_desktop';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** `renderer/dist` of this checkout, when it has been built (`npm run build:renderer`); else null. */
export function defaultRendererDirectory(): string | null {
  try {
    const dir = fileURLToPath(new URL('../../../renderer/dist', import.meta.url));
    return existsSync(join(dir, 'index.html')) ? dir : null;
  } catch {
    // Bundled builds have no usable module URL; they pass the directory explicitly.
    return null;
  }
}

export function rendererRoutes(directory: string | null): Router {
  const router = new Router();
  const root = directory === null ? null : resolve(directory);
  router.get(RENDERER_PATH, loopbackOnly(), (ctx) => {
    // The router's matching ignores a trailing slash: only the bare path is redirected.
    if (ctx.path !== RENDERER_PATH) return serveFile(ctx, root);
    ctx.redirect(`${RENDERER_PATH}/${ctx.querystring ? `?${ctx.querystring}` : ''}`);
  });
  router.get(`${RENDERER_PATH}/{*path}`, loopbackOnly(), (ctx) => serveFile(ctx, root));
  return router;
}

function serveFile(ctx: Context, root: string | null): void {
  // The admin API shares the prefix; its own router answers it.
  if (ctx.path.startsWith(`${RENDERER_PATH}/api/`) || ctx.path === `${RENDERER_PATH}/api`) throw MatrixError.unrecognized();
  if (root === null || !existsSync(join(root, 'index.html'))) {
    throw MatrixError.notFound('The desktop UI is not built here: run `npm run build:renderer`');
  }
  let relativePath: string;
  try {
    relativePath = decodeURIComponent(ctx.path.slice(RENDERER_PATH.length + 1));
  } catch {
    throw MatrixError.badJson('Malformed path');
  }
  if (relativePath === '' || relativePath.endsWith('/')) relativePath += 'index.html';
  const file = resolve(root, relativePath);
  if (!file.startsWith(root + sep) || relativePath.includes('\0')) throw MatrixError.notFound('No such file');
  let size: number;
  try {
    const stats = statSync(file);
    if (!stats.isFile()) throw new Error('not a file');
    size = stats.size;
  } catch {
    throw MatrixError.notFound('No such file');
  }
  const extension = extname(file).toLowerCase();
  ctx.set('Content-Type', CONTENT_TYPES[extension] ?? 'application/octet-stream');
  ctx.set('Content-Length', String(size));
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  // Vite names assets by content hash: they never change. The page itself must always be fresh.
  ctx.set('Cache-Control', relativePath.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (extension === '.html') ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  ctx.status = 200;
  ctx.body = createReadStream(file);
}
