import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { CaptureState } from '../../web/src/lib/capture.svelte.js';
import { FakeApi, connection, frame, session, settle } from './fakes.js';

async function loaded(api: FakeApi, options: { search?: string; pageSize?: number; maxPages?: number; sessionPageSize?: number } = {}): Promise<CaptureState> {
  const state = new CaptureState({ api, pageSize: 100, ...options });
  await state.load('full');
  return state;
}

describe('CaptureState snapshot', () => {
  it('loads capture, sessions and the first page of frames', async () => {
    const api = new FakeApi(250);
    const state = await loaded(api);
    expect(state.loaded).toBe(true);
    expect(state.capture?.name).toBe('test.sqlite');
    expect(state.sessions.map((s) => s.id)).toEqual([1]);
    expect(state.total).toBe(250);
    expect(state.rowAt(0)?.id).toBe(1);
    expect(state.rowAt(99)?.id).toBe(100);
    expect(state.rowAt(100)).toBeUndefined();
    expect(api.frameCalls).toEqual(['GET /api/frames?offset=0&limit=100']);
  });

  it('opens a million-frame capture with one page and reads only the pages the viewport asks for', async () => {
    const api = new FakeApi(1_000_000);
    const started = performance.now();
    const state = await loaded(api, { pageSize: 500, maxPages: 4 });
    expect(state.total).toBe(1_000_000);
    state.ensureRange(900_010, 900_060);
    await settle();
    expect(state.rowAt(900_010)?.id).toBe(900_011);
    expect(state.rowAt(900_059)?.id).toBe(900_060);
    expect(api.frameCalls).toEqual(['GET /api/frames?offset=0&limit=500', 'GET /api/frames?offset=900000&limit=500']);
    // A range that straddles two pages reads both; ranges already held read nothing.
    state.ensureRange(900_480, 900_530);
    await settle();
    state.ensureRange(900_400, 900_520);
    await settle();
    expect(api.frameCalls.slice(2)).toEqual(['GET /api/frames?offset=900500&limit=500']);
    // Memory stays bounded: old pages are dropped past maxPages.
    for (const at of [10_000, 20_000, 30_000, 40_000, 50_000]) {
      state.ensureRange(at, at + 40);
      await settle();
    }
    expect(state.rowAt(900_010)).toBeUndefined();
    expect(state.rowAt(50_000)?.id).toBe(50_001);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('fetches at most two pages at once and follows the viewport while scrolling fast', async () => {
    const api = new FakeApi(100_000);
    const state = await loaded(api);
    api.paused = true;
    for (let at = 0; at < 50_000; at += 1000) state.ensureRange(at, at + 300);
    expect(api.pending).toBe(2);
    api.release();
    await settle();
    api.release();
    await settle();
    // Once the early requests land, only the pages of the last requested range are read.
    expect(state.rowAt(49_000)?.id).toBe(49_001);
    expect(api.frameCalls.length).toBeLessThan(10);
  });
});

describe('CaptureState live deltas', () => {
  it('appends live frames locally when the tail is known, and ignores frames it already has', async () => {
    const api = new FakeApi(10);
    const state = await loaded(api);
    const fresh = api.append(3);
    state.applyLive([{ type: 'frames/add', frames: [api.at(9), ...fresh] }]);
    expect(state.total).toBe(13);
    expect(state.rowAt(12)?.id).toBe(13);
    state.applyLive([{ type: 'frames/add', frames: fresh }]);
    expect(state.total).toBe(13);
    expect(api.frameCalls).toHaveLength(1);
  });

  it('reads the tail once when it is not known yet (list opened at the top), then appends locally', async () => {
    const api = new FakeApi(1000);
    const state = await loaded(api);
    state.applyLive([{ type: 'frames/add', frames: api.append(2) }]);
    await settle();
    expect(api.frameCalls.at(-1)).toBe('GET /api/frames?offset=1000&limit=100');
    expect(state.total).toBe(1002);
    state.applyLive([{ type: 'frames/add', frames: api.append(1) }]);
    expect(state.total).toBe(1003);
    expect(api.frameCalls).toHaveLength(2);
  });

  it('keeps appending locally when a page read meanwhile already counts frames not yet announced', async () => {
    // After a reset or reconnect the rows between the first page and the tail load as they are scrolled
    // to; the server's total in those pages runs ahead of the announcements, which must not turn every
    // following announcement into another read of the tail.
    const api = new FakeApi(1000);
    const state = await loaded(api);
    state.applyLive([{ type: 'frames/add', frames: api.append(1) }]);
    await settle();
    const reads = api.frameCalls.length;
    const unannounced = api.append(5);
    state.ensureRange(500, 540);
    await settle();
    expect(api.frameCalls.slice(reads)).toEqual(['GET /api/frames?offset=500&limit=100']);
    expect(state.total).toBe(1001);
    expect(state.rowAt(520)?.id).toBe(521);
    state.applyLive([{ type: 'frames/add', frames: unannounced }]);
    for (let i = 0; i < 3; i++) state.applyLive([{ type: 'frames/add', frames: api.append(1) }]);
    await settle();
    expect(state.total).toBe(1009);
    expect(state.rowAt(1008)?.id).toBe(1009);
    expect(api.frameCalls).toHaveLength(reads + 1);
  });

  it('a soft load during a full one waits for it, then reads only the tail', async () => {
    const api = new FakeApi(1000);
    const state = new CaptureState({ api, pageSize: 100 });
    api.paused = true;
    const full = state.load('full');
    const soft = state.load('soft');
    api.append(3);
    for (let i = 0; i < 3; i++) {
      api.release();
      await settle();
    }
    await Promise.all([full, soft]);
    expect(api.frameCalls).toEqual(['GET /api/frames?offset=0&limit=100', 'GET /api/frames?offset=1003&limit=100']);
    expect(state.total).toBe(1003);
    api.paused = false;
    state.applyLive([{ type: 'frames/add', frames: api.append(1) }]);
    await settle();
    expect(state.total).toBe(1004);
    // That read reached the tail: from now on live frames are appended without a request.
    state.applyLive([{ type: 'frames/add', frames: api.append(1) }]);
    expect(state.total).toBe(1005);
    expect(api.frameCalls).toHaveLength(3);
  });

  it('jumps to the real tail when far behind, leaving the gap to load on demand', async () => {
    const api = new FakeApi(1000);
    const state = await loaded(api);
    state.applyLive([{ type: 'frames/add', frames: api.append(450) }]);
    await settle();
    expect(api.frameCalls.slice(1)).toEqual(['GET /api/frames?offset=1000&limit=100', 'GET /api/frames?offset=1350&limit=100']);
    expect(state.total).toBe(1450);
    expect(state.rowAt(1449)?.id).toBe(1450);
    expect(state.rowAt(1200)).toBeUndefined();
  });

  it('replaces updated rows in place, and reads an errors-only list again when it may have gained them', async () => {
    const api = new FakeApi(10);
    const state = await loaded(api);
    const calls = api.frameCalls.length;
    const flagged = api.amend(4, { issueCount: 1 });
    state.applyLive([{ type: 'frames/update', frames: [flagged] }]);
    expect(state.rowAt(3)).toEqual(flagged);
    expect(api.frameCalls.length).toBe(calls); // nothing to ask
    state.setFilter({ errors: true });
    state.ensureRange(0, 20); // what the viewport shows
    await settle();
    const listed = () => Array.from({ length: state.total }, (_, i) => state.rowAt(i)?.id);
    expect(listed()).toEqual([4, 6, 7]); // the flagged frame, an error reply, raw bytes
    // Frame 3 (a CHG) joins the errors before rows already held.
    state.applyLive([{ type: 'frames/update', frames: [api.amend(3, { issueCount: 1 })] }]);
    await settle();
    expect(listed()).toEqual([3, 4, 6, 7]);
  });

  it('asks the server about live frames only when they could match the filter', async () => {
    const api = new FakeApi(40);
    const state = await loaded(api);
    state.setFilter({ commands: ['MSG'], session: 1 });
    await settle();
    expect(state.total).toBe(5); // ids 5, 13, 21, 29, 37
    const before = api.frameCalls.length;
    state.applyLive([{ type: 'frames/add', frames: api.append(1, { sessionId: 2, command: 'MSG' }) }]);
    await settle();
    expect(api.frameCalls.length).toBe(before);
    state.applyLive([{ type: 'frames/add', frames: api.append(2, { command: 'MSG' }) }]);
    await settle();
    expect(api.frameCalls.length).toBe(before + 1);
    expect(state.total).toBe(7);
    expect(state.rowAt(6)?.command).toBe('MSG');
  });

  it('coalesces tail reads while one is in flight', async () => {
    const api = new FakeApi(5);
    const state = await loaded(api);
    state.setFilter({ q: 'frame' });
    await settle();
    api.paused = true;
    for (let i = 0; i < 5; i++) state.applyLive([{ type: 'frames/add', frames: api.append(1) }]);
    expect(api.pending).toBe(1);
    api.release();
    await settle();
    api.release();
    await settle();
    expect(api.frameCalls.length).toBe(4); // snapshot, filter, one read, one catch-up read
    expect(state.total).toBe(10);
  });

  it('applies session, connection and capture upserts in one batch', async () => {
    const api = new FakeApi(0);
    const state = await loaded(api);
    state.expanded.add(2);
    state.applyLive([
      { type: 'sessions/upsert', session: session(2) },
      { type: 'sessions/upsert', session: session(1, { live: false }) },
      { type: 'connections/upsert', connection: connection(7, 2) },
      { type: 'connections/upsert', connection: connection(8, 1) }, // of a collapsed session: not kept
      { type: 'capture/update', capture: { ...api.info, storeError: 'database is locked', queued: 12 } },
      { type: 'frames/add', frames: [frame(1)] },
    ]);
    expect(state.sessions.map((s) => [s.id, s.live])).toEqual([[1, false], [2, true]]);
    expect(state.connectionsOf(2).map((c) => c.id)).toEqual([7]);
    expect(state.connections.has(8)).toBe(false);
    expect(state.capture?.storeError).toBe('database is locked');
    expect(state.total).toBe(1);
  });
});

describe('CaptureState live sessions', () => {
  it('keeps the session list sorted by id through upserts in any order, replacing by id', async () => {
    const api = new FakeApi(0);
    const state = await loaded(api);
    const ids = [5, 1, 9, 3, 7, 2, 8, 6, 4, 10];
    state.applyLive(ids.slice(0, 4).map((id) => ({ type: 'sessions/upsert' as const, session: session(id) })));
    expect(state.sessions.map((s) => s.id)).toEqual([1, 3, 5, 9]);
    state.applyLive(ids.slice(4).map((id) => ({ type: 'sessions/upsert' as const, session: session(id) })));
    expect(state.sessions.map((s) => s.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    state.applyLive([
      { type: 'sessions/upsert', session: session(1, { live: false }) },
      { type: 'sessions/upsert', session: session(10, { live: false }) },
      { type: 'sessions/upsert', session: session(6, { live: false }) },
    ]);
    expect(state.sessions.filter((s) => !s.live).map((s) => s.id)).toEqual([1, 6, 10]);
    expect(state.sessions).toHaveLength(10);
  });

  it('keeps live connections of an expanded session, and of a session once it is expanded', async () => {
    const api = new FakeApi(0);
    const state = await loaded(api);
    state.applyLive([{ type: 'sessions/upsert', session: session(3) }, { type: 'connections/upsert', connection: connection(30, 3) }]);
    expect(state.connections.size).toBe(0);
    state.expanded.add(3);
    state.applyLive([{ type: 'connections/upsert', connection: connection(31, 3) }]);
    state.applyLive([{ type: 'connections/upsert', connection: { ...connection(31, 3), live: false } }]);
    expect(state.connectionsOf(3).map((c) => [c.id, c.live])).toEqual([[31, false]]);
  });
});

describe('CaptureState session pages', () => {
  const sessions = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => session(from + i));
  const ids = (state: CaptureState) => state.sessions.map((s) => s.id);
  const range = (from: number, to: number) => sessions(from, to).map((s) => s.id);

  it('lists the newest page, adds older pages on request, and knows when none are left', async () => {
    const api = new FakeApi(0);
    api.sessionList = sessions(1, 450);
    const state = await loaded(api, { sessionPageSize: 200 });
    expect(ids(state)).toEqual(range(251, 450));
    expect(state.olderSessions).toBe(true);
    expect(api.calls).toContain('GET /api/sessions?limit=201');
    await state.loadOlderSessions();
    expect(ids(state)).toEqual(range(51, 450));
    expect(state.olderSessions).toBe(true);
    await state.loadOlderSessions();
    expect(ids(state)).toEqual(range(1, 450));
    expect(state.olderSessions).toBe(false);
    const exact = await loaded(Object.assign(new FakeApi(0), { sessionList: sessions(1, 200) }), { sessionPageSize: 200 });
    expect([exact.sessions.length, exact.olderSessions]).toEqual([200, false]);
    expect(api.calls.filter((c) => c.startsWith('GET /api/sessions?'))).toEqual([
      'GET /api/sessions?limit=201', 'GET /api/sessions?before=251&limit=201', 'GET /api/sessions?before=51&limit=201',
    ]);
    // A snapshot reload keeps as many as are listed.
    await state.load('full');
    expect(ids(state)).toEqual(range(1, 450));
    expect(api.calls.at(-1)).toBe('GET /api/sessions?limit=601');
  });

  it('keeps the newest through live upserts: new ones push the oldest out, older unlisted ones stay out', async () => {
    const api = new FakeApi(0);
    api.sessionList = sessions(1, 30);
    const state = await loaded(api, { sessionPageSize: 10 });
    expect(ids(state)).toEqual(range(21, 30));
    state.applyLive([
      { type: 'sessions/upsert', session: session(5, { live: false }) }, // older than the cut: not listed
      { type: 'sessions/upsert', session: session(25, { live: false }) },
      { type: 'sessions/upsert', session: session(31) },
      { type: 'sessions/upsert', session: session(32) },
    ]);
    expect(ids(state)).toEqual(range(23, 32));
    expect(state.sessions.find((s) => s.id === 25)?.live).toBe(false);
    expect(state.olderSessions).toBe(true);
    // A complete list takes every update.
    const small = await loaded(Object.assign(new FakeApi(0), { sessionList: sessions(4, 6) }), { sessionPageSize: 10 });
    expect(small.olderSessions).toBe(false);
    small.applyLive([{ type: 'sessions/upsert', session: session(2) }, { type: 'sessions/upsert', session: session(7) }]);
    expect(ids(small)).toEqual([2, 4, 5, 6, 7]);
  });

  it('narrows the list to a handle, live too, and drops answers to an older search', async () => {
    const api = new FakeApi(0);
    api.sessionList = sessions(1, 300).map((s) => (s.id % 3 === 0 ? { ...s, handle: `Alice${s.id}@example.com` } : s));
    const state = await loaded(api, { sessionPageSize: 50 });
    await state.searchSessions('alice');
    expect(state.sessions).toHaveLength(50);
    expect(state.sessions.every((s) => s.handle?.startsWith('Alice'))).toBe(true);
    expect(ids(state).at(-1)).toBe(300);
    expect(api.calls.at(-1)).toBe('GET /api/sessions?handle=alice&limit=51');
    state.applyLive([
      { type: 'sessions/upsert', session: session(301) }, // someone else
      { type: 'sessions/upsert', session: session(302, { handle: null }) }, // not signed in yet
      { type: 'sessions/upsert', session: session(303, { handle: 'ALICE303@example.com' }) },
    ]);
    expect(ids(state).slice(-2)).toEqual([300, 303]);

    api.paused = true;
    const first = state.searchSessions('alice1');
    const second = state.searchSessions('user29');
    api.release('newest-first'); // the older search's answer lands last
    await Promise.all([first, second]);
    expect(state.sessionSearch).toBe('user29');
    expect(ids(state)).toEqual([29, 290, 291, 292, 293, 294, 295, 296, 297, 298, 299].filter((id) => id % 3 !== 0));
    expect(state.olderSessions).toBe(false);
    api.paused = false;
    await state.searchSessions('');
    expect(ids(state)).toEqual(range(251, 300)); // the server's newest (the live ones above were only announced)
  });
});

describe('CaptureState filters and URL', () => {
  it('starts from a shared URL and reflects filter changes in its search', () => {
    const state = new CaptureState({ api: new FakeApi(0), search: '?command=msg,CHG&dir=c2s&q=hello&errors=1&frame=12&bogus=1&trId=x' });
    expect(state.filter).toMatchObject({ commands: ['MSG', 'CHG'], dir: 'c2s', q: 'hello', errors: true, trId: null });
    expect(state.selectedId).toBe(12);
    expect(state.detailOpen).toBe(true);

    const seen: string[] = [];
    const stop = $effect.root(() => {
      $effect(() => {
        seen.push(state.search);
      });
    });
    flushSync();
    state.setFilter({ dir: null, version: 'MSNP8', trId: 4 });
    flushSync();
    state.clearFilter();
    state.clearSelection();
    flushSync();
    stop();
    expect(seen).toEqual([
      '?command=MSG,CHG&dir=c2s&errors=1&q=hello&frame=12',
      '?command=MSG,CHG&version=MSNP8&trId=4&errors=1&q=hello&frame=12',
      '',
    ]);
  });

  it('queries the server with the filter and reloads when navigating to another URL', async () => {
    const api = new FakeApi(64);
    const state = await loaded(api, { search: '?command=CHG' });
    expect(api.frameCalls[0]).toBe('GET /api/frames?offset=0&limit=100&command=CHG');
    expect(state.total).toBe(8);
    const listId = state.listId;
    state.navigate('?command=&dir=s2c');
    await settle();
    expect(api.frameCalls.at(-1)).toBe('GET /api/frames?offset=0&limit=100&command=&dir=s2c');
    expect(state.total).toBe(8); // raw frames are ids 7, 15, … 63, all s2c
    expect(state.listId).toBeGreaterThan(listId);
  });

  it('does not reload for a filter that means the same query', async () => {
    const api = new FakeApi(10);
    const state = await loaded(api);
    state.setFilter({ q: '   ' });
    await settle();
    expect(api.frameCalls).toHaveLength(1);
  });

  it('a filter change during the first load drops only that load\'s page', async () => {
    const api = new FakeApi(64);
    const state = new CaptureState({ api, pageSize: 100 });
    api.paused = true;
    const load = state.load('full');
    state.setFilter({ commands: ['CHG'] });
    expect(state.loading).toBe(true);
    for (let i = 0; i < 3; i++) {
      api.release();
      await settle();
    }
    await load;
    expect([state.loaded, state.loading, state.sessions.length, state.total]).toEqual([true, false, 1, 8]);
    expect(state.rowAt(0)?.command).toBe('CHG');
  });

  it('drops responses for a filter that was replaced meanwhile', async () => {
    const api = new FakeApi(64);
    const state = await loaded(api);
    api.paused = true;
    state.setFilter({ commands: ['CHG'] });
    state.setFilter({ commands: ['MSG', 'ILN'] });
    api.release();
    await settle();
    expect(state.total).toBe(16);
    expect(state.rowAt(0)?.command).toBe('ILN');
  });
});

describe('CaptureState selection', () => {
  it('moves with the keyboard, clamps at the ends and resolves rows that were not loaded yet', async () => {
    const api = new FakeApi(150);
    const state = await loaded(api);
    state.move(1);
    expect([state.selectedIndex, state.selectedId]).toEqual([0, 1]);
    state.move(-1);
    expect(state.selectedIndex).toBe(0);
    state.move(120);
    expect([state.selectedIndex, state.selectedId]).toEqual([120, null]);
    state.ensureRange(100, 140);
    await settle();
    expect(state.selectedId).toBe(121);
    state.move(1000);
    expect(state.selectedIndex).toBe(149);
  });

  it('opens the detail, follows the TrID partner and closes on clear', async () => {
    const api = new FakeApi(20);
    const state = await loaded(api);
    state.select(3, 2);
    await settle();
    expect(state.detailOpen).toBe(true);
    expect(state.detail?.id).toBe(3);
    expect(state.detail?.partnerId).toBe(4);
    state.followPartner();
    await settle();
    expect([state.selectedId, state.selectedIndex, state.detail?.id]).toEqual([4, 3, 4]);
    expect(state.search).toBe('?frame=4');
    state.clearSelection();
    expect([state.detailOpen, state.selectedId, state.detail]).toEqual([false, null, null]);
  });

  it('finds a selected frame from the URL once its page lands', async () => {
    const api = new FakeApi(300);
    const state = await loaded(api, { search: '?frame=42' });
    expect(state.selectedIndex).toBe(41);
    await settle();
    expect(state.detail?.id).toBe(42);
  });

  it('asks the server where a selected frame outside the loaded rows is, in the filtered list', async () => {
    // A URL naming a frame deep in a million-frame list: only the first page is held.
    const big = new FakeApi(1_000_000);
    const state = await loaded(big, { search: '?frame=900001', pageSize: 500 });
    await settle();
    expect(big.calls).toContain('GET /api/frames/900001/position');
    expect(state.selectedIndex).toBe(900_000);
    state.ensureRange(900_000, 900_010);
    await settle();
    expect(state.rowAt(state.selectedIndex as number)?.id).toBe(900_001);

    // Filtered: the position counts only the matching frames; a frame the filter leaves out stays unplaced.
    const api = new FakeApi(2000);
    const filtered = await loaded(api, { search: '?command=MSG' });
    expect(api.at(1988).command).toBe('MSG');
    filtered.select(1989); // beyond the first page of matches
    await settle();
    expect(api.calls.at(-1)).toBe('GET /api/frames/1989/position?command=MSG');
    const matchesBefore = Array.from({ length: 1988 }, (_, i) => api.at(i)).filter((f) => f.command === 'MSG').length;
    expect(matchesBefore).toBeGreaterThan(100);
    expect(filtered.selectedIndex).toBe(matchesBefore);
    expect(api.at(1990).command).not.toBe('MSG');
    filtered.select(1991);
    await settle();
    expect([filtered.selectedId, filtered.selectedIndex]).toEqual([1991, null]);
    // A filter change keeps the selection and places it in the new list.
    filtered.setFilter({ commands: [] });
    await settle();
    expect(filtered.selectedIndex).toBe(1990);
  });

  it('reports API failures instead of throwing', async () => {
    const api = new FakeApi(10);
    api.frames = () => Promise.reject(new Error('GET /api/frames: 500: boom'));
    const state = await loaded(api);
    expect(state.error).toBe('GET /api/frames: 500: boom');
    expect(state.total).toBe(0);
  });
});
