// In-memory stand-ins for the REST API, the WebSocket and the browser's timers, for rune-state tests.
import type { CaptureInfo, FrameDetail, FrameFilterQuery, FramePage, FramePosition, FrameQuery, FrameSummary, SessionDetail, SessionQuery, SessionSummary, ConnectionSummary } from '../../shared/api/dto.js';
import type { Api } from '../../web/src/lib/api.js';
import type { Scheduler, SocketLike } from '../../web/src/lib/live.svelte.js';

const COMMANDS = ['VER', 'CVR', 'USR', 'CHG', 'ILN', 'MSG', '911', ''];

export function frame(id: number, over: Partial<FrameSummary> = {}): FrameSummary {
  const command = COMMANDS[id % COMMANDS.length] as string;
  return {
    id, sessionId: 1, connectionId: 1 + (id % 2), conn: id % 2 ? 'sb1' : 'ns1', dir: id % 2 ? 's2c' : 'c2s', index: id, tsWall: 1_700_000_000_000 + id,
    command, trId: command === 'MSG' || command === '' ? null : id, version: 'MSNP8', summary: `${command || 'raw'} frame ${id}`, size: 20,
    issueCount: command === '' ? 1 : 0, rewritten: false, ...over,
  };
}

export function session(id: number, over: Partial<SessionSummary> = {}): SessionSummary {
  return { id, handle: `user${id}@example.com`, client: '127.0.0.1', startedWall: 1_700_000_000_000, endedWall: null, imported: null, versions: ['MSNP8'], connectionCount: 2, frameCount: 0, live: true, ...over };
}

export function connection(id: number, sessionId: number, over: Partial<ConnectionSummary> = {}): ConnectionSummary {
  return {
    id, sessionId, label: `ns${id}`, kind: 'ns', client: '127.0.0.1:5000', upstream: '127.0.0.1:1863', referredBy: null, cookie: null, version: 'MSNP8',
    openedWall: 1_700_000_000_000, closedWall: null, closeReason: null, frameCount: 0, live: true, ...over,
  };
}

/** Matches the contract's filter semantics (FrameQuery) the way the tests assume the server does. */
function matches(q: FrameQuery, f: FrameSummary): boolean {
  if (q.session !== undefined && f.sessionId !== Number(q.session)) return false;
  if (q.connection !== undefined && f.connectionId !== Number(q.connection)) return false;
  if (q.command !== undefined && !q.command.split(',').includes(f.command)) return false;
  if (q.dir !== undefined && f.dir !== q.dir) return false;
  if (q.version !== undefined && f.version !== q.version) return false;
  if (q.trId !== undefined && f.trId !== Number(q.trId)) return false;
  if (q.errors && !(f.issueCount > 0 || /^\d{3}$/.test(f.command))) return false;
  if (q.q !== undefined) {
    const needle = q.q.toLowerCase();
    if (![f.command, f.summary, f.conn].some((s) => s.toLowerCase().includes(needle))) return false;
  }
  return true;
}

/**
 * A capture held in memory. Frames can be generated lazily (`count`) so a million-frame capture
 * costs nothing until a page is read. `paused` holds responses until `release()`.
 */
export class FakeApi implements Api {
  count: number;
  extra: FrameSummary[] = [];
  sessionList: SessionSummary[] = [session(1)];
  connectionList: ConnectionSummary[] = [connection(1, 1), connection(2, 1, { label: 'sb1', kind: 'sb' })];
  info: CaptureInfo = { name: 'test.sqlite', live: true, listen: '127.0.0.1:1863', upstream: '127.0.0.1:1864', counts: { sessions: 1, connections: 2, frames: 0 }, storeError: null, queued: 0 };
  /** Every request, as `GET path?query`. */
  readonly calls: string[] = [];
  paused = false;
  readonly #held: Array<() => void> = [];

  constructor(count = 0) {
    this.count = count;
  }

  /** Frames rewritten since they were committed (their issues grew), by id. */
  readonly amended = new Map<number, FrameSummary>();

  /** Frame at capture position i (ids start at 1). */
  at(i: number): FrameSummary {
    return this.amended.get(i + 1) ?? (i < this.count ? frame(i + 1) : (this.extra[i - this.count] as FrameSummary));
  }

  /** Rewrites a committed frame (as a late issue does) and returns it as it now is. */
  amend(id: number, over: Partial<FrameSummary>): FrameSummary {
    const f = { ...this.at(id - 1), ...over };
    this.amended.set(id, f);
    return f;
  }

  get length(): number {
    return this.count + this.extra.length;
  }

  /** Appends frames to the capture (what the proxy would commit) and returns them. */
  append(n: number, over: Partial<FrameSummary> = {}): FrameSummary[] {
    const out: FrameSummary[] = [];
    for (let k = 0; k < n; k++) {
      const f = frame(this.length + 1, over);
      this.extra.push(f);
      out.push(f);
    }
    return out;
  }

