import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CommitBatch, CaptureStore } from '../../proxy/capture/store.js';
import { MSNP8_STEPS, type TempDir, fakeFrame, recordSession, tempDir } from './helpers.js';

let tmp: TempDir;
const open: CaptureStore[] = [];
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => {
  for (const store of open.splice(0)) store.close();
  tmp.remove();
});

function openStore(name = 'c.db', options: Parameters<typeof CaptureStore.open>[1] = {}) {
  const store = CaptureStore.open(tmp.file(name), { log: () => {}, ...options });
  open.push(store);
  return store;
}

const integrity = (file: string) => {
  const db = new Database(file, { readonly: true });
  const result = db.pragma('integrity_check', { simple: true });
  db.close();
  return result;
};

describe('capture store: ids and batching', () => {
  it('hands out ids at once, before anything is written', () => {
    const store = openStore('c.db', { batchMs: 60_000 });
    const s1 = store.openSession({ client: '127.0.0.1:1', tsWall: 1 });
    const c1 = store.openConnection({ sessionId: s1, label: 'ds1', kind: 'dispatch', client: 'c', upstream: 'u', listen: 'l', tsWall: 1, tsMono: 1 });
    const c2 = store.openConnection({ sessionId: s1, label: 'ns1', kind: 'ns', client: 'c', upstream: 'u', listen: 'l', referredBy: c1, tsWall: 2, tsMono: 2 });
    expect([s1, c1, c2]).toEqual([1, 1, 2]);
    expect(store.counts()).toEqual({ sessions: 0, connections: 0, chunks: 0, frames: 0 });
    expect(store.health().queued).toBe(3);
    expect(store.flush()).toBe(true);
    expect(store.counts()).toMatchObject({ sessions: 1, connections: 2 });
  });

  it('continues ids after the rows already in the file', () => {
    const first = openStore('c.db');
    recordSession(first);
    expect(first.close()).toBe(true);
    const second = openStore('c.db');
    expect(second.openSession({ client: 'x', tsWall: 2 })).toBe(2);
    expect(second.openConnection({ sessionId: 2, label: 'ds1', kind: 'dispatch', client: 'c', upstream: 'u', listen: 'l', tsWall: 2, tsMono: 2 })).toBe(4);
  });

  it('refuses ids it never handed out, at the call rather than in a later batch', () => {
    const store = openStore();
    expect(() => store.openConnection({ sessionId: 7, label: 'x', kind: 'ns', client: 'c', upstream: 'u', listen: 'l', tsWall: 1, tsMono: 1 })).toThrow(/unknown session id 7/);
    expect(() => store.addFrame(fakeFrame(3, 0))).toThrow(/unknown connection id 3/);
    expect(store.health().queued).toBe(0);
  });

  // Inline a batch goes in halves, answered at once; on the thread in thirds, up to three with it at a time.
  it.each([['inline', 2], ['thread', 3]] as const)('writes many records in few transactions, never leaves more than a batch uncommitted, and everything after flush() (%s)', (writer, depth) => {
    const store = openStore('c.db', { batchMs: 60_000, batchSize: 500, writer });
    const commits: CommitBatch[] = [];
    store.onCommit((b) => commits.push(b));
    const s = store.openSession({ client: 'c', tsWall: 1 });
    const c = store.openConnection({ sessionId: s, label: 'ns1', kind: 'ns', client: 'c', upstream: 'u', listen: 'l', tsWall: 1, tsMono: 1 });
    let mostQueued = 0;
    for (let i = 0; i < 2100; i++) {
      store.addFrame(fakeFrame(c, i));
      mostQueued = Math.max(mostQueued, store.health().queued);
    }
    // 2102 records handed to the writer a half or a third of a batch at a time as they gather, the
    // caller waiting whenever a whole batch is uncommitted: what a kill -9 could lose stays under batchSize.
    expect(mostQueued).toBeLessThanOrEqual(500);
    expect(store.health().committedFrames).toBeGreaterThanOrEqual(2100 - 500);
    expect(store.flush()).toBe(true);
    const sizes = commits.map((b) => b.frames.length + b.sessions.length + b.connections.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(500);
    // The transactions are a half or a third of a batch (the last one what was left, and on the thread
    // one may take what gathered while the writer was busy): not many more than that makes.
    expect(commits.length).toBeLessThanOrEqual(Math.ceil(2102 / Math.ceil(500 / depth)) + 1);
    if (writer === 'inline') expect(sizes.slice(0, -1).every((n) => n === 250)).toBe(true);
    expect(commits.flatMap((b) => b.frames.map((f) => f.index))).toEqual(Array.from({ length: 2100 }, (_, i) => i));
    expect(store.health()).toMatchObject({ queued: 0, committedFrames: 2100, failures: 0, lastError: null });
    expect(store.counts().frames).toBe(2100);
    expect(integrity(tmp.file('c.db'))).toBe('ok');
  });

  it('writes on its own after batchMs', async () => {
    const store = openStore('c.db', { batchMs: 5 });
    const s = store.openSession({ client: 'c', tsWall: 1 });
    expect(store.counts().sessions).toBe(0);
    await vi.waitFor(() => expect(store.counts().sessions).toBe(1));
    expect(store.getSession(s)).toMatchObject({ id: s, client: 'c' });
  });

  it('announces committed batches with the stored ids, only once a reader can see them', () => {
    const file = tmp.file('c.db');
    const store = openStore('c.db', { batchMs: 60_000 });
    const reader = new Database(file, { readonly: true });
    const seen: Array<{ batch: CommitBatch; visible: number }> = [];
    const off = store.onCommit((batch) => {
      seen.push({ batch, visible: (reader.prepare('SELECT count(*) AS n FROM frames').get() as { n: number }).n });
    });
    const { ids } = recordSession(store);
    store.flush();
    expect(seen).toHaveLength(1);
    const [{ batch, visible }] = seen as [(typeof seen)[number]];
    expect(visible).toBe(batch.frames.length);
    expect(batch.sessions).toContain(1);
    expect(new Set(batch.connections)).toEqual(new Set(ids.values()));
    expect(batch.chunks).toBe(MSNP8_STEPS.length);
    expect(batch.closes.map((c) => c.connectionId).sort()).toEqual([...ids.values()].sort());
    const stored = store.listFrames(ids.get('ns1')!);
    const announced = batch.frames.filter((f) => f.connectionId === ids.get('ns1'));
    expect(announced.map((f) => f.id)).toEqual(stored.map((f) => f.id));
    off();
    store.openSession({ client: 'c', tsWall: 2 });
    store.flush();
    expect(seen).toHaveLength(1);
    reader.close();
  });
});

describe('capture store: reads', () => {
  it('lists sessions, connections, frames and reads as recorded', () => {
    const store = openStore();
    const { sessionId, ids, chunks } = recordSession(store);
    store.flush();

    expect(store.listSessions()).toEqual([
      { id: sessionId, startedWall: 1_700_000_000_000, client: '127.0.0.1:50000', handle: 'alice@example.com', imported: null, endedWall: 1_700_000_001_000 },
    ]);
    expect(store.getSession(99)).toBeUndefined();

    const connections = store.listConnections(sessionId);
    expect(connections.map((c) => [c.label, c.kind, c.version, c.closeReason])).toEqual([
      ['ds1', 'dispatch', 8, 'client closed'],
      ['ns1', 'ns', 8, 'client closed'],
      ['sb1', 'sb', 8, 'client closed'],
    ]);
    expect(connections.find((c) => c.label === 'ns1')).toMatchObject({ handle: 'alice@example.com', frames: 11 });
    expect(store.listConnections()).toEqual(connections);
    expect(store.listConnections(2)).toEqual([]);

    const ns = ids.get('ns1')!;
    const frames = store.listFrames(ns);
    expect(frames.map((f) => f.index)).toEqual([...frames.keys()]);
    expect(frames[0]).toMatchObject({ dir: 'c2s', command: 'VER', trId: 3, offset: 0, rewritten: null, issues: [] });
    expect(frames[0]?.bytes.toString()).toBe('VER 3 MSNP8 CVR0\r\n');
    // Half a command in one read, the rest in the next: the frame holds the whole command.
    expect(frames.find((f) => f.command === 'CHG')?.bytes.toString()).toBe('CHG 7 NLN 268435492\r\n');
    expect(store.listFrames(ns, { afterIndex: 3, limit: 2 }).map((f) => f.index)).toEqual([4, 5]);

    const stored = store.sessionChunks(sessionId);
    expect(stored.map((c) => [c.label, c.dir, c.tsWall, c.bytes.toString()])).toEqual(
      chunks.map((c) => [c.conn, c.dir, c.t_ms, c.bytes.toString()]),
    );
    expect(stored.map((c) => c.chunkId)).toEqual([...stored.map((c) => c.chunkId)].sort((a, b) => a - b));
    expect(store.counts()).toEqual({ sessions: 1, connections: 3, chunks: chunks.length, frames: expect.any(Number) });
  });

  it('keeps rewritten bytes and issues', () => {
    const store = openStore();
    const s = store.openSession({ client: 'c', tsWall: 1 });
    const c = store.openConnection({ sessionId: s, label: 'ns1', kind: 'ns', client: 'c', upstream: 'u', listen: 'l', tsWall: 1, tsMono: 1 });
    const original = Buffer.from('XFR 8 SB 192.0.2.20:1863 CKI 1.2.3\r\n');
    const rewritten = Buffer.from('XFR 8 SB 127.0.0.1:18630 CKI 1.2.3\r\n');
    store.addFrame({ ...fakeFrame(c, 0), bytes: original, rewritten, command: 'XFR', trId: 8, issues: ['a', 'b'] });
    store.flush();
    const [frame] = store.listFrames(c);
    expect(frame?.bytes.equals(original)).toBe(true);
    expect(frame?.rewritten?.equals(rewritten)).toBe(true);
    expect(frame?.issues).toEqual(['a', 'b']);
  });

  it('reads a file that another store is writing, read-only', () => {
    const writer = openStore('c.db');
    recordSession(writer);
    writer.flush();
    const reader = openStore('c.db', { readonly: true });
    expect(reader.listSessions()).toHaveLength(1);
    expect(() => reader.openSession({ client: 'c', tsWall: 1 })).toThrow(/read-only/);
  });
});
