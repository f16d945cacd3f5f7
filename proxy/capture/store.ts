// The capture store: one SQLite file per capture. The proxy relays on the same thread, so writes never
// block it: ids are handed out from memory, records wait in a queue, and the queue is written in one
// transaction every batchMs (or at batchSize records). A failed write keeps the queue, in order, and is
// retried with backoff, so a locked database or a full disk delays records but never loses them.
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
import { migrate } from './schema.js';
import { errorText, isRecordError, sleepSync } from './sqlite-errors.js';

export type LogLevel = 'info' | 'warn' | 'error';

export interface CaptureStoreOptions {
  /** Longest a record waits in the queue when the database is healthy (default 50 ms). */
  batchMs?: number;
  /** Queue length that triggers a write at once (default 500 records). */
  batchSize?: number;
  log?: (level: LogLevel, message: string) => void;
  /** Open for reading only (never creates, upgrades or writes the file). */
  readonly?: boolean;
  /** Caps the file at this many pages (SQLITE_FULL beyond): a disk-full simulation or a quota. */
  maxPageCount?: number;
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
}

type Op =
  | { type: 'session'; id: number; record: SessionOpen }
  | { type: 'session-update'; id: number; update: SessionUpdate }
  | { type: 'connection'; id: number; record: ConnectionOpen }
  | { type: 'connection-update'; id: number; update: ConnectionUpdate }
  | { type: 'close'; id: number; record: ConnectionClose }
  | { type: 'chunk'; record: ChunkRecord }
  | { type: 'frame'; record: FrameRecord };

const KINDS: ReadonlySet<string> = new Set<ConnectionKind>(['dispatch', 'ns', 'sb', 'unknown']);
const DIRS: ReadonlySet<string> = new Set<Direction>(['c2s', 's2c']);
const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 2000;
/** After an outage the queue can be long: write it in slices so the relay gets the thread in between. */
const SLICES_PER_TICK = 8;
const CLOSE_RETRY_MS = [25, 50, 100, 200, 400];

function defaultLog(level: LogLevel, message: string): void {
  process.stderr.write(`capture store ${level}: ${message}\n`);
}

