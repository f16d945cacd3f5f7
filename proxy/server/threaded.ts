// The live inspector for `proxy`, on a thread of its own (inspector-thread.ts): whatever the browser asks
// of it — a page of a million frames, every session, a frame's decoded detail — the relay's thread goes
// on forwarding bytes meanwhile. This side forwards what the thread needs to know (ids of each commit,
// the store's health) and, should the thread die, logs it and lets the relay carry on without it.
import type { Worker } from 'node:worker_threads';
import type { CaptureStore, CommitBatch } from '../capture/store.js';
import { startTypeScriptWorker } from '../threads/typescript-worker.js';
import type { LiveSource, StoreStatus } from './context.js';
import type { FromInspectorThread, InspectorThreadData, ToInspectorThread } from './inspector-thread.js';
import type { LiveHubOptions } from './live/hub.js';
import type { Log } from './logger.js';

export interface InspectorThreadOptions {
  store: CaptureStore;
  file: string;
  host: string;
  /** 0 picks a free port (the returned url names it). */
  port: number;
  live: LiveSource;
  /** Required on every request; generated when binding off loopback without one. */
  token?: string | null;
  log: Log;
  webRoot?: string;
  liveOptions?: LiveHubOptions;
}

export interface ThreadedInspector {
  /** http://host:port/ (with ?token= when a token is required). */
  url: string;
  address: { host: string; port: number };
  token: string | null;
  close(): Promise<void>;
}

/** How often the store's health is compared with what the thread was last told. */
const HEALTH_EVERY_MS = 200;
/** A thread that has not finished closing by then is terminated. */
const CLOSE_GRACE_MS = 5000;

export async function startInspectorThread(options: InspectorThreadOptions): Promise<ThreadedInspector> {
  const { store, log } = options;
  const data: InspectorThreadData = {
    file: options.file, host: options.host, port: options.port, token: options.token ?? null, live: options.live,
    ...(options.webRoot ? { webRoot: options.webRoot } : {}),
    ...(options.liveOptions ? { liveOptions: options.liveOptions } : {}),
  };
  // A modest young generation, as for the writer thread: RSS is what users watch.
  const worker = startTypeScriptWorker(new URL('./inspector-thread.ts', import.meta.url), {
    name: 'inspector', workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 8 },
  });
  const exited = new Promise<number>((done) => worker.once('exit', done));
  let failure: Error | null = null;
  worker.on('error', (error) => (failure = error));

  const ready = await new Promise<Extract<FromInspectorThread, { type: 'ready' }>>((resolve, reject) => {
    worker.on('message', (message: FromInspectorThread) => {
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'failed') reject(new Error(message.message));
      else if (message.type === 'log') log(message.level, message.message);
    });
    void exited.then((code) => reject(failure ?? new Error(`the inspector thread exited (${code}) before it was ready`)));
  });

  const post = (message: ToInspectorThread) => worker.postMessage(message);
  let told = '';
  const tellHealth = () => {
    const h = store.health();
    const status: StoreStatus = { lastError: h.lastError, queued: h.queued };
    const text = `${status.lastError}\u0000${status.queued}`;
    if (text === told) return;
    told = text;
    post({ type: 'health', ...status });
  };
  const unsubscribe = store.onCommit((batch: CommitBatch) => {
    post({
      type: 'commit',
      sessions: batch.sessions,
      connections: batch.closes.length === 0 ? batch.connections : [...batch.connections, ...batch.closes.map((c) => c.connectionId)],
      lastFrameId: batch.frames.at(-1)?.id ?? 0,
      amended: batch.amended,
    });
    tellHealth();
  });
  tellHealth();
  const healthTimer = setInterval(tellHealth, HEALTH_EVERY_MS).unref();
  let closing = false;
  void exited.then((code) => {
    unsubscribe();
    clearInterval(healthTimer);
    if (!closing) log('error', `the inspector stopped (${failure ? failure.stack ?? failure.message : `thread exit ${code}`}); the proxy goes on relaying and capturing`);
  });
  worker.unref();

  return {
    url: ready.url, address: ready.address, token: ready.token,
    async close() {
      if (closing) return void (await exited);
      closing = true;
      unsubscribe();
      clearInterval(healthTimer);
      post({ type: 'close' });
      const timer = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
