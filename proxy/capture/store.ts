// The capture store: one SQLite file per capture. The proxy relays on the same thread, so the store
// never makes it wait on the database: ids are handed out from memory, records wait in a queue, and
// the queue goes to the writer (proxy/capture/writer-link.ts: a writer thread, or inline) in one
// transaction when a transaction's share of a batch has gathered or batchMs has passed. A failed
// write keeps the queue, in order, and is retried with backoff, so a locked database or a full disk
// delays records but never loses them. Reads (and migrations) use this thread's own connection and
// see what has been committed.
import { availableParallelism } from 'node:os';
import Database from 'better-sqlite3';
import type { ConnectionKind, Direction } from '../../shared/msnp/types.js';
import type {
  ChunkRecord,
  ConnectionClose,
  ConnectionOpen,
  ConnectionUpdate,
  FrameRecord,
  SessionOpen,
  SessionUpdate,
} from './records.js';
import type { Op, WriteReply } from './batch-writer.js';
import { migrate } from './schema.js';
import { errorText, sleepSync } from './sqlite-errors.js';
import { InlineLink, ThreadLink, type WriterLink } from './writer-link.js';

export type LogLevel = 'info' | 'warn' | 'error';

export interface CaptureStoreOptions {
  /** Longest a record waits in the queue when the database is healthy (default 50 ms). */
  batchMs?: number;
  /**
   * A batch: at most batchSize records or batchBytes bytes of reads and frames, whichever comes first
   * (default 500 records, 512 KiB inline; 1,500 records, 1.5 MiB with the writer thread). A batch is
   * written in transactions of a half (inline) or a third (thread) of it: that much queued is handed to
   * the writer at once. A caller that gets a whole batch ahead of the writer waits for it, so at most a
   * batch is ever uncommitted (all a kill -9 can lose) except behind an outage.
   */
  batchSize?: number;
  batchBytes?: number;
  log?: (level: LogLevel, message: string) => void;
  /** Open for reading only (never creates, upgrades or writes the file). */
  readonly?: boolean;
  /** Caps the file at this many pages (SQLITE_FULL beyond): a disk-full simulation or a quota. */
  maxPageCount?: number;
  /**
   * Where SQLite writes run: the process's writer thread (this thread never waits on the disk, and the
   * decoder and SQLite use two cores), inline on this thread between its other work, or 'auto'
   * (default): the thread unless there is a single CPU.
   */
  writer?: 'auto' | 'thread' | 'inline';
}

export interface StoreHealth {
  /** Records waiting to be written. */
  queued: number;
  /** Written by this store since it was opened. */
  committedFrames: number;
  committedChunks: number;
  /** Failed write attempts since the last successful one (0 when healthy). */
  failures: number;
  /** The current outage's latest error and when the outage began (ms since the epoch); null when healthy. */
  lastError: string | null;
  since: number | null;
  /** Records SQLite refused outright (a constraint, a bad value): logged and set aside, never retried. */
  rejected: number;
}

export interface SessionRow {
  id: number;
  startedWall: number;
  client: string;
  handle: string | null;
  imported: string | null;
  endedWall: number | null;
}

export interface ConnectionRow {
  id: number;
  sessionId: number;
  label: string;
  kind: ConnectionKind;
  client: string;
  upstream: string;
  listen: string;
  referredBy: number | null;
  cookie: string | null;
  version: number | null;
  handle: string | null;
  openedWall: number;
  openedMono: number;
  closedWall: number | null;
  closedMono: number | null;
  closeReason: string | null;
  /** Frames stored for this connection. */
  frames: number;
}

export interface FrameRow {
  id: number;
  connectionId: number;
  dir: Direction;
  index: number;
  offset: number;
  tsWall: number;
  tsMono: number;
  bytes: Buffer;
  rewritten: Buffer | null;
  command: string;
  trId: number | null;
  issues: string[];
  summary: string | null;
  version: number | null;
  sessionId: number | null;
}

