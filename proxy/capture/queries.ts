// Read queries of the inspector API over a capture's database, as the API's DTOs. Prepared once; frame
// counts and filtered positions are kept up to date incrementally (frames are only ever appended), so no
// request scans a million frames twice.
import type BetterSqlite3 from 'better-sqlite3';
import type { ConnectionSummary, FramePage, FrameQuery, FrameSummary, SessionDetail, SessionQuery, SessionSummary } from '../../shared/api/dto.js';
import type { ConnectionKind, Direction } from '../../shared/msnp/types.js';
import { CountsById } from './counts-by-id.js';
import { ERRORS_SQL, frameCondition } from './frame-filter.js';
import { FramePositions, type FramePositionsOptions } from './frame-positions.js';
import { StatementCache } from './statement-cache.js';
import type { StoredFrame } from './store.js';

type Raw = Record<string, unknown>;

export const MAX_PAGE = 1000;

/** A stored frame with its bytes, for the detail view. */
export interface FrameBytes {
  summary: FrameSummary;
  bytes: Buffer;
  rewritten: Buffer | null;
}

/** What the detail decoder needs to know about a connection. */
export interface ConnectionSource {
  id: number;
  sessionId: number;
  label: string;
  referredBy: number | null;
  closed: boolean;
  /** Id of its latest stored read (0 when none): a decoded connection is current while this is unchanged. */
  lastChunkId: number;
}

export interface StoredRead {
  id: number;
  connectionId: number;
  dir: Direction;
  tsWall: number;
  bytes: Buffer;
}

const SUMMARY_COLUMNS = `f.id, f.session_id, f.connection_id, c.label, f.dir, f.idx, f.ts_wall, f.command, f.tr_id, f.version,
  f.summary, CASE WHEN f.summary IS NULL THEN substr(f.bytes, 1, 200) END AS head, length(f.bytes) AS size,
  json_array_length(f.issues) AS issue_count, f.rewritten IS NOT NULL AS is_rewritten`;

const msnp = (v: unknown) => (typeof v === 'number' && v > 0 ? `MSNP${v}` : null);

/** Rows written before schema step 2 have no summary: show their command line instead. */
function firstLine(head: unknown): string {
  if (!Buffer.isBuffer(head)) return '';
  const end = head.indexOf('\n');
  return head.toString('latin1', 0, end < 0 ? head.length : end).replace(/\r$/, '');
}

/** A frame the store just committed, as announced live (it is in memory: no need to read it back). */
export function committedFrameSummary(f: StoredFrame, conn: { label: string; sessionId: number }): FrameSummary {
  return {
    id: f.id,
    sessionId: f.sessionId ?? conn.sessionId,
    connectionId: f.connectionId,
    conn: conn.label,
    dir: f.dir,
    index: f.index,
    tsWall: f.tsWall,
    command: f.command,
    trId: f.trId,
    version: msnp(f.version),
    summary: f.summary ?? firstLine(f.bytes.subarray(0, 200)),
    size: f.bytes.length,
    issueCount: f.issues.length,
    rewritten: f.rewritten !== undefined,
  };
}

const frameSummary = (r: Raw): FrameSummary => ({
  id: r.id as number,
  sessionId: r.session_id as number,
  connectionId: r.connection_id as number,
  conn: r.label as string,
  dir: r.dir as Direction,
  index: r.idx as number,
  tsWall: r.ts_wall as number,
  command: r.command as string,
  trId: r.tr_id as number | null,
  version: msnp(r.version),
  summary: (r.summary as string | null) ?? firstLine(r.head),
  size: r.size as number,
  issueCount: r.issue_count as number,
  rewritten: r.is_rewritten === 1,
});

