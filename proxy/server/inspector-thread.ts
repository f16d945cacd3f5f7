// The live inspector's thread (started by threaded.ts): the web app over its own read-only connection to
// the capture, so that REST queries, live ticks and JSON encoding never run on the thread that relays
// clients' bytes. What it needs from that thread arrives as messages: commit notices and store health.
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { CaptureStore } from '../capture/store.js';
import type { LiveSource, StoreStatus } from './context.js';
import { followCommits, type CommitNotice } from './live/follow.js';
import type { LiveHubOptions } from './live/hub.js';
import { type Inspector, startInspector } from './serve.js';

export interface InspectorThreadData {
  file: string;
  host: string;
  port: number;
  token: string | null;
  webRoot?: string;
  live: LiveSource;
  liveOptions?: LiveHubOptions;
}

export type ToInspectorThread =
  | ({ type: 'commit' } & CommitNotice)
  | ({ type: 'health' } & StoreStatus)
  | { type: 'close' };

export type FromInspectorThread =
  | { type: 'ready'; url: string; address: { host: string; port: number }; token: string | null }
  | { type: 'failed'; message: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'closed' };

/** How much lower the inspector's scheduling priority is than the relay's (nice steps). */
const NICER = 10;

/**
 * The relay comes first: on a machine short of CPU, the inspector takes what is left (its live view lags
 * a little) rather than delaying clients' bytes. Linux schedules threads on their own, so this thread's
 * nice value can be raised alone; elsewhere, or if that is refused, it keeps the relay's priority.
 */
function yieldToRelay(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + NICER));
  } catch {
    // not Linux, or not allowed
  }
}

async function run(port: NonNullable<typeof parentPort>, data: InspectorThreadData): Promise<void> {
  const post = (message: FromInspectorThread) => port.postMessage(message);
  let health: StoreStatus = { lastError: null, queued: 0 };
  let store: CaptureStore | null = null;
  let inspector: Inspector;
  try {
    store = CaptureStore.open(data.file, { readonly: true });
    inspector = await startInspector({
      store, file: data.file, host: data.host, port: data.port, token: data.token, live: data.live,
      log: (level, message) => post({ type: 'log', level, message }),
      health: () => health,
      ...(data.webRoot ? { webRoot: data.webRoot } : {}),
      ...(data.liveOptions ? { liveOptions: data.liveOptions } : {}),
    });
  } catch (error) {
    store?.close();
    post({ type: 'failed', message: (error as Error).message });
    port.close();
    return;
  }
  const follower = followCommits(inspector.context);
  const opened = store;
  port.on('message', (message: ToInspectorThread) => {
    switch (message.type) {
      case 'commit':
        follower.commit(message);
        return;
      case 'health':
        health = { lastError: message.lastError, queued: message.queued };
        return;
      case 'close':
        follower.stop();
        void inspector.close().finally(() => {
          opened.close();
          post({ type: 'closed' });
          port.close();
        });
        return;
    }
  });
  post({ type: 'ready', url: inspector.url, address: inspector.address, token: inspector.token });
}

if (parentPort) {
  yieldToRelay();
  void run(parentPort, workerData as InspectorThreadData);
}