export interface StoredChunk {
  chunkId: number;
  sessionId: number;
  connectionId: number;
  label: string;
  dir: Direction;
  tsWall: number;
  tsMono: number;
  bytes: Buffer;
}

export type StoredFrame = FrameRecord & { id: number };

/** What one committed transaction wrote; announced only after the commit. */
export interface CommitBatch {
  /** Sessions opened or updated. */
  sessions: number[];
  /** Connections opened or updated (closes are in `closes`). */
  connections: number[];
  frames: StoredFrame[];
  /** Reads written. */
  chunks: number;
  closes: Array<ConnectionClose & { connectionId: number }>;
  /** Frames written earlier whose issues this commit rewrote. */
  amended: Array<{ connectionId: number; index: number }>;
}

const KINDS: ReadonlySet<string> = new Set<ConnectionKind>(['dispatch', 'ns', 'sb', 'unknown']);
const DIRS: ReadonlySet<string> = new Set<Direction>(['c2s', 's2c']);
const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 2000;
/** Most records in one transaction (in batchSize units): after an outage the queue is written in slices. */
const SLICES_PER_BATCH = 8;
/** How long flush() and close() wait for the writer thread's answer. */
const SETTLE_TIMEOUT_MS = 30_000;
const CLOSE_RETRY_MS = [25, 50, 100, 200, 400];

/** Where a store's SQLite writes run for this `writer` option on this machine. */
export function writerMode(mode: CaptureStoreOptions['writer'] = 'auto'): 'thread' | 'inline' {
  return mode === 'auto' ? (availableParallelism() > 1 ? 'thread' : 'inline') : mode;
}

function bytesOf(op: Op): number {
  if (op.type === 'chunk') return op.record.bytes.length;
  if (op.type === 'frame') return op.record.bytes.length + (op.record.rewritten?.length ?? 0);
  return 0;
}

function defaultLog(level: LogLevel, message: string): void {
  process.stderr.write(`capture store ${level}: ${message}\n`);
}

const CONNECTION_COLUMNS = `c.*, (SELECT count(*) FROM frames f WHERE f.connection_id = c.id) AS frame_count`;

function readStatements(db: Database.Database) {
  return {
    listSessions: db.prepare('SELECT * FROM sessions ORDER BY id'),
    getSession: db.prepare('SELECT * FROM sessions WHERE id = ?'),
    allConnections: db.prepare(`SELECT ${CONNECTION_COLUMNS} FROM connections c ORDER BY c.id`),
    sessionConnections: db.prepare(`SELECT ${CONNECTION_COLUMNS} FROM connections c WHERE c.session_id = ? ORDER BY c.id`),
    listFrames: db.prepare('SELECT * FROM frames WHERE connection_id = ? AND idx > ? ORDER BY idx, id LIMIT ?'),
    sessionChunks: db.prepare(
      `SELECT ch.id, c.session_id, ch.connection_id, c.label, ch.dir, ch.ts_wall, ch.ts_mono, ch.bytes
       FROM chunks ch JOIN connections c ON c.id = ch.connection_id WHERE c.session_id = ? ORDER BY ch.id`,
    ),
    allChunks: db.prepare(
      `SELECT ch.id, c.session_id, ch.connection_id, c.label, ch.dir, ch.ts_wall, ch.ts_mono, ch.bytes
       FROM chunks ch JOIN connections c ON c.id = ch.connection_id ORDER BY ch.id`,
    ),
    counts: db.prepare(
      `SELECT (SELECT count(*) FROM sessions) AS sessions, (SELECT count(*) FROM connections) AS connections,
              (SELECT count(*) FROM chunks) AS chunks, (SELECT count(*) FROM frames) AS frames`,
    ),
  };
}

// Rows as SQLite returns them (snake_case); mapped to the camelCase types here and nowhere else.
type Raw = Record<string, unknown>;

const sessionRow = (r: Raw): SessionRow => ({
  id: r.id as number,
  startedWall: r.started_wall as number,
  client: r.client as string,
  handle: r.handle as string | null,
  imported: r.imported as string | null,
  endedWall: r.ended_wall as number | null,
});