  /** Answers the held requests, in the order they came or newest first. */
  release(order: 'oldest-first' | 'newest-first' = 'oldest-first'): void {
    const held = this.#held.splice(0);
    for (const go of order === 'oldest-first' ? held : held.reverse()) go();
  }

  get pending(): number {
    return this.#held.length;
  }

  #respond<T>(call: string, make: () => T): Promise<T> {
    this.calls.push(call);
    if (!this.paused) return Promise.resolve(make());
    return new Promise((resolve) => this.#held.push(() => resolve(make())));
  }

  capture(): Promise<CaptureInfo> {
    return this.#respond('GET /api/capture', () => ({ ...this.info, counts: { ...this.info.counts, frames: this.length } }));
  }

  /** As the server pages them (SessionQuery): the newest `limit` of those selected, oldest first. */
  sessions(query: SessionQuery = {}): Promise<SessionSummary[]> {
    const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
    return this.#respond(`GET /api/sessions${search ? `?${search}` : ''}`, () => {
      const needle = query.handle?.toLowerCase();
      const selected = [...this.sessionList]
        .sort((a, b) => a.id - b.id)
        .filter((s) => (query.before === undefined || s.id < query.before) && (needle === undefined || (s.handle ?? '').toLowerCase().includes(needle)));
      return query.limit === undefined ? selected : selected.slice(-query.limit);
    });
  }

  session(id: number): Promise<SessionDetail> {
    return this.#respond(`GET /api/sessions/${id}`, () => {
      const s = this.sessionList.find((x) => x.id === id);
      if (!s) throw new Error('404');
      return { ...s, connections: this.connectionList.filter((c) => c.sessionId === id) };
    });
  }

  frames(query: FrameQuery): Promise<FramePage> {
    const { offset = 0, limit = 100, ...filter } = query;
    return this.#respond(`GET /api/frames?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString()}`, () => {
      const unfiltered = Object.keys(filter).length === 0;
      if (unfiltered) {
        // Positions are ids - 1: no need to materialise a million frames.
        const frames: FrameSummary[] = [];
        for (let i = offset; i < Math.min(this.length, offset + limit); i++) frames.push(this.at(i));
        return { total: this.length, offset, frames };
      }
      const all: FrameSummary[] = [];
      for (let i = 0; i < this.length; i++) if (matches(filter, this.at(i))) all.push(this.at(i));
      return { total: all.length, offset, frames: all.slice(offset, offset + limit) };
    });
  }

  frame(id: number): Promise<FrameDetail> {
    return this.#respond(`GET /api/frames/${id}`, () => {
      const f = this.at(id - 1);
      const partnerId = f.trId === null ? null : id % 2 ? id + 1 : id - 1;
      return {
        ...f, bytes: btoa(`${f.command} ${f.trId ?? ''}\r\n`), rewrittenBytes: null, partnerId,
        decoded: { conn: f.conn, dir: f.dir, index: f.index, command: f.command, trId: f.trId, params: [], payloadLength: null, version: f.version, fields: [], issues: [], t_ms: f.tsWall, offset: 0, size: f.size, kind: 'command', title: f.command, summary: f.summary },
      };
    });
  }

  framePosition(id: number, filters: FrameFilterQuery): Promise<FramePosition> {
    const query = new URLSearchParams(Object.entries(filters).map(([k, v]) => [k, String(v)])).toString();
    return this.#respond(`GET /api/frames/${id}/position${query ? `?${query}` : ''}`, () => {
      if (id < 1 || id > this.length) throw new Error('404');
      if (Object.keys(filters).length === 0) return { position: id - 1 };
      let position = 0;
      for (let i = 0; i < id - 1; i++) if (matches(filters, this.at(i))) position++;
      return { position: matches(filters, this.at(id - 1)) ? position : null };
    });
  }

  /** Requests for frame pages (GET /api/frames?…). */
  get frameCalls(): string[] {
    return this.calls.filter((c) => c.startsWith('GET /api/frames?'));
  }
}

/** A WebSocket the test drives: `open()`, `send(msg)`, `drop()`. */
export class FakeSocket implements SocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  closed = false;

  constructor(readonly url: string) {}

  send(message: unknown): void {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) });
  }

  drop(): void {
    this.onerror?.({});
    this.onclose?.({});
  }

  close(): void {
    this.closed = true;
  }
}

/** Animation frames and timers that run only when the test says so. */
export class FakeScheduler implements Scheduler {
  frames: Array<() => void> = [];
  timers: Array<{ ms: number; run: () => void }> = [];

  frame(callback: () => void): () => void {
    this.frames.push(callback);
    return () => {
      this.frames = this.frames.filter((f) => f !== callback);
    };
  }

  timeout(callback: () => void, ms: number): () => void {
    const t = { ms, run: callback };
    this.timers.push(t);
    return () => {
      this.timers = this.timers.filter((x) => x !== t);
    };
  }

  runFrames(): void {
    for (const f of this.frames.splice(0)) f();
  }

  runTimers(): void {
    for (const t of this.timers.splice(0)) t.run();
  }
}

/** Lets pending promise callbacks (fake responses) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}
