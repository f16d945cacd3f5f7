// Writes queued capture records into one SQLite file, one transaction per batch. It owns its own
// connection, so it can run on the writer thread (proxy/capture/writer-thread.ts) while the relay
// thread reads through another; the same class runs inline when no thread is available.
import Database from 'better-sqlite3';
import { type BoundFrame, boundFrame, decodeOps, type EncodedOps, readRows } from './op-codec.js';
import type { ConnectionClose, ChunkRecord, ConnectionOpen, ConnectionUpdate, FrameIssues, FrameRecord, SessionOpen, SessionUpdate } from './records.js';
import { errorText, isRecordError } from './sqlite-errors.js';

/** One queued record, as the store hands it over. */
export type Op =
  | { type: 'session'; id: number; record: SessionOpen }
  | { type: 'session-update'; id: number; update: SessionUpdate }
  | { type: 'connection'; id: number; record: ConnectionOpen }
  | { type: 'connection-update'; id: number; update: ConnectionUpdate }
  | { type: 'close'; id: number; record: ConnectionClose }
  | { type: 'chunk'; record: ChunkRecord }
  | { type: 'frame'; record: FrameRecord }
  | { type: 'frame-issues'; record: FrameIssues };

export type WriteReply =
  | {
      ok: true;
      /** Row id of each frame op, in batch order (0 for a frame SQLite refused). */
      frameIds: number[];
      /** Indexes (in the batch) of records SQLite refused outright, and why: set aside, never retried. */
      refused: Array<{ index: number; why: string }>;
    }
  | { ok: false; error: string };

export interface BatchWriterOptions {
  maxPageCount?: number;
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
    updateFrameIssues: db.prepare('UPDATE frames SET issues = ? WHERE connection_id = ? AND idx = ?'),
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

export class BatchWriter {
  readonly file: string;
  readonly #options: BatchWriterOptions;
  #db: Database.Database | null = null;
  #write: ReturnType<typeof statements> | null = null;
  readonly #frameRow = boundFrame();

  constructor(file: string, options: BatchWriterOptions = {}) {
    this.file = file;
    this.#options = options;
  }

  /** Writes the ops in one transaction; on failure nothing is written and the caller keeps them. */
  write(ops: Op[]): WriteReply {
    return this.#guarded(() => this.#transact(ops, false), () => ops);
  }

  /** As write(), for a batch as the writer thread receives it: its rows are bound straight from the encoding. */
  writeEncoded(batch: EncodedOps): WriteReply {
    return this.#guarded(() => this.#transactRows(batch), () => decodeOps(batch));
  }

  #guarded(transact: () => WriteReply, ops: () => Op[]): WriteReply {
    try {
      this.#open();
      try {
        return transact();
      } catch (error) {
        if (!isRecordError(error)) throw error;
        // One record SQLite will never take must not hold back the rest: write them one by one.
        return this.#transact(ops(), true);
      }
    } catch (error) {
      return { ok: false, error: errorText(error) };
    }
  }

  /** Changes the page cap (a disk-full simulation or a quota); returns the cap SQLite applied. */
  setMaxPageCount(pages: number): number {
    this.#options.maxPageCount = pages;
    return this.#open().pragma(`max_page_count = ${Math.floor(pages)}`, { simple: true }) as number;
  }

  close(): void {
    this.#db?.close();
    this.#db = null;
    this.#write = null;
  }