function statements(db: BetterSqlite3.Database) {
  return {
    maxFrameId: db.prepare('SELECT coalesce(max(id), 0) FROM frames').pluck(),
    countAll: db.prepare('SELECT connection_id, count(*) AS n FROM frames GROUP BY connection_id'),
    countSince: db.prepare('SELECT connection_id, count(*) AS n FROM frames WHERE id > ? AND id <= ? GROUP BY connection_id'),
    sessions: db.prepare('SELECT * FROM sessions ORDER BY id'),
    session: db.prepare('SELECT * FROM sessions WHERE id = ?'),
    // Newest first, so LIMIT keeps the newest; a NULL bound or pattern selects everything.
    sessionsBefore: db.prepare(
      `SELECT * FROM sessions WHERE id < coalesce(?, 9e18) AND (? IS NULL OR handle LIKE ? ESCAPE '\\')
       ORDER BY id DESC LIMIT coalesce(?, -1)`,
    ),
    // What a session summary needs of each connection, as plain arrays: materialising every column of
    // every connection as an object cost about 1 s per 100,000 connections (a 10-minute load's worth).
    sessionParts: db.prepare('SELECT session_id, id, version, closed_wall IS NULL FROM connections ORDER BY id').raw(),
    sessionConnections: db.prepare('SELECT * FROM connections WHERE session_id = ? ORDER BY id'),
    connection: db.prepare('SELECT * FROM connections WHERE id = ?'),
    counts: db.prepare('SELECT (SELECT count(*) FROM sessions) AS sessions, (SELECT count(*) FROM connections) AS connections'),
    frame: db.prepare(`SELECT ${SUMMARY_COLUMNS}, f.bytes, f.rewritten FROM frames f JOIN connections c ON c.id = f.connection_id WHERE f.id = ?`),
    frameRange: db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM frames f JOIN connections c ON c.id = f.connection_id WHERE f.id BETWEEN ? AND ? ORDER BY f.id`),
    framesById: db.prepare(
      `SELECT ${SUMMARY_COLUMNS} FROM frames f JOIN connections c ON c.id = f.connection_id
       WHERE f.id IN (SELECT value FROM json_each(?)) ORDER BY f.id`,
    ),
    framesAfter: db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM frames f JOIN connections c ON c.id = f.connection_id WHERE f.id > ? ORDER BY f.id LIMIT ?`),
    frameAt: db.prepare('SELECT id FROM frames WHERE connection_id = ? AND idx = ? ORDER BY id LIMIT 1').pluck(),
    lastChunk: db.prepare('SELECT coalesce(max(id), 0) FROM chunks WHERE connection_id = ?').pluck(),
    reads: db.prepare('SELECT id, connection_id, dir, ts_wall, bytes FROM chunks WHERE connection_id = ? AND id <= ? ORDER BY id'),
  };
}

export class CaptureQueries {
  readonly #db: BetterSqlite3.Database;
  readonly #s: ReturnType<typeof statements>;
  readonly #positions: FramePositions;
  readonly #statements: StatementCache;
  // Frames per connection, counted up to #countedTo.
  readonly #counts = new CountsById();
  #countedTo = 0;
  #frames = 0;

  constructor(db: BetterSqlite3.Database, options: FramePositionsOptions = {}) {
    this.#db = db;
    this.#s = statements(db);
    this.#statements = new StatementCache(db);
    this.#positions = new FramePositions(db, options);
  }

  maxFrameId(): number {
    return this.#s.maxFrameId.get() as number;
  }

