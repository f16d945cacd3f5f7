// A locked database or a full disk delays records but never loses or reorders them.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CaptureStore, type LogLevel } from '../../proxy/capture/store.js';
import { type TempDir, fakeFrame, tempDir } from './helpers.js';

let tmp: TempDir;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.remove());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setUp(options: Parameters<typeof CaptureStore.open>[1] = {}) {
  const file = tmp.file('c.db');
  const logs: Array<[LogLevel, string]> = [];
  const store = CaptureStore.open(file, { batchMs: 5, batchSize: 50, log: (level, message) => logs.push([level, message]), ...options });
  const sessionId = store.openSession({ client: 'c', tsWall: 1 });
  const connectionId = store.openConnection({ sessionId, label: 'ns1', kind: 'ns', client: 'c', upstream: 'u', listen: 'l', tsWall: 1, tsMono: 1 });
  expect(store.flush()).toBe(true);
  return { file, store, logs, connectionId };
}

/** All frames of the connection are there, once each, in the order they were handed over. */
function expectAllInOrder(store: CaptureStore, connectionId: number, count: number) {
  const frames = store.listFrames(connectionId);
  expect(frames.map((f) => f.index)).toEqual([...Array(count).keys()]);
  const ids = frames.map((f) => f.id);
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  expect(store.counts().frames).toBe(count);
  expect(store.health()).toMatchObject({ queued: 0, committedFrames: count, failures: 0, lastError: null, since: null });
}

function integrityOk(file: string) {
  const db = new Database(file, { readonly: true });
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  db.close();
}

describe('capture store under failure', () => {
  it('keeps everything queued while another process holds the database, then writes it in order', async () => {
    const { file, store, logs, connectionId } = setUp();
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');

    for (let i = 0; i < 120; i++) store.addFrame(fakeFrame(connectionId, i));
    expect(store.flush()).toBe(false);
    const during = store.health();
    expect(during.queued).toBe(120);
    expect(during.lastError).toMatch(/SQLITE_BUSY|locked/);
    expect(during.failures).toBeGreaterThanOrEqual(1);
    expect(during.since).not.toBeNull();

    // The queue keeps growing while the retries (with backoff) keep failing.
    await sleep(200);
    for (let i = 120; i < 300; i++) store.addFrame(fakeFrame(connectionId, i));
    expect(store.health().queued).toBe(300);
    expect(store.health().failures).toBeGreaterThan(during.failures);
    expect(store.counts().frames).toBe(0); // reading still works in WAL mode
    // One warning for the error, not one per retry.
    expect(logs.filter(([level]) => level === 'warn')).toHaveLength(1);

    other.exec('COMMIT');
    other.close();
    await vi.waitFor(() => expect(store.health().queued).toBe(0), { timeout: 10_000 });
    expectAllInOrder(store, connectionId, 300);
    expect(logs.at(-1)?.[0]).toBe('info');
    expect(store.close()).toBe(true);
    integrityOk(file);
  });

  it('keeps everything queued while the disk is full, then writes it in order', async () => {
    const { file, store, connectionId } = setUp();
    // Cap the file at its current size: the next page it needs is "disk full".
    store.setMaxPageCount(1);
    for (let i = 0; i < 200; i++) store.addFrame(fakeFrame(connectionId, i, 2000));
    expect(store.flush()).toBe(false);
    expect(store.health().lastError).toMatch(/SQLITE_FULL|full/);
    await sleep(100);
    expect(store.health().queued).toBe(200);
    expect(store.counts().frames).toBe(0);

    expect(store.setMaxPageCount(1_000_000)).toBe(1_000_000);
    await vi.waitFor(() => expect(store.health().queued).toBe(0), { timeout: 10_000 });
    expectAllInOrder(store, connectionId, 200);
    expect(store.close()).toBe(true);
    integrityOk(file);
  });

  it('accepts a page cap when opening', () => {
    const file = tmp.file('c.db');
    CaptureStore.open(file).close();
    const store = CaptureStore.open(file, { maxPageCount: 1, log: () => {} });
    const s = store.openSession({ client: 'c', tsWall: 1 });
    const c = store.openConnection({ sessionId: s, label: 'ns1', kind: 'ns', client: 'c', upstream: 'u', listen: 'l', tsWall: 1, tsMono: 1 });
    for (let i = 0; i < 100; i++) store.addFrame(fakeFrame(c, i, 2000));
    expect(store.flush()).toBe(false);
    expect(store.health().lastError).toMatch(/SQLITE_FULL|full/);
    store.setMaxPageCount(1_000_000);
    expect(store.flush()).toBe(true);
    expectAllInOrder(store, c, 100);
    store.close();
  });

  it('close() reports records it could not write', () => {
    const { file, store, logs, connectionId } = setUp();
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    store.addFrame(fakeFrame(connectionId, 0));
    expect(store.close()).toBe(false);
    expect(logs.some(([level, message]) => level === 'error' && /1 records not written/.test(message))).toBe(true);
    other.exec('ROLLBACK');
    other.close();
  });

  it('sets aside a record SQLite refuses instead of stalling the queue behind it', () => {
    const { file, store, logs, connectionId } = setUp({ batchMs: 60_000 });
    store.addFrame(fakeFrame(connectionId, 0));
    // A value the driver cannot bind: the only way a record can be refused, since ids are checked on entry.
    store.addFrame({ ...fakeFrame(connectionId, 1), offset: Symbol('bad') as unknown as number });
    store.addFrame(fakeFrame(connectionId, 2));
    expect(store.flush()).toBe(true);
    expect(store.listFrames(connectionId).map((f) => f.index)).toEqual([0, 2]);
    expect(store.health()).toMatchObject({ queued: 0, rejected: 1, committedFrames: 2 });
    expect(logs.some(([level, message]) => level === 'error' && /frame 1 of connection/.test(message))).toBe(true);
    store.close();
    integrityOk(file);
  });
});
