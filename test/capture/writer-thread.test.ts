// The capture store's SQLite writes run on a writer thread: the caller hands batches over and goes on.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchWriter, type Op, type WriteReply } from '../../proxy/capture/batch-writer.js';
import { decodeOps, encodeOps } from '../../proxy/capture/op-codec.js';
import { CaptureStore } from '../../proxy/capture/store.js';
import { ThreadLink, stopWriterThread } from '../../proxy/capture/writer-link.js';
import { type TempDir, fakeFrame, tempDir } from './helpers.js';

let tmp: TempDir;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.remove());

function openWithConnection(options: Parameters<typeof CaptureStore.open>[1] = {}) {
  const logs: string[] = [];
  const store = CaptureStore.open(tmp.file('w.db'), { batchMs: 60_000, batchSize: 100, writer: 'thread', log: (_, m) => logs.push(m), ...options });
  const sessionId = store.openSession({ client: 'c', tsWall: 1 });
  const connectionId = store.openConnection({ sessionId, label: 'ns1', kind: 'ns', client: 'c', upstream: 'u', listen: 'l', tsWall: 1, tsMono: 1 });
  return { store, connectionId, logs };
}

describe('op codec', () => {
  it('carries exactly each record\'s bytes, packed, even when they are slices of a much larger buffer', () => {
    const big = Buffer.alloc(1 << 20, 0x41);
    big.write('MSG 1 N 5\r\nhello', 4096, 'latin1');
    const frame = {
      ...fakeFrame(3, 7), bytes: big.subarray(4096, 4096 + 16), rewritten: Buffer.from('XFR 1 NS 127.0.0.1:5\r\n'),
      command: 'MSG', trId: 1, issues: ['payload: naïve “quote”'], summary: 'from ☃ <b>', version: 18, sessionId: 2,
    };
    const ops: Op[] = [
      { type: 'session', id: 1, record: { client: 'c', tsWall: 1 } },
      { type: 'chunk', record: { connectionId: 3, dir: 's2c', offset: 0, length: 20, tsWall: 2, tsMono: 3, bytes: big.subarray(10, 30) } },
      { type: 'frame', record: frame },
    ];
    const encoded = encodeOps(ops);
    // The bytes, then the frame's command, issues and summary: nothing of the 1 MiB buffer they came from.
    expect(encoded.bytes.byteLength).toBeLessThan(20 + 16 + frame.rewritten.length + 100);
    // As it arrives on the other side: a structured clone.
    const decoded = decodeOps(structuredClone(encoded, { transfer: [encoded.bytes, encoded.numbers.buffer as ArrayBuffer] }));
    expect(decoded[0]).toEqual(ops[0]);
    const chunk = decoded[1] as Extract<Op, { type: 'chunk' }>;
    expect(Buffer.compare(chunk.record.bytes, big.subarray(10, 30))).toBe(0);
    const back = decoded[2] as Extract<Op, { type: 'frame' }>;
    expect(back.record.bytes.toString('latin1')).toBe('MSG 1 N 5\r\nhello');
    const plain = decodeOps(encodeOps([{ type: 'frame', record: fakeFrame(3, 8) }]))[0] as Extract<Op, { type: 'frame' }>;
    expect(plain.record).toEqual({ ...fakeFrame(3, 8), bytes: plain.record.bytes });
    expect(plain.record).not.toHaveProperty('summary');
    expect(back.record.rewritten?.toString('latin1')).toBe('XFR 1 NS 127.0.0.1:5\r\n');
    const { bytes: _b, rewritten: _r, ...rest } = frame;
    expect(back.record).toMatchObject(rest);
    expect(back.record).toEqual({ ...frame, bytes: back.record.bytes, rewritten: back.record.rewritten });
    expect(chunk.record).toMatchObject({ connectionId: 3, dir: 's2c', offset: 0, length: 20, tsWall: 2, tsMono: 3 });
  });
});