  counts(): { sessions: number; connections: number; frames: number } {
    this.#count();
    const c = this.#s.counts.get() as { sessions: number; connections: number };
    return { ...c, frames: this.#frames };
  }

  /** `live`: the capture is being written now, so a connection without a close is really open. */
  sessions(live: boolean): SessionSummary[] {
    this.#count();
    const parts = new Map<number, SessionParts>();
    for (const [sessionId, id, version, open] of this.#s.sessionParts.all() as Array<[number, number, number | null, number]>) {
      let p = parts.get(sessionId);
      if (!p) parts.set(sessionId, (p = { versions: [], connectionCount: 0, frameCount: 0, live: false }));
      const v = msnp(version);
      if (v !== null && !p.versions.includes(v)) p.versions.push(v);
      p.connectionCount++;
      p.frameCount += this.#counts.get(id);
      p.live ||= live && open === 1;
    }
    return (this.#s.sessions.all() as Raw[]).map((r) => sessionRow(r, parts.get(r.id as number) ?? noConnections()));
  }

  /**
   * The sessions a query selects (see SessionQuery), oldest first. Each is summarised from its own
   * connections: a page of them costs what it holds, not what the capture holds.
   */
  sessionPage(query: SessionQuery, live: boolean): SessionSummary[] {
    if (query.limit === undefined && query.before === undefined && !query.handle) return this.sessions(live);
    const pattern = query.handle ? `%${query.handle.replace(/[\\%_]/g, '\\$&')}%` : null;
    const rows = this.#s.sessionsBefore.all(query.before ?? null, pattern, pattern, query.limit ?? null) as Raw[];
    return rows.reverse().map((r) => sessionSummary(r, this.connections(r.id as number, live)));
  }

  session(id: number, live: boolean): SessionDetail | null {
    const row = this.#s.session.get(id) as Raw | undefined;
    if (!row) return null;
    const connections = this.connections(id, live);
    return { ...sessionSummary(row, connections), connections };
  }

  connections(sessionId: number, live: boolean): ConnectionSummary[] {
    this.#count();
    return (this.#s.sessionConnections.all(sessionId) as Raw[]).map((r) => this.#connection(r, live));
  }

  connection(id: number, live: boolean): ConnectionSummary | null {
    return this.connectionSummaries([id], live)[0] ?? null;
  }

  /** The connections that exist among `ids`, in that order. */
  connectionSummaries(ids: Iterable<number>, live: boolean): ConnectionSummary[] {
    this.#count();
    const out: ConnectionSummary[] = [];
    for (const id of ids) {
      const row = this.#s.connection.get(id) as Raw | undefined;
      if (row) out.push(this.#connection(row, live));
    }
    return out;
  }

  /** The sessions that exist among `ids`, in that order. */
  sessionSummaries(ids: Iterable<number>, live: boolean): SessionSummary[] {
    const out: SessionSummary[] = [];
    for (const id of ids) {
      const row = this.#s.session.get(id) as Raw | undefined;
      if (row) out.push(sessionSummary(row, this.connections(id, live)));
    }
    return out;
  }

  /** One page of the frames matching the query, in capture order. */
  async frames(query: FrameQuery): Promise<FramePage> {
    const offset = Math.max(0, Math.floor(query.offset ?? 0));
    const limit = Math.min(MAX_PAGE, Math.max(0, Math.floor(query.limit ?? 100)));
    const condition = frameCondition(this.#db, query);
    const maxId = this.maxFrameId();
    if (condition.where === '1') {
      // Unfiltered: frames are never deleted, so ids are usually 1..N and a position is an id.
      this.#count();
      if (this.#countedTo === maxId && this.#frames === maxId) {
        const rows = offset < maxId ? this.#s.frameRange.all(offset + 1, Math.min(maxId, offset + limit)) as Raw[] : [];
        return { total: maxId, offset, frames: rows.map(frameSummary) };
      }
    }
    const positions = await this.#positions.positions(condition, maxId);
    const range = this.#positions.range(positions, offset, limit);
    if (!range) return { total: positions.total, offset, frames: [] };
    const rows = 'ids' in range
      ? this.#s.framesById.all(JSON.stringify(range.ids)) as Raw[]
      : this.#page(condition.where).all(...condition.params, range.lo, range.hi, limit, range.skip) as Raw[];
    return { total: positions.total, offset, frames: rows.map(frameSummary) };
  }

  /**
   * Position of frame `id` in the list the query's filters select (paging ignored): null when there is
   * no such frame or the filters leave it out.
   */
  async framePosition(query: FrameQuery, id: number): Promise<number | null> {
    const condition = frameCondition(this.#db, query);
    const maxId = this.maxFrameId();
    if (id < 1 || id > maxId || this.#matches(condition.where).get(...condition.params, id) === undefined) return null;
    if (condition.where === '1') {
      this.#count();
      if (this.#countedTo === maxId && this.#frames === maxId) return id - 1; // ids 1..N: a position is an id
    }
    const positions = await this.#positions.positions(condition, maxId);
    return this.#positions.positionOf(condition, positions, id);
  }

  hasFrame(id: number): boolean {
    return this.#matches('1').get(id) !== undefined;
  }

  /** Frames stored after `afterId`, in capture order (for announcing another process's writes). */
  framesAfter(afterId: number, limit: number): FrameSummary[] {
    return (this.#s.framesAfter.all(afterId, limit) as Raw[]).map(frameSummary);
  }

  frame(id: number): FrameBytes | null {
    const row = this.#s.frame.get(id) as Raw | undefined;
    return row ? { summary: frameSummary(row), bytes: row.bytes as Buffer, rewritten: row.rewritten as Buffer | null } : null;
  }

  /**
   * Frames whose issues were rewritten after they were written (see CaptureStore.amendFrame): a filter
   * on issues may now match them, so its known positions are dropped, and their summaries are returned
   * as they now are.
   */
  amended(frames: ReadonlyArray<{ connectionId: number; index: number }>): FrameSummary[] {
    if (frames.length === 0) return [];
    this.#positions.forget((where) => where.includes(ERRORS_SQL));
    const ids = frames.map((f) => this.frameIdAt(f.connectionId, f.index)).filter((id) => id !== null);
    return (this.#s.framesById.all(JSON.stringify(ids)) as Raw[]).map(frameSummary);
  }

  frameIdAt(connectionId: number, index: number): number | null {
    return (this.#s.frameAt.get(connectionId, index) as number | undefined) ?? null;
  }

  connectionSource(id: number): ConnectionSource | null {
    const r = this.#s.connection.get(id) as Raw | undefined;
    if (!r) return null;
    return {
      id, sessionId: r.session_id as number, label: r.label as string, referredBy: r.referred_by as number | null,
      closed: r.closed_wall !== null, lastChunkId: this.#s.lastChunk.get(id) as number,
    };
  }

  /** A connection's reads with id <= upTo, in capture order. */
  reads(connectionId: number, upTo: number): StoredRead[] {
    return (this.#s.reads.all(connectionId, upTo) as Raw[]).map((r) => ({
      id: r.id as number, connectionId: r.connection_id as number, dir: r.dir as Direction, tsWall: r.ts_wall as number, bytes: r.bytes as Buffer,
    }));
  }

  #matches(where: string): BetterSqlite3.Statement {
    return this.#statements.get(`SELECT 1 FROM frames f WHERE ${where} AND f.id = ?`, true);
  }

  #page(where: string): BetterSqlite3.Statement {
    return this.#statements.get(
      `SELECT ${SUMMARY_COLUMNS} FROM frames f JOIN connections c ON c.id = f.connection_id
       WHERE ${where} AND f.id >= ? AND f.id <= ? ORDER BY f.id LIMIT ? OFFSET ?`,
    );
  }


  /** Brings the per-connection frame counts up to the latest frame. */
  #count(): void {
    const max = this.maxFrameId();
    if (max <= this.#countedTo) return;
    // The first count walks the connection index (no table rows); later ones only the new rowid range.
    const rows = (this.#countedTo === 0 ? this.#s.countAll.all() : this.#s.countSince.all(this.#countedTo, max)) as Array<{ connection_id: number; n: number }>;
    for (const { connection_id: id, n } of rows) {
      this.#counts.add(id, n);
      this.#frames += n;
    }
    this.#countedTo = max;
  }

  #connection(r: Raw, live: boolean): ConnectionSummary {
    const closedWall = r.closed_wall as number | null;
    return {
      id: r.id as number,
      sessionId: r.session_id as number,
      label: r.label as string,
      kind: r.kind as ConnectionKind,
      client: r.client as string,
      upstream: r.upstream as string,
      referredBy: r.referred_by as number | null,
      cookie: r.cookie as string | null,
      version: msnp(r.version),
      openedWall: r.opened_wall as number,
      closedWall,
      closeReason: r.close_reason as string | null,
      frameCount: this.#counts.get(r.id as number),
      live: live && closedWall === null,
    };
  }
}

/** What a session's summary says of its connections. */
interface SessionParts {
  /** Their versions, each once, in connection order. */
  versions: string[];
  connectionCount: number;
  frameCount: number;
  live: boolean;
}

const noConnections = (): SessionParts => ({ versions: [], connectionCount: 0, frameCount: 0, live: false });

function sessionSummary(r: Raw, connections: ConnectionSummary[]): SessionSummary {
  return sessionRow(r, {
    versions: [...new Set(connections.flatMap((c) => (c.version === null ? [] : [c.version])))],
    connectionCount: connections.length,
    frameCount: connections.reduce((n, c) => n + c.frameCount, 0),
    live: connections.some((c) => c.live),
  });
}

function sessionRow(r: Raw, parts: SessionParts): SessionSummary {
  return {
    id: r.id as number,
    handle: r.handle as string | null,
    client: r.client as string,
    startedWall: r.started_wall as number,
    endedWall: r.ended_wall as number | null,
    imported: r.imported as string | null,
    versions: parts.versions,
    connectionCount: parts.connectionCount,
    frameCount: parts.frameCount,
    live: parts.live,
  };
}
