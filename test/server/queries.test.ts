// The capture side of the API: schema step 2 on old files, the columns the store now writes, and filtered
// positions kept up to date as frames are appended.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureQueries } from '../../proxy/capture/queries.js';
import { SCHEMA_VERSION, SchemaError } from '../../proxy/capture/schema.js';
import { CaptureStore } from '../../proxy/capture/store.js';
import type { FrameQuery, FrameSummary, SessionQuery } from '../../shared/api/dto.js';
import { type TempCapture, recordSession, tempCapture, writeVersion1 } from './fixture.js';

let t: TempCapture | null = null;
afterEach(() => {
  t?.remove();
  t = null;
});

describe('capture schema step 2', () => {
  it('upgrades a version 1 file: new columns filled for old rows, indexes made', () => {
    t = tempCapture();
    const file = `${t.dir}/old.sqlite`;
    writeVersion1(file);
    expect(() => CaptureStore.open(file, { readonly: true })).toThrow(SchemaError);
    CaptureStore.open(file, { log: () => {} }).close();

    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT session_id, version, summary FROM frames').all()).toEqual([{ session_id: 1, version: 12, summary: null }]);
    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'frames'").all() as Array<{ name: string }>).map((r) => r.name);
    expect(indexes).toEqual(expect.arrayContaining(['frames_session', 'frames_connection', 'frames_version', 'frames_dir', 'frames_tr_id', 'frames_errors']));
    db.close();

    // Old rows have no stored summary: the list shows their command line.
    const store = CaptureStore.open(file, { readonly: true });
    const frames = new CaptureQueries(store.readDatabase());
    return frames.frames({}).then((page) => {
      expect(page.frames.map((f) => [f.summary, f.version, f.sessionId])).toEqual([['VER 1 MSNP12 CVR0', 'MSNP12', 1]]);
      store.close();
    });
  });

  it('stores summary, version and session of each captured frame', () => {
    t = tempCapture();
    recordSession(t.store);
    // A writer that does not pass the session (an import, an older caller): the store looks it up.
    t.store.addFrame({ connectionId: 1, dir: 'c2s', index: 99, offset: 0, tsWall: 1, tsMono: 1, bytes: Buffer.from('PNG\r\n'), command: 'PNG', trId: null, issues: [] });
    t.store.flush();
    const rows = t.store.readDatabase().prepare('SELECT command, summary, version, session_id FROM frames ORDER BY id').all() as Array<Record<string, unknown>>;
    expect(rows[0]).toEqual({ command: 'VER', summary: 'VER #1 dialects=MSNP8 CVR0', version: null, session_id: 1 });
    expect(rows[1]).toEqual({ command: 'VER', summary: 'VER #1 dialects=MSNP8 CVR0', version: 8, session_id: 1 });
    expect(rows.at(-1)).toEqual({ command: 'PNG', summary: null, version: null, session_id: 1 });
    expect(t.store.listFrames(2)[0]).toMatchObject({ summary: expect.stringMatching(/^VER #3/), version: null, sessionId: 1 });
  });
});

describe('filtered positions', () => {
  /** Every frame, the plain way, to check the paged answers against. */
  const everything = (q: CaptureQueries) => q.frames({ limit: 1000 }).then((p) => p.frames);

  it('stay right while frames are appended, with marks and slices far smaller than the data', async () => {
    t = tempCapture();
    const queries = new CaptureQueries(t.store.readDatabase(), { step: 3, sliceIds: 4, maxIds: 0 });
    const filters: Array<[FrameQuery, (f: FrameSummary) => boolean]> = [
      [{ dir: 'c2s' }, (f) => f.dir === 'c2s'],
      [{ command: 'USR,MSG' }, (f) => f.command === 'USR' || f.command === 'MSG'],
      [{ q: 'alice', connection: 2 }, (f) => f.connectionId === 2 && /alice/i.test(f.summary)],
    ];
    for (let round = 0; round < 4; round++) {
      recordSession(t.store, { start: 1_700_000_000_000 + round * 100_000 });
      t.store.flush();
      const all = await everything(queries);
      for (const [query, keep] of filters) {
        const expected = all.filter(keep);
        for (const offset of [0, 1, 2, 3, 5, 8, expected.length - 1, expected.length]) {
          const page = await queries.frames({ ...query, offset, limit: 4 });
          expect(page.total).toBe(expected.length);
          expect(page.frames).toEqual(expected.slice(offset, offset + 4));
        }
      }
    }
  });

  it('forget the errors list when a frame\'s issues are rewritten, even in the middle of a scan of it', async () => {
    t = tempCapture();
    for (let i = 0; i < 4; i++) recordSession(t.store, { close: false, start: 1_700_000_000_000 + i * 100_000 });
    t.store.flush();
    const queries = new CaptureQueries(t.store.readDatabase(), { step: 2, sliceIds: 3, maxIds: 0 });
    const errors = () => queries.frames({ errors: true, limit: 1000 });
    const flag = (f: FrameSummary) => {
      t!.store.amendFrame(f.connectionId, f.index, ['unanswered: no reply to TrID 1']);
      t!.store.flush();
      return queries.amended([{ connectionId: f.connectionId, index: f.index }]);
    };
    const [first, second] = (await everything(queries)).filter((f) => f.issueCount === 0 && !/^\d{3}$/.test(f.command));
    const before = (await errors()).frames.map((f) => f.id);
    // Known positions are dropped: the list gains the frame.
    expect(flag(first!)).toEqual([{ ...first, issueCount: 1 }]);
    // The scan that query starts yields after its first slice of 3 ids, the ones holding the second
    // frame, which is flagged meanwhile: that scan answers its caller but is not kept.
    expect(second!.id).toBeLessThanOrEqual(3);
    const scanning = errors();
    flag(second!);
    await scanning;
    const after = await errors();
    expect(after.frames.map((f) => f.id)).toEqual([...before, first!.id, second!.id].sort((a, b) => a - b));
    expect(after.total).toBe(before.length + 2);
  });

  it('answer concurrent requests for the same filter, each right', async () => {
    t = tempCapture();
    for (let i = 0; i < 5; i++) recordSession(t.store, { start: 1_700_000_000_000 + i * 100_000 });
    t.store.flush();
    const queries = new CaptureQueries(t.store.readDatabase(), { step: 2, sliceIds: 5, maxIds: 0 });
    const pages = await Promise.all([0, 2, 4, 6].map((offset) => queries.frames({ dir: 's2c', offset, limit: 2 })));
    const all = (await everything(queries)).filter((f) => f.dir === 's2c');
    expect(pages.map((p) => p.frames)).toEqual([0, 2, 4, 6].map((o) => all.slice(o, o + 2)));
  });

  it('summarise every session as the one-session path does (versions, counts, live), in one pass', () => {
    t = tempCapture();
    const store = t.store;
    recordSession(store); // closed
    recordSession(store, { close: false, start: 1_700_000_100_000 }); // still open
    store.openSession({ client: '127.0.0.1:50001', tsWall: 1_700_000_200_000 }); // no connection yet
    // Two versions in one session (an MSNP15 NS, an MSNP12 SB), and a connection that never agreed one.
    recordSession(store, {
      close: false, start: 1_700_000_300_000,
      steps: [
        ['ns1', 'c2s', 'VER 1 MSNP15 CVR0\r\n'], ['ns1', 's2c', 'VER 1 MSNP15\r\n'],
        ['sb1', 'c2s', 'VER 2 MSNP12 CVR0\r\n'], ['sb1', 's2c', 'VER 2 MSNP12\r\n'],
        ['ds1', 'c2s', 'hello?\r\n'],
      ],
    });
    store.flush();
    const queries = new CaptureQueries(store.readDatabase());
    for (const live of [true, false]) {
      const all = queries.sessions(live);
      expect(all.map((s) => s.id)).toEqual([1, 2, 3, 4]);
      for (const summary of all) {
        const { connections, ...one } = queries.session(summary.id, live)!;
        expect(summary, `session ${summary.id}, live ${live}`).toEqual(one);
        expect(summary.connectionCount).toBe(connections.length);
      }
      expect(all.map((s) => s.live)).toEqual(live ? [false, true, false, true] : [false, false, false, false]);
      expect(all[3]?.versions).toEqual(['MSNP15', 'MSNP12']);
      expect(all[2]).toMatchObject({ versions: [], connectionCount: 0, frameCount: 0 });
    }
  });

  it('pages sessions: the newest `limit` before `before`, matching part of the handle, oldest first', () => {
    t = tempCapture();
    const store = t.store;
    // LIKE's wildcards and its escape character are plain text in a handle search.
    const handles = ['alice@example.com', 'bob@example.com', null, 'ALICE2@example.com', '100%_real\\@example.com', 'carol@example.com'];
    for (let i = 0; i < 30; i++) {
      const handle = handles[i % handles.length] ?? null;
      // Closing names the session alice: a session left unnamed stays open.
      const { sessionId } = recordSession(store, { close: handle !== null && i % 4 !== 0, start: 1_700_000_000_000 + i * 10_000 });
      if (handle !== null) store.updateSession(sessionId, { handle });
    }
    store.flush();
    const queries = new CaptureQueries(store.readDatabase());
    const all = queries.sessions(true);
    expect(all).toHaveLength(30);
    expect(queries.sessionPage({}, true)).toEqual(all);
    const cases: SessionQuery[] = [
      { limit: 7 }, { limit: 1000 }, { limit: 7, before: 12 }, { before: 12 }, { limit: 3, before: 1 },
      { handle: 'alice' }, { handle: 'ALICE', limit: 2 }, { handle: 'alice', before: 20, limit: 3 },
      { handle: '%' }, { handle: '_' }, { handle: '\\' }, { handle: '%_real\\' }, { handle: 'a%e' }, { handle: 'nobody' },
    ];
    for (const query of cases) {
      const needle = query.handle?.toLowerCase();
      const selected = all.filter((s) => (query.before === undefined || s.id < query.before) && (needle === undefined || (s.handle ?? '').toLowerCase().includes(needle)));
      expect(queries.sessionPage(query, true), JSON.stringify(query)).toEqual(query.limit === undefined ? selected : selected.slice(-query.limit));
    }
    expect(queries.sessionPage({ handle: '%' }, true).map((s) => s.handle)).toEqual(Array(5).fill('100%_real\\@example.com'));
  });

  it('count frames per session and connection incrementally', () => {
    t = tempCapture();
    const queries = new CaptureQueries(t.store.readDatabase());
    expect(queries.sessions(false)).toEqual([]);
    recordSession(t.store);
    t.store.flush();
    const first = queries.sessions(false)[0]?.frameCount ?? 0;
    recordSession(t.store);
    t.store.flush();
    expect(queries.sessions(false).map((s) => s.frameCount)).toEqual([first, first]);
    expect(queries.counts()).toEqual({ sessions: 2, connections: 6, frames: 2 * first });
  });
});
