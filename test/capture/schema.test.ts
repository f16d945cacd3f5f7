import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, migrate } from '../../proxy/capture/schema.js';
import { CaptureStore } from '../../proxy/capture/store.js';
import { type TempDir, tempDir } from './helpers.js';

let tmp: TempDir;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.remove());

const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);

describe('capture schema', () => {
  it('numbers its migration steps 1, 2, 3 … without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('creates the schema in a new file and in an empty (version 0) file', () => {
    for (const file of [tmp.file('new.db'), tmp.file('empty.db')]) {
      if (file.endsWith('empty.db')) writeFileSync(file, '');
      CaptureStore.open(file).close();
      const db = new Database(file, { readonly: true });
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
      expect(tables(db)).toEqual(['chunks', 'connections', 'frames', 'sessions']);
      const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all() as Array<{ name: string }>).map((r) => r.name);
      expect(indexes).toEqual(expect.arrayContaining(['frames_connection_idx', 'frames_command', 'connections_session']));
      db.close();
    }
  });

  it('upgrades an older file step by step and keeps its rows', () => {
    const file = tmp.file('old.db');
    const store = CaptureStore.open(file);
    store.openSession({ client: '127.0.0.1:1', tsWall: 1 });
    store.close();

    const later = [...MIGRATIONS, { version: MIGRATIONS.length + 1, description: 'test step', sql: 'ALTER TABLE sessions ADD COLUMN note TEXT' }];
    const db = new Database(file);
    expect(migrate(db, file, { migrations: later })).toBe(SCHEMA_VERSION);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    expect(db.prepare('SELECT client, note FROM sessions').all()).toEqual([{ client: '127.0.0.1:1', note: null }]);
    // Already current: nothing to do.
    expect(migrate(db, file, { migrations: later })).toBe(SCHEMA_VERSION + 1);
    db.close();
  });

  it('refuses a file written by a newer version, clearly', () => {
    const file = tmp.file('newer.db');
    CaptureStore.open(file).close();
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    expect(() => CaptureStore.open(file)).toThrow(/newer than this msnp-inspector supports/);
    expect(() => CaptureStore.open(file, { readonly: true })).toThrow(/newer/);
  });

  it("refuses some other program's SQLite file and does not touch it", () => {
    const file = tmp.file('other.db');
    const db = new Database(file);
    db.exec('CREATE TABLE notes (text TEXT)');
    db.close();
    expect(() => CaptureStore.open(file)).toThrow(/not an msnp-inspector capture/);
    const again = new Database(file, { readonly: true });
    expect(tables(again)).toEqual(['notes']);
    expect(again.pragma('user_version', { simple: true })).toBe(0);
    again.close();
  });

  it('does not create or upgrade files when read-only', () => {
    expect(() => CaptureStore.open(tmp.file('missing.db'), { readonly: true })).toThrow();
    const empty = tmp.file('empty.db');
    writeFileSync(empty, '');
    expect(() => CaptureStore.open(empty, { readonly: true })).toThrow(/not an msnp-inspector capture/);
  });

  it('opens in WAL mode', () => {
    const file = tmp.file('wal.db');
    CaptureStore.open(file).close();
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});
