// The live inspector on its own thread, as `proxy` runs it: a real HTTP server and WebSocket on an
// ephemeral port, fed by a real store's commits on this thread and reading the capture back from the file.
import Database from 'better-sqlite3';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FrameSummary } from '../../shared/api/dto.js';
import { type LiveMessage, decodeLive } from '../../shared/api/live.js';
import { type ThreadedInspector, startInspectorThread } from '../../proxy/server/threaded.js';
import { type TempCapture, recordSession, tempCapture } from './fixture.js';

const live = { listen: '127.0.0.1:1863', upstream: '192.0.2.1:1863' };

let capture: TempCapture | null = null;
let inspector: ThreadedInspector | null = null;
const logs: string[] = [];
afterEach(async () => {
  await inspector?.close();
  inspector = null;
  capture?.remove();
  capture = null;
  logs.length = 0;
});

async function start(options: { token?: string; port?: number } = {}): Promise<ThreadedInspector> {
  capture ??= tempCapture({ batchMs: 3_600_000, batchSize: 100_000 });
  inspector = await startInspectorThread({
    store: capture.store, file: capture.file, host: '127.0.0.1', port: options.port ?? 0, live,
    log: (level, message) => logs.push(`${level}: ${message}`),
    liveOptions: { tickMs: 10, countsEveryMs: 10 },
    ...(options.token ? { token: options.token } : {}),
  });
  return inspector;
}

