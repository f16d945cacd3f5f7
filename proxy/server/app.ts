// The inspector's HTTP app: REST API, live WebSocket and the web app's files, with strict headers and,
// when asked, a token on every request. It never listens itself (serve.ts does; tests use inject).
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { CaptureStore } from '../capture/store.js';
import type { FramePositionsOptions } from '../capture/frame-positions.js';
import { registerAuth } from './auth.js';
import { type InspectorContext, type LiveSource, type StoreStatus, createContext } from './context.js';
import type { LiveHubOptions } from './live/hub.js';
import { type Log, fastifyLogger } from './logger.js';
import { captureRoutes } from './routes/capture.js';
import { frameRoutes } from './routes/frames.js';
import { liveRoutes } from './routes/live.js';
import { sessionRoutes } from './routes/sessions.js';
import { registerSecurity } from './security.js';
import { DEFAULT_WEB_ROOT, registerStatic } from './static.js';

export type { LiveSource } from './context.js';

export interface AppOptions {
  store: CaptureStore;
  /** The capture file (only its name is shown). */
  file: string;
  /** The proxy feeding the store, for a live capture; null or absent for a finished one. */
  live?: LiveSource | null;
  /** Built web app (default web/dist of this checkout). */
  webRoot?: string;
  /** Required on every request when set (see auth.ts). */
  token?: string | null;
  logger?: FastifyServerOptions['logger'];
  /** Where the server's own errors go (instead of `logger`). */
  log?: Log;
  /** Live stream tuning (tick, per-client queue bounds); tests lower them. */
  liveOptions?: LiveHubOptions;
  positions?: FramePositionsOptions;
  /** The writing store's health, when another thread writes the capture. */
  health?: () => StoreStatus;
}

declare module 'fastify' {
  interface FastifyInstance {
    inspector: InspectorContext;
  }
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const logging = options.log ? { loggerInstance: fastifyLogger(options.log) } : { logger: options.logger ?? false };
  // Closing does not wait for browsers: a keep-alive or preconnected socket would hold it for a minute.
  const app = Fastify({ ...logging, bodyLimit: 64 * 1024, forceCloseConnections: true });
  const ctx = createContext({
    store: options.store, file: options.file, live: options.live ?? null,
    ...(options.liveOptions ? { liveOptions: options.liveOptions } : {}),
    ...(options.positions ? { positions: options.positions } : {}),
    ...(options.health ? { health: options.health } : {}),
  });
  app.decorate('inspector', ctx);
  app.addHook('onClose', async () => ctx.close());

  // Hooks first, so every route registered after them gets them.
  registerSecurity(app);
  registerAuth(app, options.token ?? null);
  // The browser sends nothing on the live stream: a small frame limit is plenty.
  await app.register(fastifyWebsocket, { options: { maxPayload: 4096 } });
  await app.register(captureRoutes, { ctx });
  await app.register(sessionRoutes, { ctx });
  await app.register(frameRoutes, { ctx });
  await app.register(liveRoutes, { ctx });
  await registerStatic(app, options.webRoot ?? DEFAULT_WEB_ROOT);
  return app;
}