const connectionRow = (r: Raw): ConnectionRow => ({
  id: r.id as number,
  sessionId: r.session_id as number,
  label: r.label as string,
  kind: r.kind as ConnectionKind,
  client: r.client as string,
  upstream: r.upstream as string,
  listen: r.listen as string,
  referredBy: r.referred_by as number | null,
  cookie: r.cookie as string | null,
  version: r.version as number | null,
  handle: r.handle as string | null,
  openedWall: r.opened_wall as number,
  openedMono: r.opened_mono as number,
  closedWall: r.closed_wall as number | null,
  closedMono: r.closed_mono as number | null,
  closeReason: r.close_reason as string | null,
  frames: r.frame_count as number,
});

const frameRow = (r: Raw): FrameRow => ({
  id: r.id as number,
  connectionId: r.connection_id as number,
  dir: r.dir as Direction,
  index: r.idx as number,
  offset: r.offset as number,
  tsWall: r.ts_wall as number,
  tsMono: r.ts_mono as number,
  bytes: r.bytes as Buffer,
  rewritten: r.rewritten as Buffer | null,
  command: r.command as string,
  trId: r.tr_id as number | null,
  issues: JSON.parse(r.issues as string) as string[],
  summary: (r.summary ?? null) as string | null,
  version: (r.version ?? null) as number | null,
  sessionId: (r.session_id ?? null) as number | null,
});

const chunkRow = (r: Raw): StoredChunk => ({
  chunkId: r.id as number,
  sessionId: r.session_id as number,
  connectionId: r.connection_id as number,
  label: r.label as string,
  dir: r.dir as Direction,
  tsWall: r.ts_wall as number,
  tsMono: r.ts_mono as number,
  bytes: r.bytes as Buffer,
});

export class CaptureStore {
  readonly file: string;
  readonly readonly: boolean;
  private readonly db: Database.Database;
  /** Null for a read-only store. */
  private link: WriterLink | null;
  private readonly writerOptions: { maxPageCount?: number };
  private readonly read: ReturnType<typeof readStatements>;
  private readonly batchMs: number;
  /** The batch the caller chose, if any (else the writer's own, see feed()). */
  private readonly sizes: { batchSize: number | undefined; batchBytes: number | undefined };
  private batchSize = 1;
  private batchBytes = 1;
  /** Transactions per batch, and how many may be with the writer at once. */
  private depth = 1;
  private readonly log: (level: LogLevel, message: string) => void;
  private readonly listeners = new Set<(batch: CommitBatch) => void>();
  private readonly exitHook = () => this.flush();

  private queue: Op[] = [];
  /** Bytes of reads and frames in the queue (those in flight included). */
  private queuedBytes = 0;
  /**
   * Batches with the writer, oldest first: the first `inFlight` records of the queue, `inFlightBytes`
   * bytes. Up to `depth` may be out at once, so that the writer thread starts the next as soon as it has
   * answered one.
   */
  private flights: Array<{ count: number; bytes: number }> = [];
  private inFlight = 0;
  private inFlightBytes = 0;
  /**
   * Bumped when a batch fails. The writer refuses every later batch of the same chain (so none can be
   * written before the one that failed), and the store ignores their answers: their records are still queued.
   */
  private chain = 0;
  /** Writing the backlog an outage left (more than a batch): callers do not wait for it. */
  private draining = false;
  private nextSessionId: number;
  private nextConnectionId: number;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private committedFrames = 0;
  private committedChunks = 0;
  private rejected = 0;
  // The current outage, if any.
  private failures = 0;
  private lastError: string | null = null;
  private since: number | null = null;
  private backoffMs = FIRST_BACKOFF_MS;
  private readonly loggedErrors = new Set<string>();