  // Opened on first use and reopened after a failed open, so a file that cannot be opened yet (locked,
  // on a full disk) is retried with the queue rather than failing the store for good.
  #open(): Database.Database {
    if (this.#db) return this.#db;
    // No busy timeout: a locked file fails at once and the batch is retried from the store's queue.
    const db = new Database(this.file, { fileMustExist: true, timeout: 0 });
    try {
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      if (this.#options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.floor(this.#options.maxPageCount)}`);
      this.#write = statements(db);
    } catch (error) {
      db.close();
      throw error;
    }
    this.#db = db;
    return db;
  }

  /** One transaction. With `isolate`, each record gets a savepoint and refused records are set aside. */
  #transact(ops: Op[], isolate: boolean): WriteReply {
    const db = this.#db!;
    const frameIds: number[] = [];
    const refused: Array<{ index: number; why: string }> = [];
    db.transaction(() => {
      frameIds.length = 0;
      refused.length = 0;
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i]!;
        if (!isolate) {
          this.#apply(op, frameIds);
          continue;
        }
        try {
          db.transaction(() => this.#apply(op, frameIds))(); // nested: a savepoint
        } catch (error) {
          if (!isRecordError(error)) throw error;
          if (op.type === 'frame') frameIds.push(0);
          refused.push({ index: i, why: `${describe(op)}: ${errorText(error)}` });
        }
      }
    })();
    return { ok: true, frameIds, refused };
  }

  #transactRows(batch: EncodedOps): WriteReply {
    const frameIds: number[] = [];
    this.#db!.transaction(() => {
      frameIds.length = 0;
      readRows(batch, {
        chunk: (row) => this.#insertChunk(row),
        frame: (row) => frameIds.push(this.#insertFrame(row)),
        other: (op) => this.#apply(op, frameIds),
      });
    })();
    return { ok: true, frameIds, refused: [] };
  }

  #insertChunk(c: ChunkRecord): void {
    this.#write!.insertChunk.run(c.connectionId, c.dir, c.offset, c.length, c.tsWall, c.tsMono, c.bytes);
  }

  /** Returns the frame's row id. */
  #insertFrame(f: BoundFrame): number {
    const info = this.#write!.insertFrame.run(
      f.connectionId, f.dir, f.index, f.offset, f.tsWall, f.tsMono, f.bytes, f.rewritten, f.command, f.trId, f.issues,
      f.summary, f.version, f.sessionId, f.connectionId,
    );
    return Number(info.lastInsertRowid);
  }

  #apply(op: Op, frameIds: number[]): void {
    const w = this.#write!;
    switch (op.type) {
      case 'session': {
        const s = op.record;
        w.insertSession.run({ id: op.id, startedWall: s.tsWall, client: s.client, imported: s.imported ?? null });
        return;
      }
      case 'session-update':
        w.updateSession.run({ id: op.id, handle: op.update.handle ?? null, endedWall: op.update.endedWall ?? null });
        return;
      case 'connection': {
        const c = op.record;
        w.insertConnection.run({
          id: op.id, sessionId: c.sessionId, label: c.label, kind: c.kind, client: c.client, upstream: c.upstream,
          listen: c.listen, referredBy: c.referredBy ?? null, cookie: c.cookie ?? null, tsWall: c.tsWall, tsMono: c.tsMono,
        });
        return;
      }
      case 'connection-update': {
        const u = op.update;
        w.updateConnection.run({
          id: op.id, kind: u.kind ?? null, label: u.label ?? null, version: u.version ?? null, handle: u.handle ?? null,
        });
        return;
      }
      case 'close':
        w.closeConnection.run({ id: op.id, tsWall: op.record.tsWall, tsMono: op.record.tsMono, reason: op.record.reason });
        return;
      case 'chunk':
        this.#insertChunk(op.record);
        return;
      case 'frame':
        frameIds.push(this.#insertFrame(toBoundFrame(op.record, this.#frameRow)));
        return;
      case 'frame-issues':
        w.updateFrameIssues.run(JSON.stringify(op.record.issues), op.record.connectionId, op.record.index);
        return;
    }
  }
}

/** A queued frame in the columns SQLite binds, filled into `row` (reused: one object per writer, not per frame). */
function toBoundFrame(f: FrameRecord, row: BoundFrame): BoundFrame {
  row.connectionId = f.connectionId;
  row.dir = f.dir;
  row.index = f.index;
  row.offset = f.offset;
  row.tsWall = f.tsWall;
  row.tsMono = f.tsMono;
  row.bytes = f.bytes;
  row.rewritten = f.rewritten ?? null;
  row.command = f.command;
  row.trId = f.trId;
  row.issues = f.issues.length === 0 ? '[]' : JSON.stringify(f.issues);
  row.summary = f.summary ?? null;
  row.version = f.version ?? null;
  row.sessionId = f.sessionId ?? null;
  return row;
}

export function describe(op: Op): string {
  switch (op.type) {
    case 'chunk':
      return `chunk of connection ${op.record.connectionId} at ${op.record.dir} offset ${op.record.offset}`;
    case 'frame':
      return `frame ${op.record.index} of connection ${op.record.connectionId}`;
    case 'frame-issues':
      return `issues of frame ${op.record.index} of connection ${op.record.connectionId}`;
    default:
      return `${op.type} ${op.id}`;
  }
}
