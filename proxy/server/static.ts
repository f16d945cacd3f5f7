// The web app's built files (web/dist, from `npm run build:web`). Paths that are not files fall back to
// index.html, so the app's own routes survive a reload. Without a build, `/` says how to make one.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { notFound } from './routes/errors.js';

/** web/dist of this checkout. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

const NOT_BUILT = `msnp-inspector: the web inspector is not built yet.

Build it with \`npm run build:web\`, then reload this page.
The API is served meanwhile: /api/capture, /api/sessions, /api/frames, WebSocket /api/live.
`;

export async function registerStatic(app: FastifyInstance, webRoot: string): Promise<void> {
  const built = existsSync(join(webRoot, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, { root: webRoot, prefix: '/', wildcard: false, serveDotFiles: false });
  } else {
    app.get('/', async (_request, reply) => reply.type('text/plain; charset=utf-8').send(NOT_BUILT));
  }
  app.setNotFoundHandler(async (request, reply) => {
    const page = request.method === 'GET' && !request.url.startsWith('/api/') && request.url !== '/api';
    if (built && page && (request.headers.accept ?? '').includes('text/html')) return reply.type('text/html').sendFile('index.html');
    return reply.code(404).send(notFound(`no route ${request.method} ${request.url.split('?')[0]}`));
  });
}