describe('batch writer, from an encoded batch', () => {
  it('binds the rows straight from the encoding, and sets aside one SQLite refuses without losing the rest', () => {
    const file = tmp.file('e.db');
    CaptureStore.open(file, { writer: 'inline' }).close();
    const writer = new BatchWriter(file);
    const ops: Op[] = [
      { type: 'session', id: 1, record: { client: 'c', tsWall: 1 } },
      { type: 'connection', id: 1, record: { sessionId: 1, label: 'ns1', kind: 'ns', client: 'c', upstream: 'u', listen: 'l', tsWall: 1, tsMono: 1 } },
      { type: 'chunk', record: { connectionId: 1, dir: 'c2s', offset: 0, length: 3, tsWall: 2, tsMono: 2, bytes: Buffer.from('abc') } },
      { type: 'frame', record: { ...fakeFrame(1, 0), issues: ['bad “thing”'], summary: 'ping', version: 12, sessionId: 1 } },
      // No connection 9: the foreign key refuses this row, and only this row.
      { type: 'frame', record: fakeFrame(9, 1) },
      { type: 'frame', record: { ...fakeFrame(1, 2), rewritten: Buffer.from('XFR 1 NS 127.0.0.1:9\r\n') } },
    ];
    const reply = writer.writeEncoded(encodeOps(ops));
    writer.close();
    expect(reply).toMatchObject({ ok: true, frameIds: [1, 0, 2] });
    expect(reply.ok && reply.refused.map((r) => r.index)).toEqual([4]);
    expect(reply.ok && reply.refused[0]!.why).toMatch(/frame 1 of connection 9: .*FOREIGN KEY/);
    const db = new Database(file, { readonly: true });
    const frames = db.prepare('SELECT connection_id, idx, bytes, rewritten, issues, summary, version, session_id, tr_id FROM frames ORDER BY id').all();
    const chunks = db.prepare('SELECT connection_id, dir, offset, length, bytes FROM chunks').all();
    db.close();
    expect(chunks).toEqual([{ connection_id: 1, dir: 'c2s', offset: 0, length: 3, bytes: Buffer.from('abc') }]);
    expect(frames).toEqual([
      { connection_id: 1, idx: 0, bytes: fakeFrame(1, 0).bytes, rewritten: null, issues: '["bad “thing”"]', summary: 'ping', version: 12, session_id: 1, tr_id: null },
      { connection_id: 1, idx: 2, bytes: fakeFrame(1, 2).bytes, rewritten: Buffer.from('XFR 1 NS 127.0.0.1:9\r\n'), issues: '[]', summary: null, version: null, session_id: 1, tr_id: null },
    ]);
  });
});

