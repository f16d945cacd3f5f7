// Capture file schema and its migrations. The file's version is `PRAGMA user_version`: step N brings a
// version N-1 file to version N, each in its own transaction, so an interrupted upgrade leaves a valid file.
import type BetterSqlite3 from 'better-sqlite3';

type Db = BetterSqlite3.Database;

export interface Migration {
  /** The user_version the file has after this step. Steps are numbered 1, 2, 3 … without gaps. */
  version: number;
  description: string;
  sql: string;
}

/** Marks the file as ours (`PRAGMA application_id`, "MSNP"), so a foreign SQLite file is refused. */
export const APPLICATION_ID = 0x4d534e50;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'sessions, connections, chunks (reads) and frames',
    sql: `
      CREATE TABLE sessions (
        id           INTEGER PRIMARY KEY,
        started_wall REAL    NOT NULL,
        client       TEXT    NOT NULL,
        handle       TEXT,
        imported     TEXT,
        ended_wall   REAL
      );
      CREATE TABLE connections (
        id           INTEGER PRIMARY KEY,
        session_id   INTEGER NOT NULL REFERENCES sessions(id),
        label        TEXT    NOT NULL,
        kind         TEXT    NOT NULL CHECK (kind IN ('dispatch', 'ns', 'sb', 'unknown')),
        client       TEXT    NOT NULL,
        upstream     TEXT    NOT NULL,
        listen       TEXT    NOT NULL,
        referred_by  INTEGER REFERENCES connections(id),
        cookie       TEXT,
        version      INTEGER,
        handle       TEXT,
        opened_wall  REAL    NOT NULL,
        opened_mono  REAL    NOT NULL,
        closed_wall  REAL,
        closed_mono  REAL,
        close_reason TEXT
      );
      -- AUTOINCREMENT: ids are never reused, so chunk id order is the global capture order.
      CREATE TABLE chunks (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        connection_id INTEGER NOT NULL REFERENCES connections(id),
        dir           TEXT    NOT NULL CHECK (dir IN ('c2s', 's2c')),
        offset        INTEGER NOT NULL,
        length        INTEGER NOT NULL,
        ts_wall       REAL    NOT NULL,
        ts_mono       REAL    NOT NULL,
        bytes         BLOB    NOT NULL
      );
      CREATE TABLE frames (
        id            INTEGER PRIMARY KEY,
        connection_id INTEGER NOT NULL REFERENCES connections(id),
        dir           TEXT    NOT NULL CHECK (dir IN ('c2s', 's2c')),
        idx           INTEGER NOT NULL,
        offset        INTEGER NOT NULL,
        ts_wall       REAL    NOT NULL,
        ts_mono       REAL    NOT NULL,
        bytes         BLOB    NOT NULL,
        rewritten     BLOB,
        command       TEXT    NOT NULL,
        tr_id         INTEGER,
        issues        TEXT    NOT NULL DEFAULT '[]'
      );
      -- Not UNIQUE: a duplicate index from a proxy bug must not make a whole batch unwritable.
      CREATE INDEX frames_connection_idx ON frames (connection_id, idx);
      CREATE INDEX frames_command ON frames (command);
      CREATE INDEX connections_session ON connections (session_id);
      CREATE INDEX chunks_connection ON chunks (connection_id);
    `,
  },
  {
    version: 2,
    description: 'frames gain summary, version and session_id; indexes for the inspector API',
    // Old rows: session_id is exact; version is the connection's final one (close enough for filtering);
    // summary stays NULL (readers fall back to the command line).
    sql: `
      ALTER TABLE frames ADD COLUMN summary TEXT;
      ALTER TABLE frames ADD COLUMN version INTEGER;
      ALTER TABLE frames ADD COLUMN session_id INTEGER;
      UPDATE frames SET session_id = c.session_id, version = c.version FROM connections c WHERE c.id = frames.connection_id;
      -- Every index ends in the rowid, so each serves "matching frames in capture order" as a range scan.
      CREATE INDEX frames_session ON frames (session_id);
      CREATE INDEX frames_connection ON frames (connection_id);
      CREATE INDEX frames_version ON frames (version);
      CREATE INDEX frames_dir ON frames (dir);
      CREATE INDEX frames_tr_id ON frames (tr_id) WHERE tr_id IS NOT NULL;
      -- The "errors only" filter: frames with issues or an error reply, usually a small minority.
      CREATE INDEX frames_errors ON frames (id) WHERE issues <> '[]' OR command GLOB '[0-9][0-9][0-9]';
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export class SchemaError extends Error {}

export function userVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Checks the file is a capture this code can read, and (unless read-only) upgrades it to the latest
 * version. Returns the version the file had. Throws SchemaError for a newer or foreign file.
 */
export function migrate(db: Db, file: string, options: { readonly?: boolean; migrations?: readonly Migration[] } = {}): number {
  const migrations = options.migrations ?? MIGRATIONS;
  const latest = migrations.length;
  const from = userVersion(db);
  if (from > latest) {
    throw new SchemaError(
      `${file}: capture schema version ${from} is newer than this msnp-inspector supports (${latest}); upgrade msnp-inspector to open it`,
    );
  }
  if (from === 0) {
    // A fresh or empty file has no tables; anything else is some other program's database.
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").get() as { n: number };
    if (tables.n > 0) throw new SchemaError(`${file}: not an msnp-inspector capture (an SQLite file with other tables)`);
  } else if (db.pragma('application_id', { simple: true }) !== APPLICATION_ID) {
    throw new SchemaError(`${file}: not an msnp-inspector capture (SQLite application_id differs)`);
  }
  if (from === latest) return from;
  if (options.readonly) {
    throw new SchemaError(
      from === 0
        ? `${file}: empty file, not an msnp-inspector capture`
        : `${file}: capture schema version ${from} needs upgrading to ${latest}; open it once without read-only`,
    );
  }
  for (const step of migrations.slice(from)) {
    db.transaction(() => {
      db.exec(step.sql);
      if (step.version === 1) db.pragma(`application_id = ${APPLICATION_ID}`);
      // user_version is written in the file header inside the same transaction: the step and its number
      // commit together.
      db.pragma(`user_version = ${step.version}`);
    })();
  }
  return from;
}