/** A browser-like subscriber of the live stream. */
async function subscribe(at: ThreadedInspector) {
  const origin = `http://127.0.0.1:${at.address.port}`;
  const ws = new WebSocket(`ws://127.0.0.1:${at.address.port}/api/live`, { origin });
  const messages: LiveMessage[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    messages.push(decodeLive(String(data)));
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
  const until = (done: () => boolean): Promise<void> => new Promise((resolve) => {
    const check = () => (done() ? resolve() : waiters.push(check));
    check();
  });
  const frames = () => messages.flatMap((m) => (m.type === 'frames/add' ? m.frames : []));
  return { ws, messages, until, frames };
}

async function restFrames(at: ThreadedInspector): Promise<FrameSummary[]> {
  const r = await fetch(`http://127.0.0.1:${at.address.port}/api/frames?limit=1000`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { frames: FrameSummary[] }).frames;
}

describe('inspector thread', () => {
  it('announces every committed frame, as the REST API then reads it', async () => {
    const at = await start();
    const sub = await subscribe(at);
    await sub.until(() => sub.messages.some((m) => m.type === 'hello'));
    recordSession(capture!.store);
    capture!.store.flush();
    const committed = capture!.store.health().committedFrames;
    expect(committed).toBeGreaterThan(10);
    await sub.until(() => sub.frames().length >= committed);
    expect(sub.frames()).toEqual(await restFrames(at));
    const upserts = sub.messages.filter((m) => m.type === 'connections/upsert');
    expect(upserts.length).toBeGreaterThanOrEqual(3);
    sub.ws.terminate();
  });

  it('tells the page and its errors list of a request flagged unanswered after it was announced', async () => {
    const at = await start();
    const sub = await subscribe(at);
    await sub.until(() => sub.messages.some((m) => m.type === 'hello'));
    const ns = recordSession(capture!.store, { close: false }).captures.get('ns1')!;
    ns.chunk('c2s', Buffer.from('CHG 40 NLN 0\r\n'), 1_700_000_100_000, 100_000); // never answered
    capture!.store.flush();
    await sub.until(() => sub.frames().some((f) => f.command === 'CHG' && f.trId === 40));
    const chg = sub.frames().find((f) => f.command === 'CHG' && f.trId === 40)!;
    const errors = async () => {
      const r = await fetch(`http://127.0.0.1:${at.address.port}/api/frames?errors=1&limit=1000`);
      return ((await r.json()) as { frames: FrameSummary[] }).frames.map((f) => f.id);
    };
    expect(await errors()).not.toContain(chg.id); // and the thread now knows the list's positions
    ns.close('client closed', 1_700_000_101_000, 101_000);
    capture!.store.flush();
    await sub.until(() => sub.messages.some((m) => m.type === 'frames/update'));
    expect(sub.messages.find((m) => m.type === 'frames/update')).toEqual({ type: 'frames/update', frames: [{ ...chg, issueCount: 1 }] });
    expect(await errors()).toContain(chg.id);
    sub.ws.terminate();
  });

  it('gives a late subscriber what it missed through REST and nothing twice over the stream', async () => {
    const at = await start();
    const early = await subscribe(at);
    recordSession(capture!.store);
    capture!.store.flush();
    const late = await subscribe(at);
    await late.until(() => late.messages.some((m) => m.type === 'hello'));
    const snapshot = await restFrames(at);
    recordSession(capture!.store, { start: 1_700_000_100_000 });
    capture!.store.flush();
    const total = capture!.store.health().committedFrames;
    await early.until(() => early.frames().length >= total);
    await late.until(() => snapshot.length + late.frames().length >= total);
    const ids = [...snapshot, ...late.frames()].map((f) => f.id);
    expect(ids).toEqual([...new Set(ids)]);
    expect(ids.length).toBe(total);
    expect(early.frames().map((f) => f.id)).toEqual(ids);
    early.ws.terminate();
    late.ws.terminate();
  });

  it("shows the writing store's outage and its end", async () => {
    const at = await start();
    const sub = await subscribe(at);
    await sub.until(() => sub.messages.some((m) => m.type === 'hello'));
    const locker = new Database(capture!.file);
    locker.exec('BEGIN IMMEDIATE');
    recordSession(capture!.store);
    capture!.store.flush();
    expect(capture!.store.health().lastError).toMatch(/locked|busy/i);
    await sub.until(() => sub.messages.some((m) => m.type === 'capture/update' && m.capture.storeError !== null));
    locker.exec('ROLLBACK');
    locker.close();
    capture!.store.flush();
    expect(capture!.store.health().lastError).toBeNull();
    await sub.until(() => sub.messages.some((m, i) => i > 0 && m.type === 'capture/update' && m.capture.storeError === null && m.capture.queued === 0));
    await sub.until(() => sub.frames().length === capture!.store.health().committedFrames);
    sub.ws.terminate();
  });

  it('requires its token off the thread too', async () => {
    const at = await start({ token: 'secret-token' });
    expect(at.token).toBe('secret-token');
    expect(at.url).toBe(`http://127.0.0.1:${at.address.port}/?token=secret-token`);
    expect((await fetch(`http://127.0.0.1:${at.address.port}/api/capture`)).status).toBe(401);
    const ok = await fetch(`http://127.0.0.1:${at.address.port}/api/capture`, { headers: { authorization: 'Bearer secret-token' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ live: true, listen: live.listen, upstream: live.upstream });
  });

  it.runIf(process.platform === 'linux')('runs at a lower scheduling priority than the relay', async () => {
    /** Nice values of this process's threads (field 19 of /proc/self/task/TID/stat). */
    const nices = () => readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });
    const before = nices();
    const mine = Math.max(...before);
    await start();
    expect(nices()).toContain(Math.min(19, mine + 10));
  });

  it('fails to start with the reason when its port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      await expect(start({ port })).rejects.toThrow(/EADDRINUSE/);
      inspector = null;
    } finally {
      taken.close();
    }
  });

  it('closes: the server stops answering and the store goes on committing', async () => {
    const at = await start();
    await at.close();
    inspector = null;
    await expect(fetch(`http://127.0.0.1:${at.address.port}/api/capture`)).rejects.toThrow();
    recordSession(capture!.store);
    capture!.store.flush();
    expect(capture!.store.health()).toMatchObject({ lastError: null, queued: 0 });
    expect(logs.filter((l) => l.startsWith('error'))).toEqual([]);
  });
});
