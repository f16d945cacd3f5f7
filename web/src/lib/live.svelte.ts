// LiveClient: the one adapter between the WebSocket /api/live (shared/api/live.ts) and CaptureState.
// Snapshot-then-deltas, as mitmweb does: on `hello` (and on `reset`) it reloads the snapshot over REST
// while queueing the deltas that keep arriving, then applies them after it. Deltas are applied in
// batches on requestAnimationFrame, with a timer as a minimum cadence when the tab is throttled.
// A dropped socket is reopened with exponential backoff.
import type { CaptureInfo } from '../../../shared/api/dto.js';
import { type LiveMessage, decodeLive } from '../../../shared/api/live.js';

/** The part of WebSocket this client uses (tests pass a fake). */
export interface SocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(): void;
}

/** Timers as cancel functions, so tests can drive them. */
export interface Scheduler {
  frame(callback: () => void): () => void;
  timeout(callback: () => void, ms: number): () => void;
}

/** What the client feeds (CaptureState implements it). */
export interface LiveTarget {
  readonly loaded: boolean;
  /** A load is under way (the app may start one before the socket opens). */
  readonly loading: boolean;
  readonly capture: CaptureInfo | null;
  load(mode: 'full' | 'soft'): Promise<void>;
  applyLive(batch: readonly LiveMessage[]): void;
}

export type LiveStatus = 'connecting' | 'live' | 'offline';

export interface LiveClientOptions {
  url: string;
  target: LiveTarget;
  connect?: (url: string) => SocketLike;
  scheduler?: Scheduler;
  /** Reconnect delays: doubling from minMs up to maxMs. */
  backoff?: { minMs: number; maxMs: number };
  /** Longest a delta waits when no animation frame comes (hidden tab). */
  flushMs?: number;
}

const browserScheduler: Scheduler = {
  frame(callback) {
    const handle = requestAnimationFrame(() => callback());
    return () => cancelAnimationFrame(handle);
  },
  timeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    return () => clearTimeout(handle);
  },
};

const LIVE_TYPES = new Set(['hello', 'capture/update', 'sessions/upsert', 'connections/upsert', 'frames/add', 'frames/update', 'reset']);

export class LiveClient {
  status = $state<LiveStatus>('connecting');
  /** Reconnect attempts since the last `hello`. */
  attempts = $state(0);

  readonly #url: string;
  readonly #target: LiveTarget;
  readonly #connect: (url: string) => SocketLike;
  readonly #scheduler: Scheduler;
  readonly #backoff: { minMs: number; maxMs: number };
  readonly #flushMs: number;
  #socket: SocketLike | null = null;
  #queue: LiveMessage[] = [];
  /** The snapshot for this socket has landed: deltas may be applied. */
  #ready = false;
  #snapshotSeq = 0;
  #cancelFlush: Array<() => void> = [];
  #cancelRetry: (() => void) | null = null;
  #stopped = true;

  constructor(options: LiveClientOptions) {
    this.#url = options.url;
    this.#target = options.target;
    this.#connect = options.connect ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.#scheduler = options.scheduler ?? browserScheduler;
    this.#backoff = options.backoff ?? { minMs: 500, maxMs: 10_000 };
    this.#flushMs = options.flushMs ?? 500;
  }

  /** Messages received and not yet applied. */
  get queued(): number {
    return this.#queue.length;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#open();
  }

  stop(): void {
    this.#stopped = true;
    this.#cancelRetry?.();
    this.#cancelRetry = null;
    this.#drop();
    this.#socket?.close();
    this.#socket = null;
    this.status = 'offline';
  }

  /** Applies every queued delta now. */
  flush(): void {
    for (const cancel of this.#cancelFlush.splice(0)) cancel();
    if (!this.#ready || this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#target.applyLive(batch);
  }

  #open(): void {
    this.#cancelRetry = null;
    this.status = 'connecting';
    let socket: SocketLike;
    try {
      socket = this.#connect(this.#url);
    } catch {
      this.#closed();
      return;
    }
    this.#socket = socket;
    socket.onmessage = (event) => {
      if (socket === this.#socket) this.#receive(event.data);
    };
    socket.onclose = () => {
      if (socket === this.#socket) this.#closed();
    };
    socket.onerror = () => {}; // a close event follows
  }

  #receive(data: unknown): void {
    let msg: LiveMessage;
    try {
      msg = decodeLive(String(data));
    } catch {
      return;
    }
    if (typeof msg !== 'object' || msg === null || !LIVE_TYPES.has(msg.type)) return;
    if (msg.type === 'hello') {
      this.attempts = 0;
      this.status = 'live';
      // A snapshot loaded (or loading) before this socket opened may miss what was committed in
      // between: a soft load reads that tail. Another capture behind the same address: start over.
      const t = this.#target;
      const known = t.loaded || t.loading;
      const other = t.capture !== null && t.capture.name !== msg.capture.name;
      void this.#snapshot(known && !other ? 'soft' : 'full');
    } else if (msg.type === 'reset') {
      // Announcements were dropped, not rows: the same capture's list stays (and keeps following
      // its tail); a soft load reads the tail, and the rows skipped load when scrolled to.
      void this.#snapshot(this.#target.loaded ? 'soft' : 'full');
    } else {
      this.#queue.push(msg);
      if (this.#ready) this.#schedule();
    }
  }

  /** Reloads from REST; deltas received meanwhile wait in the queue and are applied after it. */
  async #snapshot(mode: 'full' | 'soft'): Promise<void> {
    const seq = ++this.#snapshotSeq;
    this.#drop(); // what was queued before is in the snapshot (frames are announced after commit)
    await this.#target.load(mode);
    if (seq !== this.#snapshotSeq) return;
    this.#ready = true;
    if (this.#queue.length > 0) this.#schedule();
  }

  #schedule(): void {
    if (this.#cancelFlush.length > 0) return;
    this.#cancelFlush.push(this.#scheduler.frame(() => this.flush()), this.#scheduler.timeout(() => this.flush(), this.#flushMs));
  }

  #drop(): void {
    this.#ready = false;
    this.#queue = [];
    for (const cancel of this.#cancelFlush.splice(0)) cancel();
  }

  #closed(): void {
    this.#socket = null;
    this.#snapshotSeq++; // a snapshot still loading belongs to the dead socket
    this.#drop();
    if (this.#stopped) return;
    this.status = 'offline';
    // No live stream (yet): still show what the capture holds.
    if (!this.#target.loaded && !this.#target.loading && this.attempts === 0) void this.#target.load('full');
    const delay = Math.min(this.#backoff.maxMs, this.#backoff.minMs * 2 ** this.attempts);
    this.attempts++;
    this.#cancelRetry = this.#scheduler.timeout(() => this.#open(), delay);
  }
}