function statements(db: Database.Database) {
  return {
    insertSession: db.prepare(
      'INSERT INTO sessions (id, started_wall, client, imported) VALUES (@id, @startedWall, @client, @imported)',
    ),
    updateSession: db.prepare(
      'UPDATE sessions SET handle = coalesce(@handle, handle), ended_wall = coalesce(@endedWall, ended_wall) WHERE id = @id',
    ),
    insertConnection: db.prepare(
      `INSERT INTO connections (id, session_id, label, kind, client, upstream, listen, referred_by, cookie, opened_wall, opened_mono)
       VALUES (@id, @sessionId, @label, @kind, @client, @upstream, @listen, @referredBy, @cookie, @tsWall, @tsMono)`,
    ),
    updateConnection: db.prepare(
      `UPDATE connections SET kind = coalesce(@kind, kind), label = coalesce(@label, label),
         version = coalesce(@version, version), handle = coalesce(@handle, handle) WHERE id = @id`,
    ),
    closeConnection: db.prepare(
      'UPDATE connections SET closed_wall = @tsWall, closed_mono = @tsMono, close_reason = @reason WHERE id = @id',
    ),
    // The two hot statements bind positionally: cheaper than named parameters, once per read and frame.
    insertChunk: db.prepare(
      `INSERT INTO chunks (connection_id, dir, offset, length, ts_wall, ts_mono, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertFrame: db.prepare(
      `INSERT INTO frames (connection_id, dir, idx, offset, ts_wall, ts_mono, bytes, rewritten, command, tr_id, issues,
                           summary, version, session_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, (SELECT session_id FROM connections WHERE id = ?)))`,
    ),
  };
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
  private readonly write: ReturnType<typeof statements> | null;
  private readonly read: ReturnType<typeof readStatements>;
  private readonly batchMs: number;
  private readonly batchSize: number;
  private readonly log: (level: LogLevel, message: string) => void;
  private readonly listeners = new Set<(batch: CommitBatch) => void>();
  private readonly exitHook = () => this.flush();

  private queue: Op[] = [];
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
    this.batchSize = Math.max(1, options.batchSize ?? 500);
    this.log = options.log ?? defaultLog;
    this.write = this.readonly ? null : statements(db);
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

  /** Writes everything queued now, in one transaction. False when that failed (the queue is kept). */
  flush(): boolean {
    if (this.closed || this.readonly) return this.queue.length === 0;
    this.clearTimer();
    const ok = this.writeSlice(this.queue.length);
    if (!ok) this.armRetry();
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
    return this.db.pragma(`max_page_count = ${Math.floor(pages)}`, { simple: true }) as number;
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
    if (this.since !== null) return; // in an outage the retry timer owns the queue
    if (this.queue.length >= this.batchSize) this.flush();
    else if (!this.timer) this.arm(this.batchMs);
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
    if (this.closed || this.queue.length === 0) return;
    if (!this.writeSlice(this.batchSize * SLICES_PER_TICK)) this.armRetry();
    else if (this.queue.length > 0) this.arm(0);
  }

  /** Writes the first `max` queued records in one transaction; on failure they stay queued. */
  private writeSlice(max: number): boolean {
    if (this.queue.length === 0) return true;
    const ops = this.queue.slice(0, max);
    let batch: CommitBatch;
    try {
      batch = this.transact(ops, false);
    } catch (error) {
      if (!isRecordError(error)) return this.failed(error);
      // One record SQLite will never take must not hold back the rest: write them one by one.
      try {
        batch = this.transact(ops, true);
      } catch (retryError) {
        return this.failed(retryError);
      }
    }
    this.queue.splice(0, ops.length);
    this.recovered(ops.length);
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch (error) {
        this.log('error', `commit listener failed: ${errorText(error)}`);
      }
    }
    return true;
  }

  /** One transaction. With `isolate`, each record gets a savepoint and refused records are set aside. */
  private transact(ops: Op[], isolate: boolean): CommitBatch {
    const batch: CommitBatch = { sessions: [], connections: [], frames: [], chunks: 0, closes: [] };
    const refused: string[] = [];
    this.db.transaction(() => {
      for (const op of ops) {
        if (!isolate) {
          this.apply(op, batch);
          continue;
        }
        try {
          this.db.transaction(() => this.apply(op, batch))(); // nested: a savepoint
        } catch (error) {
          if (!isRecordError(error)) throw error;
          refused.push(`${describe(op)}: ${errorText(error)}`);
        }
      }
    })();
    this.committedFrames += batch.frames.length;
    this.committedChunks += batch.chunks;
    this.rejected += refused.length;
    for (const why of refused) this.log('error', `${this.file}: record refused by SQLite, set aside: ${why}`);
    return batch;
  }

  private apply(op: Op, batch: CommitBatch): void {
    const w = this.write!;
    switch (op.type) {
      case 'session': {
        const s = op.record;
        w.insertSession.run({ id: op.id, startedWall: s.tsWall, client: s.client, imported: s.imported ?? null });
        batch.sessions.push(op.id);
        return;
      }
      case 'session-update':
        w.updateSession.run({ id: op.id, handle: op.update.handle ?? null, endedWall: op.update.endedWall ?? null });
        batch.sessions.push(op.id);
        return;
      case 'connection': {
        const c = op.record;
        w.insertConnection.run({
          id: op.id, sessionId: c.sessionId, label: c.label, kind: c.kind, client: c.client, upstream: c.upstream,
          listen: c.listen, referredBy: c.referredBy ?? null, cookie: c.cookie ?? null, tsWall: c.tsWall, tsMono: c.tsMono,
        });
        batch.connections.push(op.id);
        return;
      }
      case 'connection-update': {
        const u = op.update;
        w.updateConnection.run({
          id: op.id, kind: u.kind ?? null, label: u.label ?? null, version: u.version ?? null, handle: u.handle ?? null,
        });
        batch.connections.push(op.id);
        return;
      }
      case 'close':
        w.closeConnection.run({ id: op.id, tsWall: op.record.tsWall, tsMono: op.record.tsMono, reason: op.record.reason });
        batch.closes.push({ connectionId: op.id, ...op.record });
        return;
      case 'chunk': {
        const c = op.record;
        w.insertChunk.run(c.connectionId, c.dir, c.offset, c.length, c.tsWall, c.tsMono, c.bytes);
        batch.chunks++;
        return;
      }
      case 'frame': {
        const f = op.record;
        const info = w.insertFrame.run(
          f.connectionId, f.dir, f.index, f.offset, f.tsWall, f.tsMono, f.bytes, f.rewritten ?? null, f.command, f.trId,
          f.issues.length === 0 ? '[]' : JSON.stringify(f.issues), f.summary ?? null, f.version ?? null, f.sessionId ?? null,
          f.connectionId,
        );
        // The queued record is the store's own from here: give it its id rather than copying it.
        const stored = f as StoredFrame;
        stored.id = Number(info.lastInsertRowid);
        batch.frames.push(stored);
        return;
      }
    }
  }

  private failed(error: unknown): false {
    const text = errorText(error);
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

function describe(op: Op): string {
  switch (op.type) {
    case 'chunk':
      return `chunk of connection ${op.record.connectionId} at ${op.record.dir} offset ${op.record.offset}`;
    case 'frame':
      return `frame ${op.record.index} of connection ${op.record.connectionId}`;
    default:
      return `${op.type} ${op.id}`;
  }
}
