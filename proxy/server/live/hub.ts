// The live stream's source: collects what each committed batch wrote (never anything uncommitted, so a
// REST read after an announcement finds it) and, once per tick, sends every subscriber the sessions and
// connections that changed, then all new frames in one `frames/add`, and `capture/update` when the
// capture's health changes.
import type { CaptureInfo, FrameSummary } from '../../../shared/api/dto.js';
import type { LiveMessage } from '../../../shared/api/live.js';
import { committedFrameSummary, type CaptureQueries } from '../../capture/queries.js';
import type { CommitBatch, StoredFrame } from '../../capture/store.js';
import { LiveClient, type LiveClientLimits, type LiveSocket, encode } from './client.js';

export interface LiveHubOptions extends LiveClientLimits {
  /** How often changes are announced (default 50 ms). */
  tickMs?: number;
  /** Shortest interval between two capture/update messages about counts alone (default 1000 ms). */
  countsEveryMs?: number;
}

/** What happened since the last tick. */
export interface Changes {
  sessions?: Iterable<number>;
  connections?: Iterable<number>;
  /** Frames just committed by this process's store. */
  committed?: StoredFrame[];
  /** Frames read back from the file (written by another process). */
  frames?: FrameSummary[];
  /** Frames announced before, as they are now that their issues were rewritten. */
  updated?: FrameSummary[];
}

export class LiveHub {
  readonly #queries: CaptureQueries;
  readonly #info: () => CaptureInfo;
  readonly #live: boolean;
  readonly #limits: LiveClientLimits;
  readonly #tickMs: number;
  readonly #countsEveryMs: number;
  readonly #clients = new Set<LiveClient>();
  #sessions = new Set<number>();
  #connections = new Set<number>();
  #committed: StoredFrame[] = [];
  #frames: FrameSummary[] = [];
  #updated: FrameSummary[] = [];
  #timer: NodeJS.Timeout | null = null;
  #health = '';
  #counts = '';
  #countsSentAt = 0;

  /** `live`: a proxy is writing the capture (connections without a close are open). */
  constructor(queries: CaptureQueries, info: () => CaptureInfo, live: boolean, options: LiveHubOptions = {}) {
    this.#queries = queries;
    this.#info = info;
    this.#live = live;
    this.#limits = options;
    this.#tickMs = Math.max(1, options.tickMs ?? 50);
    this.#countsEveryMs = options.countsEveryMs ?? 1000;
  }

  get clientCount(): number { return this.#clients.size; }

  /** Brings in changes from elsewhere (a watched file) before a new subscriber's hello. */
  beforeJoin: (() => void) | null = null;

  /** Store commit listener (subscribe with `store.onCommit(hub.onCommit)`). */
  readonly onCommit = (batch: CommitBatch): void => {
    // Before add(), which drops everything when nobody listens: the queries' positions must learn of it.
    const updated = this.#queries.amended(batch.amended);
    this.add({
      sessions: batch.sessions,
      connections: [...batch.connections, ...batch.closes.map((c) => c.connectionId)],
      committed: batch.frames,
      updated,
    });
  };

  add(changes: Changes): void {
    if (this.#clients.size === 0) return; // nobody to tell; a new subscriber starts from REST
    for (const id of changes.sessions ?? []) this.#sessions.add(id);
    for (const id of changes.connections ?? []) this.#connections.add(id);
    for (const f of changes.committed ?? []) {
      this.#connections.add(f.connectionId);
      // The decoder may still add issues to a frame later: freeze what was written.
      this.#committed.push({ ...f, issues: [...f.issues] });
    }
    for (const f of changes.frames ?? []) {
      this.#connections.add(f.connectionId);
      this.#frames.push(f);
    }
    for (const f of changes.updated ?? []) this.#updated.push(f);
  }

  /** A new subscriber: `hello` first; it then loads its snapshot over REST and applies what follows. */
  join(socket: LiveSocket): LiveClient {
    // What is pending was committed before this hello, so it is in the snapshot: announce it to the
    // others first, and only later commits to the newcomer.
    this.beforeJoin?.();
    this.tick();
    const client = new LiveClient(socket, this.#limits);
    const capture = this.#info();
    client.send({ type: 'hello', capture });
    if (this.#health === '') this.#captureUpdate(); // the baseline later updates compare with
    this.#clients.add(client);
    this.#timer ??= setInterval(() => this.tick(), this.#tickMs).unref();
    return client;
  }

  leave(client: LiveClient): void {
    this.#clients.delete(client);
    if (this.#clients.size === 0) this.#stop();
  }

  close(): void {
    this.#clients.clear();
    this.#stop();
  }

  /** Announces everything pending (the timer calls this every tickMs). */
  tick(): void {
    if (this.#clients.size === 0) {
      this.#reset();
      return;
    }
    for (const message of this.#messages()) this.#broadcast(message);
    for (const client of this.#clients) client.pump();
  }

  #messages(): LiveMessage[] {
    const messages: LiveMessage[] = [];
    const capture = this.#captureUpdate();
    if (capture) messages.push({ type: 'capture/update', capture });
    if (this.#connections.size === 0 && this.#sessions.size === 0) {
      this.#pushUpdated(messages);
      return messages;
    }

    const connections = this.#queries.connectionSummaries([...this.#connections].sort((a, b) => a - b), this.#live);
    const byId = new Map(connections.map((c) => [c.id, c]));
    for (const c of connections) this.#sessions.add(c.sessionId);
    for (const session of this.#queries.sessionSummaries([...this.#sessions].sort((a, b) => a - b), this.#live)) {
      messages.push({ type: 'sessions/upsert', session });
    }
    for (const connection of connections) messages.push({ type: 'connections/upsert', connection });
    const frames = [
      ...this.#committed.map((f) => committedFrameSummary(f, byId.get(f.connectionId) ?? { label: '', sessionId: 0 })),
      ...this.#frames,
    ];
    if (frames.length > 0) messages.push({ type: 'frames/add', frames });
    this.#pushUpdated(messages); // after the frames they may update
    this.#reset();
    return messages;
  }

  #pushUpdated(messages: LiveMessage[]): void {
    if (this.#updated.length > 0) messages.push({ type: 'frames/update', frames: this.#updated });
    this.#updated = [];
  }

  /** The capture's state when its health changed, or (at most every countsEveryMs) its counts did. */
  #captureUpdate(): CaptureInfo | null {
    const info = this.#info();
    const health = JSON.stringify([info.storeError, info.live]);
    const counts = JSON.stringify([info.counts, info.queued]);
    const now = Date.now();
    const healthChanged = this.#health !== '' && health !== this.#health;
    const countsDue = this.#counts !== '' && counts !== this.#counts && now - this.#countsSentAt >= this.#countsEveryMs;
    const first = this.#health === '';
    this.#health = health;
    if (first) {
      this.#counts = counts;
      this.#countsSentAt = now;
      return null;
    }
    if (!healthChanged && !countsDue) return null;
    this.#counts = counts;
    this.#countsSentAt = now;
    return info;
  }

  #broadcast(message: LiveMessage): void {
    const encoded = encode(message);
    for (const client of this.#clients) client.sendEncoded(encoded);
  }

  #reset(): void {
    this.#sessions = new Set();
    this.#connections = new Set();
    this.#committed = [];
    this.#frames = [];
    this.#updated = [];
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#reset();
    this.#health = '';
    this.#counts = '';
  }
}