  private constructor(file: string, db: Database.Database, options: CaptureStoreOptions) {
    this.file = file;
    this.db = db;
    this.readonly = options.readonly ?? false;
    this.batchMs = options.batchMs ?? 50;
    this.sizes = { batchSize: options.batchSize, batchBytes: options.batchBytes };
    this.log = options.log ?? defaultLog;
    this.writerOptions = options.maxPageCount === undefined ? {} : { maxPageCount: options.maxPageCount };
    this.link = this.readonly ? null
      : writerMode(options.writer) === 'inline' ? new InlineLink(file, this.writerOptions) : new ThreadLink(file, this.writerOptions);
    if (this.link) this.feed(this.link);
    this.read = readStatements(db);
    const max = db.prepare('SELECT (SELECT coalesce(max(id), 0) FROM sessions) AS s, (SELECT coalesce(max(id), 0) FROM connections) AS c').get() as { s: number; c: number };
    this.nextSessionId = max.s + 1;
    this.nextConnectionId = max.c + 1;
    // Timers are unref'd, so a process may exit with records queued: write them on the way out.
    if (!this.readonly) process.on('exit', this.exitHook);
  }

  static open(file: string, options: CaptureStoreOptions = {}): CaptureStore {
    const readonly = options.readonly ?? false;
    // A busy timeout would block the relaying thread: writes fail at once and are retried from the queue.
    // A read-only store relays nothing, so it may wait a little for a checkpoint to finish.
    let db: Database.Database;
    try {
      db = new Database(file, { readonly, fileMustExist: readonly, timeout: readonly ? 1000 : 0 });
    } catch (error) {
      throw naming(error, file);
    }
    try {
      if (!readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
      }
      migrate(db, file, { readonly });
      if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.floor(options.maxPageCount)}`);
      return new CaptureStore(file, db, options);
    } catch (error) {
      db.close();
      throw naming(error, file);
    }
  }

  // ---- writes: synchronous for the caller, queued for the database ----

  openSession(s: SessionOpen): number {
    const id = this.nextSessionId++;
    this.enqueue({ type: 'session', id, record: s });
    return id;
  }

  updateSession(id: number, u: SessionUpdate): void {
    this.checkSession(id);
    this.enqueue({ type: 'session-update', id, update: u });
  }

  openConnection(c: ConnectionOpen): number {
    this.checkSession(c.sessionId);
    this.checkKind(c.kind);
    if (c.referredBy !== undefined) this.checkConnection(c.referredBy);
    const id = this.nextConnectionId++;
    this.enqueue({ type: 'connection', id, record: c });
    return id;
  }

  updateConnection(id: number, u: ConnectionUpdate): void {
    this.checkConnection(id);
    if (u.kind !== undefined) this.checkKind(u.kind);
    this.enqueue({ type: 'connection-update', id, update: u });
  }

  closeConnection(id: number, c: ConnectionClose): void {
    this.checkConnection(id);
    this.enqueue({ type: 'close', id, record: c });
  }

  /** The store keeps the record's Buffer until it is written: do not modify it afterwards. */
  addChunk(c: ChunkRecord): void {
    this.checkConnection(c.connectionId);
    this.checkDir(c.dir);
    this.enqueue({ type: 'chunk', record: c });
  }

  /** The store keeps the record's Buffers until they are written: do not modify them afterwards. */
  addFrame(f: FrameRecord): void {
    this.checkConnection(f.connectionId);
    this.checkDir(f.dir);
    this.enqueue({ type: 'frame', record: f });
  }

  /**
   * A frame's issues grew after it was handed over (the decoder gives up on a request when its
   * connection ends): the row gets them too, whether it is written already or still queued.
   */
  amendFrame(connectionId: number, index: number, issues: readonly string[]): void {
    this.checkConnection(connectionId);
    this.enqueue({ type: 'frame-issues', record: { connectionId, index, issues: [...issues] } });
  }

  /** Writes everything queued now, in one transaction. False when that failed (the queue is kept). */
  flush(): boolean {
    if (this.closed || this.readonly) return this.queue.length === 0;
    this.clearTimer();
    if (!this.settle(true)) return false;
    if (this.queue.length === 0) return true;
    const ok = this.dispatch(Infinity) && this.settle(true) && this.queue.length === 0;
    if (!ok && !this.timer) this.armRetry();
    return ok;
  }

  /** Flushes (retrying briefly), then closes. True when every record was written. */
  close(): boolean {
    if (this.closed) return this.queue.length === 0;
    let ok = this.flush();
    for (const ms of CLOSE_RETRY_MS) {
      if (ok) break;
      sleepSync(ms);
      ok = this.flush();
    }
    this.clearTimer();
    this.closed = true;
    process.off('exit', this.exitHook);
    if (!ok) this.log('error', `${this.file}: closed with ${this.queue.length} records not written (${this.lastError})`);
    this.link?.close();
    this.db.close();
    return ok;
  }

  health(): StoreHealth {
    return {
      queued: this.queue.length,
      committedFrames: this.committedFrames,
      committedChunks: this.committedChunks,
      failures: this.failures,
      lastError: this.lastError,
      since: this.since,
      rejected: this.rejected,
    };
  }

  /** Called after each committed transaction, with what it wrote. Returns the unsubscribe function. */
  onCommit(listener: (batch: CommitBatch) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes the page cap (see CaptureStoreOptions.maxPageCount); returns the cap SQLite applied. */
  setMaxPageCount(pages: number): number {
    if (!this.link) throw new Error(`capture store ${this.file} is open read-only`);
    this.writerOptions.maxPageCount = pages;
    return this.link.setMaxPageCount(pages);
  }

  // ---- reads: what has been committed (flush() first to include the queue) ----

  /** The open connection, for read queries kept beside the store (proxy/capture/queries.ts). Never write through it. */
  readDatabase(): Database.Database {
    return this.db;
  }

  listSessions(): SessionRow[] {
    return (this.read.listSessions.all() as Raw[]).map(sessionRow);
  }

  getSession(id: number): SessionRow | undefined {
    const row = this.read.getSession.get(id) as Raw | undefined;
    return row && sessionRow(row);
  }

  listConnections(sessionId?: number): ConnectionRow[] {
    const rows = sessionId === undefined ? this.read.allConnections.all() : this.read.sessionConnections.all(sessionId);
    return (rows as Raw[]).map(connectionRow);
  }

  /** A connection's frames in index order, after `afterIndex` (exclusive), at most `limit`. */
  listFrames(connectionId: number, opts: { afterIndex?: number; limit?: number } = {}): FrameRow[] {
    const rows = this.read.listFrames.all(connectionId, opts.afterIndex ?? -1, opts.limit ?? -1);
    return (rows as Raw[]).map(frameRow);
  }

  /** Every read of a session (of all sessions when omitted), in capture order. */
  sessionChunks(sessionId?: number): StoredChunk[] {
    const rows = sessionId === undefined ? this.read.allChunks.all() : this.read.sessionChunks.all(sessionId);
    return (rows as Raw[]).map(chunkRow);
  }

  counts(): { sessions: number; connections: number; chunks: number; frames: number } {
    return this.read.counts.get() as { sessions: number; connections: number; chunks: number; frames: number };
  }

  // ---- queue ----

  private enqueue(op: Op): void {
    if (this.closed) throw new Error(`capture store ${this.file} is closed`);
    if (this.readonly) throw new Error(`capture store ${this.file} is open read-only`);
    this.queue.push(op);
    this.queuedBytes += bytesOf(op);
    // A caller that never yields to the event loop (a burst of frames from one read) still hears the
    // writer's answer as soon as it is there, so the next batch goes while this one gathers.
    if (this.inFlight > 0) this.link!.poll();
    if (this.since !== null) return; // in an outage the retry timer owns the queue
    this.next(1);
    if (this.flights.length > 0 && !this.draining && this.atLeast(this.queue.length, this.queuedBytes, 1) && this.settle()) {
      // The writer is a whole batch behind: wait for its oldest, so that never more than a batch is
      // uncommitted (all a kill -9 can lose, and a bound on memory). Relaying waits only when capture
      // cannot keep up; not while a backlog left by an outage is written (in slices, behind which records
      // simply queue). The next transactions are with the writer already, so it does not idle meanwhile.
      this.next(1);
    }
  }

  /** Up to `batches` batches go at once when a transaction's share of a batch waits (and the writer may take one), else within batchMs. */
  private next(batches: number): void {
    if (this.atLeast(this.queue.length - this.inFlight, this.queuedBytes - this.inFlightBytes, 1 / this.depth)) this.dispatch(batches);
    else if (!this.timer) this.arm(this.batchMs);
  }

  /** Whether `records` records of `bytes` bytes make `share` of a batch (in records or in bytes). */
  private atLeast(records: number, bytes: number, share: number): boolean {
    return records >= this.batchSize * share || bytes >= this.batchBytes * share;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.tick(), ms);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private armRetry(): void {
    this.clearTimer();
    this.arm(this.backoffMs);
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
  }

  private tick(): void {
    this.timer = null;
    if (this.closed || this.queue.length === this.inFlight) return;
    this.dispatch(this.flights.length === 0 ? SLICES_PER_BATCH : 1);
  }

  /**
   * Hands the first queued records not with the writer yet, up to `batches` batches of them, to the
   * writer as one transaction (unless `depth` are out). False when that failed at once.
   */
  private dispatch(batches: number): boolean {
    if (this.flights.length >= this.depth || this.queue.length === this.inFlight) return true;
    this.clearTimer();
    const from = this.inFlight;
    let count = 0;
    let bytes = 0;
    while (from + count < this.queue.length && (count === 0 || !this.atLeast(count, bytes, batches))) bytes += bytesOf(this.queue[from + count++]!);
    const ops = this.queue.slice(from, from + count);
    this.flights.push({ count, bytes });
    this.inFlight += count;
    this.inFlightBytes += bytes;
    const chain = this.chain;
    let outcome = true;
    this.link!.write(ops, chain, (reply) => (outcome = this.written(ops, chain, reply)));
    return outcome;
  }

  /**
   * Waits for the oldest batch with the writer (`all`: for every one). False when it failed or did not
   * answer in time.
   */
  private settle(all = false): boolean {
    if (this.flights.length === 0) return true;
    if (!this.link!.settle(SETTLE_TIMEOUT_MS, all ? 0 : this.flights.length - 1)) {
      this.failed(new Error(`the capture writer did not answer within ${SETTLE_TIMEOUT_MS} ms`));
      return false;
    }
    return this.since === null;
  }

  /**
   * A batch's outcome (batches are answered in order): on success its records leave the queue and are
   * announced; on failure they stay, and so do those of every batch handed over after it.
   */
  private written(ops: Op[], chain: number, reply: WriteReply): boolean {
    if (chain !== this.chain) return false; // refused by the writer after an earlier failure: still queued
    const { bytes } = this.flights.shift()!;
    this.inFlight -= ops.length;
    this.inFlightBytes -= bytes;
    if (!reply.ok) {
      this.chain++;
      this.flights = [];
      this.inFlight = 0;
      this.inFlightBytes = 0;
      if (this.link instanceof ThreadLink && this.link.dead !== null && !this.closed) this.fallBackInline();
      this.failed(reply.error);
      if (!this.closed) this.armRetry();
      return false;
    }
    this.queue.splice(0, ops.length);
    this.queuedBytes -= bytes;
    const batch = this.committed(ops, reply);
    if (this.since !== null) this.draining = true;
    if (!this.atLeast(this.queue.length, this.queuedBytes, 1)) this.draining = false;
    this.recovered(ops.length);
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch (error) {
        this.log('error', `commit listener failed: ${errorText(error)}`);
      }
    }
    // What gathered meanwhile goes next (after an outage, in slices of several batches).
    if (!this.closed && this.queue.length > this.inFlight) this.next(SLICES_PER_BATCH);
    return true;
  }

  private committed(ops: Op[], reply: Extract<WriteReply, { ok: true }>): CommitBatch {
    const batch: CommitBatch = { sessions: [], connections: [], frames: [], chunks: 0, closes: [], amended: [] };
    const refused = reply.refused.length === 0 ? null : new Set(reply.refused.map((r) => r.index));
    let frame = 0;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const id = op.type === 'frame' ? reply.frameIds[frame++] : 0;
      if (refused?.has(i)) continue;
      switch (op.type) {
        case 'session':
        case 'session-update':
          batch.sessions.push(op.id);
          break;
        case 'connection':
        case 'connection-update':
          batch.connections.push(op.id);
          break;
        case 'close':
          batch.closes.push({ connectionId: op.id, ...op.record });
          break;
        case 'chunk':
          batch.chunks++;
          break;
        case 'frame-issues':
          batch.amended.push({ connectionId: op.record.connectionId, index: op.record.index });
          break;
        case 'frame': {
          // The queued record is the store's own from here: give it its id rather than copying it.
          const stored = op.record as StoredFrame;
          stored.id = id!;
          batch.frames.push(stored);
          break;
        }
      }
    }
    this.committedFrames += batch.frames.length;
    this.committedChunks += batch.chunks;
    this.rejected += reply.refused.length;
    for (const { why } of reply.refused) this.log('error', `${this.file}: record refused, set aside: ${why}`);
    return batch;
  }

  /** The writer thread is gone (a crash, not a database error): write on this thread from now on. */
  private fallBackInline(): void {
    this.log('error', `${this.file}: ${(this.link as ThreadLink).dead}; writing on the relay thread from now on`);
    this.link = new InlineLink(this.file, this.writerOptions);
    this.feed(this.link);
  }

  /** Batches as this writer takes them, unless the caller chose their size. */
  private feed(link: WriterLink): void {
    this.batchSize = Math.max(1, this.sizes.batchSize ?? link.pipeline.batchSize);
    this.batchBytes = Math.max(1, this.sizes.batchBytes ?? link.pipeline.batchBytes);
    this.depth = link.pipeline.depth;
  }

  private failed(error: unknown): false {
    const text = typeof error === 'string' ? error : errorText(error);
    this.failures++;
    this.lastError = text;
    this.since ??= Date.now();
    // Once per distinct error: a locked file retried every 2 s must not flood the log.
    if (!this.loggedErrors.has(text)) {
      this.loggedErrors.add(text);
      this.log('warn', `${this.file}: write failed, ${this.queue.length} records kept and retried: ${text}`);
    }
    return false;
  }

  private recovered(written: number): void {
    if (this.since === null) return;
    const seconds = ((Date.now() - this.since) / 1000).toFixed(1);
    this.log('info', `${this.file}: writing again after ${this.failures} failed attempts over ${seconds} s (${written} records written)`);
    this.failures = 0;
    this.lastError = null;
    this.since = null;
    this.backoffMs = FIRST_BACKOFF_MS;
    this.loggedErrors.clear();
  }

  // Ids come from this store, so an unknown one is a caller bug: refuse it here rather than let its
  // row fail a whole batch later.
  private checkSession(id: number): void {
    if (!Number.isInteger(id) || id < 1 || id >= this.nextSessionId) throw new RangeError(`unknown session id ${id}`);
  }

  private checkConnection(id: number): void {
    if (!Number.isInteger(id) || id < 1 || id >= this.nextConnectionId) throw new RangeError(`unknown connection id ${id}`);
  }

  private checkKind(kind: string): void {
    if (!KINDS.has(kind)) throw new RangeError(`unknown connection kind '${kind}'`);
  }

  private checkDir(dir: string): void {
    if (!DIRS.has(dir)) throw new RangeError(`unknown direction '${dir}'`);
  }
}

/** SQLite's messages ("file is not a database", "database is locked") do not say which file. */
function naming(error: unknown, file: string): unknown {
  if (error instanceof Error && !error.message.includes(file)) error.message = `${file}: ${error.message}`;
  return error;
}
