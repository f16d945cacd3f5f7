// Builds the inspector app over a temporary capture for inject/injectWS tests, and closes it after.
import type { FastifyInstance } from 'fastify';
import { type LiveMessage, decodeLive } from '../../shared/api/live.js';
import { type AppOptions, buildApp } from '../../proxy/server/app.js';
import type { CaptureStoreOptions } from '../../proxy/capture/store.js';
import { type TempCapture, tempCapture } from './fixture.js';

export interface TestApp extends TempCapture {
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function testApp(options: Partial<Omit<AppOptions, 'store' | 'file'>> = {}, store: CaptureStoreOptions = {}, fill?: (t: TempCapture) => void): Promise<TestApp> {
  const t = tempCapture(store);
  fill?.(t);
  t.store.flush();
  // A web root that does not exist unless a test gives one: the tests never depend on web/dist.
  const app = await buildApp({ store: t.store, file: t.file, webRoot: `${t.dir}/no-web`, ...options });
  await app.ready();
  return {
    ...t, app,
    async close() {
      await app.close();
      t.remove();
    },
  };
}

/** GET as JSON. */
export async function getJson<T>(app: FastifyInstance, url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Record<string, unknown> }> {
  const r = await app.inject({ method: 'GET', url, headers });
  return { status: r.statusCode, body: r.json() as T, headers: r.headers };
}

/** A live-stream subscriber that records every message from the very first (listeners attached before open). */
export interface LiveTap {
  ws: Awaited<ReturnType<FastifyInstance['injectWS']>>;
  messages: LiveMessage[];
  /** Resolves with the first message (from the start) after `seen` messages that matches. */
  next(match: (m: LiveMessage) => boolean, after?: number): Promise<LiveMessage>;
}

export async function liveTap(app: FastifyInstance, url = '/api/live', headers: Record<string, string> = {}): Promise<LiveTap> {
  const messages: LiveMessage[] = [];
  const waiters: Array<() => void> = [];
  const ws = await app.injectWS(url, { headers }, {
    onInit(socket) {
      socket.on('message', (data: Buffer) => {
        messages.push(decodeLive(String(data)));
        for (const wake of waiters.splice(0)) wake();
      });
    },
  });
  const next = (match: (m: LiveMessage) => boolean, after = 0): Promise<LiveMessage> => new Promise((resolve) => {
    const check = () => {
      const found = messages.slice(after).find(match);
      if (found) resolve(found);
      else waiters.push(check);
    };
    check();
  });
  return { ws, messages, next };
}
