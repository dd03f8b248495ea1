/**
 * The web UI: the single page built from web/ (web/dist, see scripts/build-web.mjs) is the
 * answer to every UI path, and its hashed assets are served from /assets/ with long caching.
 * The page talks to the API like any client; sessions are the HttpOnly login cookie.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/** The client-side routes (web/src/App.tsx); each answers with the same page. */
export const UI_PATHS = ['/login', '/inbox', '/workflows', '/workflows/new', '/workflows/:id', '/workflows/:id/edit', '/content', '/content/:type/:id', '/runs', '/runs/:id', '/audit', '/outbox', '/spaces'];

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Flowgate</title></head>
<body style="font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto"><h1>Flowgate</h1>
<p>The web UI has not been built. Run <code>npm run build:web</code> (or start the server with <code>npm start</code>, which builds it), then reload.</p>
<p>The API works without it: <a href="/api/docs">API reference</a>.</p></body></html>`;

let cached: { mtimeMs: number; html: string } | null = null;

/** The built index.html (re-read when a rebuild replaced it), or null when there is no build. */
function indexHtml(): string | null {
  const file = path.join(WEB_DIST, 'index.html');
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return null;
  }
  if (!cached || cached.mtimeMs !== st.mtimeMs) cached = { mtimeMs: st.mtimeMs, html: fs.readFileSync(file, 'utf8') };
  return cached.html;
}

export function sendApp(reply: FastifyReply) {
  const html = indexHtml();
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin')
    .send(html ?? NOT_BUILT);
}

export async function webRoutes(app: FastifyInstance) {
  await app.register(fastifyStatic, {
    root: path.join(WEB_DIST, 'assets'),
    prefix: '/assets/',
    // Hashed file names: a file's content never changes under its name.
    immutable: true,
    maxAge: '365d',
    index: false,
    wildcard: true,
  });
  for (const p of UI_PATHS) app.get(p, { schema: { hide: true } }, async (_req, reply) => sendApp(reply));
}