describe('capture store writer thread', () => {
  it('hands a batch to the thread and returns before it is written; flush() waits for it', () => {
    const { store, connectionId } = openWithConnection();
    // A third of a batch (34 of batchSize 100, the two opens included) goes to the writer at once, with
    // the last of these calls…
    for (let i = 0; i < 32; i++) store.addFrame(fakeFrame(connectionId, i));
    // …without the caller waiting: nothing is committed yet (written inline, all would be).
    expect(store.health()).toMatchObject({ queued: 34, committedFrames: 0 });
    expect(store.flush()).toBe(true);
    expect(store.health()).toMatchObject({ queued: 0, committedFrames: 32 });
    expect(store.counts().frames).toBe(32);
    expect(store.close()).toBe(true);
  });

  it('announces commits on the caller\'s thread without being asked, with the frame ids SQLite gave', async () => {
    const { store, connectionId } = openWithConnection({ batchMs: 5 });
    const ids: number[] = [];
    store.onCommit((batch) => ids.push(...batch.frames.map((f) => f.id)));
    for (let i = 0; i < 3; i++) store.addFrame(fakeFrame(connectionId, i));
    for (let waited = 0; ids.length < 3 && waited < 10_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    expect(ids).toEqual([1, 2, 3]);
    expect(store.close()).toBe(true);
  });

  it('bounds what is uncommitted in bytes as well as in records', () => {
    const { store, connectionId } = openWithConnection({ batchSize: 100_000, batchBytes: 64 * 1024 });
    let offset = 0;
    let mostQueued = 0;
    for (let i = 0; i < 200; i++) {
      const bytes = Buffer.alloc(20 * 1024, 0x41);
      store.addChunk({ connectionId, dir: 's2c', offset, length: bytes.length, tsWall: i, tsMono: i, bytes });
      offset += bytes.length;
      mostQueued = Math.max(mostQueued, store.health().queued);
    }
    // 64 KiB is three of these reads and part of a fourth: the caller waits before a fifth is uncommitted.
    expect(mostQueued).toBeLessThanOrEqual(4 + 2);
    expect(store.flush()).toBe(true);
    expect(store.counts().chunks).toBe(200);
    expect(store.close()).toBe(true);
  });

  it('sets aside a record whose values cannot even be encoded for the thread, and writes the rest', () => {
    const { store, connectionId, logs } = openWithConnection();
    store.addFrame(fakeFrame(connectionId, 0));
    store.addFrame({ ...fakeFrame(connectionId, 1), offset: Symbol('bad') as unknown as number });
    store.addFrame(fakeFrame(connectionId, 2));
    expect(store.flush()).toBe(true);
    expect(store.listFrames(connectionId).map((f) => f.index)).toEqual([0, 2]);
    expect(store.health()).toMatchObject({ queued: 0, rejected: 1, committedFrames: 2 });
    expect(logs.some((m) => /frame 1 of connection/.test(m))).toBe(true);
    // The next batches go to the thread again: a third of a batch (34 of 100) is handed over by the last
    // of these calls, unwritten when it returns (no later call is there to hear the thread's answer).
    for (let i = 3; i < 3 + Math.ceil(100 / 3); i++) store.addFrame(fakeFrame(connectionId, i));
    expect(store.health().committedFrames).toBe(2);
    expect(store.close()).toBe(true);
  });

  it('writes inline when asked to', () => {
    const { store, connectionId } = openWithConnection({ writer: 'inline' });
    for (let i = 0; i < 48; i++) store.addFrame(fakeFrame(connectionId, i));
    expect(store.health()).toMatchObject({ queued: 0, committedFrames: 48 });
    expect(store.close()).toBe(true);
  });

  it('when the thread dies, logs it, writes on the caller\'s thread instead and loses nothing', async () => {
    const { store, connectionId, logs } = openWithConnection();
    for (let i = 0; i < 10; i++) store.addFrame(fakeFrame(connectionId, i));
    expect(store.flush()).toBe(true);
    await stopWriterThread();
    for (let i = 10; i < 20; i++) store.addFrame(fakeFrame(connectionId, i));
    // The first attempt after the thread's death fails and switches over; the retry writes everything.
    for (let waited = 0; store.health().queued > 0 && waited < 10_000; waited += 20) {
      await new Promise((r) => setTimeout(r, 20));
      store.flush();
    }
    expect(store.health()).toMatchObject({ queued: 0, committedFrames: 20, failures: 0 });
    expect(logs.some((m) => /writer thread/.test(m) && /writing on the relay thread/.test(m))).toBe(true);
    expect(store.close()).toBe(true);
    const db = new Database(tmp.file('w.db'), { readonly: true });
    expect(db.prepare('SELECT group_concat(idx) AS idx FROM (SELECT idx FROM frames ORDER BY id)').get()).toEqual({
      idx: Array.from({ length: 20 }, (_, i) => i).join(','),
    });
    db.close();
  });
});

describe('two batches with the writer thread at once', () => {
  const setup = (): Op[] => [
    { type: 'session', id: 1, record: { client: 'c', tsWall: 1 } },
    { type: 'connection', id: 1, record: { sessionId: 1, label: 'ns1', kind: 'ns', client: 'c', upstream: 'u', listen: 'l', tsWall: 1, tsMono: 1 } },
  ];
  const frames = (from: number, n: number): Op[] => Array.from({ length: n }, (_, i) => ({ type: 'frame', record: fakeFrame(1, from + i) }));

  it('refuses, unwritten, a batch handed over behind one that failed, and writes the next chain', () => {
    const file = tmp.file('chain.db');
    CaptureStore.open(file).close(); // the schema
    const link = new ThreadLink(file, {});
    const replies: Array<{ name: string; ok: boolean; error?: string }> = [];
    const record = (name: string) => (reply: WriteReply) => replies.push({ name, ok: reply.ok, ...(reply.ok ? {} : { error: reply.error }) });
    const locker = new Database(file);
    locker.exec('BEGIN IMMEDIATE');
    // Both go out before either is answered, as the store hands over the next third of a batch.
    link.write([...setup(), ...frames(0, 3)], 0, record('first'));
    link.write(frames(3, 3), 0, record('second'));
    expect(link.settle(10_000)).toBe(true);
    expect(replies.map((r) => r.name)).toEqual(['first', 'second']);
    expect(replies[0]).toMatchObject({ ok: false, error: expect.stringMatching(/locked|busy/i) });
    // Not attempted: had it been, SQLite would have said the file is locked.
    expect(replies[1]).toEqual({ name: 'second', ok: false, error: 'not written: an earlier batch failed' });
    locker.exec('ROLLBACK');
    locker.close();
    // The store retries as a new chain: written again, in order.
    link.write([...setup(), ...frames(0, 3)], 1, record('retry first'));
    link.write(frames(3, 3), 1, record('retry second'));
    expect(link.settle(10_000)).toBe(true);
    expect(replies.slice(2)).toEqual([{ name: 'retry first', ok: true }, { name: 'retry second', ok: true }]);
    link.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT group_concat(idx) AS idx FROM (SELECT idx FROM frames ORDER BY id)').get()).toEqual({ idx: '0,1,2,3,4,5' });
    db.close();
  });

  it('sets aside a record that cannot be encoded without overtaking the batch still with the thread', () => {
    const file = tmp.file('order.db');
    CaptureStore.open(file).close();
    const link = new ThreadLink(file, {});
    const answered: string[] = [];
    let second: WriteReply | null = null;
    link.write([...setup(), ...frames(0, 200)], 0, () => answered.push('first'));
    const bad: Op = { type: 'frame', record: { ...fakeFrame(1, 201), offset: Symbol('bad') as unknown as number } };
    link.write([{ type: 'frame', record: fakeFrame(1, 200) }, bad, { type: 'frame', record: fakeFrame(1, 202) }], 0, (reply) => {
      answered.push('second');
      second = reply;
    });
    expect(link.settle(10_000)).toBe(true);
    expect(answered).toEqual(['first', 'second']);
    expect(second).toMatchObject({ ok: true, refused: [{ index: 1, why: expect.stringMatching(/^frame 201 of connection 1: cannot be written/) }] });
    const ids = (second as unknown as { frameIds: number[] }).frameIds;
    expect(ids[1]).toBe(0);
    expect(ids[2]).toBe((ids[0] as number) + 1);
    link.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT group_concat(idx) AS idx FROM (SELECT idx FROM frames ORDER BY id)').get()).toEqual({
      idx: [...Array.from({ length: 201 }, (_, i) => i), 202].join(','),
    });
    db.close();
  });

  it('through the store: an outage with two batches out loses nothing and keeps capture order', async () => {
    const { store, connectionId } = openWithConnection();
    const locker = new Database(tmp.file('w.db'));
    locker.exec('BEGIN IMMEDIATE');
    // 400 frames at batchSize 100: several thirds of a batch go out while the first ones fail.
    for (let i = 0; i < 400; i++) store.addFrame(fakeFrame(connectionId, i));
    await new Promise((r) => setTimeout(r, 50));
    store.flush();
    expect(store.health().lastError).toMatch(/locked|busy/i);
    expect(store.health().queued).toBe(402);
    locker.exec('ROLLBACK');
    locker.close();
    for (let waited = 0; store.health().queued > 0 && waited < 10_000; waited += 20) {
      await new Promise((r) => setTimeout(r, 20));
      store.flush();
    }
    expect(store.health()).toMatchObject({ queued: 0, committedFrames: 400, failures: 0, lastError: null });
    expect(store.close()).toBe(true);
    const db = new Database(tmp.file('w.db'), { readonly: true });
    expect(db.prepare('SELECT group_concat(idx) AS idx FROM (SELECT idx FROM frames ORDER BY id)').get()).toEqual({
      idx: Array.from({ length: 400 }, (_, i) => i).join(','),
    });
    db.close();
  });
});
