// The live stream: hello first, announcements only after commit and batched per tick, health updates,
// and the bounded per-client queue that resets a client that stopped reading. Ticks are driven by hand
// (tickMs is huge), so nothing here depends on timing.
import { afterEach, describe, expect, it } from 'vitest';
import type { FrameSummary } from '../../shared/api/dto.js';
import { type LiveMessage, decodeLive, encodeLive } from '../../shared/api/live.js';
import { CaptureStore } from '../../proxy/capture/store.js';
import { buildApp } from '../../proxy/server/app.js';
import { LiveClient, type LiveSocket } from '../../proxy/server/live/client.js';
import { watchCapture } from '../../proxy/server/live/watch.js';
import { type TestApp, liveTap, testApp } from './app-helper.js';
import { STEPS, recordSession } from './fixture.js';

const MANUAL = { tickMs: 3_600_000, countsEveryMs: 3_600_000 };
const live = { listen: '127.0.0.1:1863', upstream: '192.0.2.1:1863' };

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const ofType = <T extends LiveMessage['type']>(type: T) => (m: LiveMessage): m is Extract<LiveMessage, { type: T }> => m.type === type;
const frameMessages = (messages: LiveMessage[]) => messages.filter(ofType('frames/add'));

describe('live stream', () => {
  it('says hello first, with the capture', async () => {
    t = await testApp({ live, liveOptions: MANUAL }, { batchMs: 3_600_000 }, (c) => recordSession(c.store));
    const tap = await liveTap(t.app);
    const hello = await tap.next(() => true);
    expect(hello).toEqual({
      type: 'hello',
      capture: expect.objectContaining({ live: true, listen: '127.0.0.1:1863', counts: { sessions: 1, connections: 3, frames: expect.any(Number) } }),
    });
    tap.ws.terminate();
  });

  it('announces frames only once committed, and a REST read then finds every one', async () => {
    t = await testApp({ live, liveOptions: MANUAL }, { batchMs: 3_600_000, batchSize: 100_000 });
    const tap = await liveTap(t.app);
    await tap.next(ofType('hello'));
    const hub = t.app.inspector.hub;

    recordSession(t.store); // queued in the store, not committed
    hub.tick(); // nothing committed: nothing to say
    expect(t.store.health().queued).toBeGreaterThan(0);
    t.store.flush();
    hub.tick();

    const added = await tap.next(ofType('frames/add'));
    // The first thing after hello is this tick's announcement: nothing was sent before the commit.
    const afterHello = tap.messages.slice(1);
    expect(afterHello.map((m) => m.type)).toEqual(['sessions/upsert', 'connections/upsert', 'connections/upsert', 'connections/upsert', 'frames/add']);
    expect(afterHello[0]).toMatchObject({ session: { id: 1, handle: 'alice@example.com', connectionCount: 3 } });
    if (added.type !== 'frames/add') throw new Error('unreachable');
    const rest = await t.app.inject('/api/frames?limit=1000');
    expect(added.frames).toEqual(rest.json().frames);
    for (const frame of added.frames) {
      const r = await t.app.inject(`/api/frames/${frame.id}`);
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject(frame);
    }
    tap.ws.terminate();
  });

  it('a request its connection ends without answering: the row is flagged, the errors list gains it, the page hears of it', async () => {
    t = await testApp({ live, liveOptions: MANUAL }, { batchMs: 3_600_000, batchSize: 100_000 });
    const tap = await liveTap(t.app);
    await tap.next(ofType('hello'));
    const hub = t.app.inspector.hub;
    const ns = recordSession(t.store, { close: false }).captures.get('ns1')!;
    ns.chunk('c2s', Buffer.from('CHG 40 NLN 0\r\n'), 1_700_000_100_000, 100_000); // never answered
    t.store.flush();
    hub.tick();
    const added = await tap.next(ofType('frames/add')) as Extract<LiveMessage, { type: 'frames/add' }>;
    const chg = added.frames.find((f) => f.command === 'CHG' && f.trId === 40)!;
    expect(chg.issueCount).toBe(0);
    // The errors list as known before: its positions are remembered from here.
    const errorsBefore = (await t.app.inject('/api/frames?errors=1&limit=1000')).json() as { total: number; frames: FrameSummary[] };
    expect(errorsBefore.frames.map((f) => f.id)).not.toContain(chg.id);

    ns.close('client closed', 1_700_000_101_000, 101_000);
    t.store.flush();
    hub.tick();
    const updated = await tap.next(ofType('frames/update'));
    expect(updated).toEqual({ type: 'frames/update', frames: [{ ...chg, issueCount: 1 }] });
    const row = t.store.listFrames(ns.id).find((f) => f.index === chg.index)!;
    expect(row.issues).toEqual(['unanswered: no reply to TrID 40']);
    const errorsAfter = (await t.app.inject('/api/frames?errors=1&limit=1000')).json() as { total: number; frames: FrameSummary[] };
    expect(errorsAfter.total).toBe(errorsBefore.total + 1);
    expect(errorsAfter.frames.map((f) => f.id)).toEqual([...errorsBefore.frames.map((f) => f.id), chg.id].sort((a, b) => a - b));
    expect((await t.app.inject(`/api/frames/${chg.id}/position?errors=1`)).json()).toMatchObject({ position: errorsAfter.frames.findIndex((f) => f.id === chg.id) });
    tap.ws.terminate();
  });

  it('batches the commits of one tick into one frames/add, in capture order', async () => {
    t = await testApp({ live, liveOptions: MANUAL }, { batchMs: 3_600_000, batchSize: 100_000 });
    const tap = await liveTap(t.app);
    await tap.next(ofType('hello'));
    recordSession(t.store);
    t.store.flush();
    recordSession(t.store, { start: 1_700_000_100_000 });
    t.store.flush();
    t.app.inspector.hub.tick();
    await tap.next(ofType('frames/add'));
    const batches = frameMessages(tap.messages);
    expect(batches).toHaveLength(1);
    const frames = batches[0]?.frames as FrameSummary[];
    expect(new Set(frames.map((f) => f.sessionId))).toEqual(new Set([1, 2]));
    expect(frames.map((f) => f.id)).toEqual(frames.map((_, i) => i + 1));
    expect(tap.messages.filter(ofType('sessions/upsert')).map((m) => m.session.id)).toEqual([1, 2]);

    // The next tick carries only what was committed since.
    const before = tap.messages.length;
    recordSession(t.store, { steps: STEPS.slice(0, 2), close: false, start: 1_700_000_200_000 });
    t.store.flush();
    t.app.inspector.hub.tick();
    const next = await tap.next(ofType('frames/add'), before);
    expect(next.type === 'frames/add' && next.frames.map((f) => [f.sessionId, f.conn, f.command])).toEqual([[3, 'ds1', 'VER'], [3, 'ds1', 'VER']]);
    const upserted = tap.messages.slice(before).filter(ofType('connections/upsert'));
    expect(upserted.map((m) => [m.connection.label, m.connection.live])).toEqual([['ds1', true]]);
    tap.ws.terminate();
  });

  it('does not announce to a newcomer what its REST snapshot already holds', async () => {
    t = await testApp({ live, liveOptions: MANUAL }, { batchMs: 3_600_000, batchSize: 100_000 });
    const early = await liveTap(t.app);
    await early.next(ofType('hello'));
    recordSession(t.store);
    t.store.flush(); // committed, not yet announced
    const late = await liveTap(t.app); // joining announces the pending commit to `early` first
    await late.next(ofType('hello'));
    await early.next(ofType('frames/add'));
    recordSession(t.store, { steps: STEPS.slice(0, 1), close: false });
    t.store.flush();
    t.app.inspector.hub.tick();
    const seen = await late.next(ofType('frames/add'));
    expect(seen.type === 'frames/add' && seen.frames.map((f) => f.sessionId)).toEqual([2]);
    expect(frameMessages(late.messages)).toHaveLength(1);
    early.ws.terminate();
    late.ws.terminate();
  });

  it('reports store trouble and recovery with capture/update', async () => {
    t = await testApp({ live, liveOptions: MANUAL }, { batchMs: 3_600_000, batchSize: 100_000 }, (c) => recordSession(c.store));
    const tap = await liveTap(t.app);
    await tap.next(ofType('hello'));
    const hub = t.app.inspector.hub;
    const pages = t.store.readDatabase().pragma('page_count', { simple: true }) as number;
    t.store.setMaxPageCount(pages); // the disk is full
    for (let i = 0; i < 20; i++) recordSession(t.store, { start: 1_700_000_100_000 + i * 10_000 });
    expect(t.store.flush()).toBe(false);
    hub.tick();
    const failing = await tap.next((m) => m.type === 'capture/update' && m.capture.storeError !== null);
    expect(failing.type === 'capture/update' && failing.capture.queued).toBeGreaterThan(0);
    t.store.setMaxPageCount(1_000_000);
    expect(t.store.flush()).toBe(true);
    hub.tick();
    await tap.next((m) => m.type === 'capture/update' && m.capture.storeError === null && m.capture.queued === 0);
    await tap.next(ofType('frames/add'));
    tap.ws.terminate();
  });

  it('resets a client that stopped reading, and never queues more than the bound for it', async () => {
    t = await testApp({ live, liveOptions: { ...MANUAL, maxQueuedFrames: 50, maxQueuedBytes: 64 * 1024 } });
    const tap = await liveTap(t.app);
    await tap.next(ofType('hello'));
    const hub = t.app.inspector.hub;
    let id = 0;
    const burst = (n: number): FrameSummary[] => Array.from({ length: n }, () => ({
      id: ++id, sessionId: 1, connectionId: 1, conn: 'ns1', dir: 's2c', index: id, tsWall: id, command: 'MSG', trId: null,
      version: 'MSNP8', summary: 'x'.repeat(1000), size: 1000, issueCount: 0, rewritten: false,
    }));

    tap.ws.pause(); // the browser stops reading: the server's socket buffer fills up
    for (let i = 0; i < 40; i++) {
      hub.add({ frames: burst(20) });
      hub.tick();
    }
    const sent = id;
    tap.ws.resume();
    // Drain: each tick hands on what the socket can take; the reset goes out once it has drained.
    for (let i = 0; i < 10_000 && !tap.messages.some(ofType('reset')); i++) {
      await new Promise((resolve) => setImmediate(resolve));
      hub.tick();
    }
    const reset = await tap.next(ofType('reset'));
    expect(reset).toEqual({ type: 'reset', reason: expect.any(String) });
    const before = tap.messages.indexOf(reset);
    const delivered = frameMessages(tap.messages.slice(0, before)).flatMap((m) => m.frames.map((f) => f.id));
    expect(delivered.length).toBeLessThan(sent); // the overflow was dropped, not buffered
    expect(delivered).toEqual([...delivered].sort((a, b) => a - b));
    expect(tap.messages.filter(ofType('reset'))).toHaveLength(1);

    // After the reset the stream goes on.
    hub.add({ frames: burst(1) });
    hub.tick();
    const after = await tap.next(ofType('frames/add'), before + 1);
    expect(after.type === 'frames/add' && after.frames.map((f) => f.id)).toEqual([id]);
    tap.ws.terminate();
  });
});

describe('serving a file another process writes', () => {
  it('announces what the writer commits, found by polling the file', async () => {
    t = await testApp({}, { batchMs: 3_600_000, batchSize: 100_000 }, (c) => recordSession(c.store));
    // The inspector reads through its own read-only connection, as `serve` in another process would.
    const reader = CaptureStore.open(t.file, { readonly: true });
    const app = await buildApp({ store: reader, file: t.file, liveOptions: MANUAL, webRoot: `${t.dir}/no-web` });
    await app.ready();
    const watch = watchCapture(app.inspector, 3_600_000);
    const tap = await liveTap(app);
    await tap.next(ofType('hello'));

    recordSession(t.store, { steps: STEPS.slice(0, 3), close: false, start: 1_700_000_100_000 });
    t.store.flush();
    watch.poll();
    app.inspector.hub.tick();
    const added = await tap.next(ofType('frames/add'));
    expect(added.type === 'frames/add' && added.frames.map((f) => [f.sessionId, f.conn, f.command])).toEqual([[2, 'ds1', 'VER'], [2, 'ds1', 'VER'], [2, 'ds1', 'USR']]);
    expect(tap.messages.filter(ofType('sessions/upsert')).map((m) => m.session.id)).toEqual([2]);
    expect(tap.messages.filter(ofType('connections/upsert')).map((m) => [m.connection.label, m.connection.live])).toEqual([['ds1', false]]);
    expect((await app.inject(`/api/frames/${added.type === 'frames/add' ? added.frames[0]?.id : 0}`)).statusCode).toBe(200);

    // A request the writer flags when its connection ends: announced again, and in the errors list.
    const ns = recordSession(t.store, { close: false, start: 1_700_000_200_000 }).captures.get('ns1')!;
    ns.chunk('c2s', Buffer.from('CHG 40 NLN 0\r\n'), 1_700_000_300_000, 300_000);
    t.store.flush();
    watch.poll();
    app.inspector.hub.tick();
    const errors = async () => ((await app.inject('/api/frames?errors=1&limit=1000')).json() as { frames: FrameSummary[] }).frames.map((f) => f.id);
    const chg = t.store.listFrames(ns.id).find((f) => f.command === 'CHG' && f.trId === 40)!;
    expect(await errors()).not.toContain(chg.id);
    ns.close('client closed', 1_700_000_301_000, 301_000);
    t.store.flush();
    watch.poll();
    app.inspector.hub.tick();
    const updated = await tap.next(ofType('frames/update'));
    expect(updated.type === 'frames/update' && updated.frames.map((f) => [f.id, f.issueCount])).toEqual([[chg.id, 1]]);
    expect(await errors()).toContain(chg.id);

    watch.stop();
    tap.ws.terminate();
    await app.close();
    reader.close();
  });
});

describe('live wire format', () => {
  const summary = (id: number): FrameSummary => ({
    id, sessionId: 1, connectionId: 2, conn: 'ns1', dir: 's2c', index: id, tsWall: 1_700_000_000_000 + id, command: 'NLN', trId: null,
    version: 'MSNP12', summary: `NLN NLN user${id}@example.com`, size: 40, issueCount: 0, rewritten: false,
  });

  it('sends frames/add as rows, decoded back to the same summaries in well under the bytes of plain JSON', () => {
    const message: LiveMessage = { type: 'frames/add', frames: Array.from({ length: 200 }, (_, i) => summary(i + 1)) };
    const text = encodeLive(message);
    expect(JSON.parse(text)).toMatchObject({ type: 'frames/add', rows: expect.any(Array) });
    expect(decodeLive(text)).toEqual(message);
    expect(text.length).toBeLessThan(JSON.stringify(message).length * 0.6);
    const other: LiveMessage = { type: 'reset', reason: 'behind' };
    expect(encodeLive(other)).toBe(JSON.stringify(other));
    expect(decodeLive(encodeLive(other))).toEqual(other);
  });

  it('decodes rows by field name when the columns come in another order', () => {
    const f = summary(7);
    const fields = Object.keys(f).reverse();
    const text = JSON.stringify({ type: 'frames/add', fields, rows: [fields.map((k) => f[k as keyof FrameSummary])] });
    expect(decodeLive(text)).toEqual({ type: 'frames/add', frames: [f] });
  });
});

describe('live client queue', () => {
  class FakeSocket implements LiveSocket {
    bufferedAmount = 0;
    readyState = 1;
    sent: LiveMessage[] = [];
    send(data: string) {
      this.sent.push(decodeLive(data));
    }
  }
  const frames = (n: number) => ({ type: 'frames/add', frames: Array.from({ length: n }, (_, i) => ({ id: i } as FrameSummary)) }) as const;

  it('sends at once while the socket keeps up', () => {
    const socket = new FakeSocket();
    const client = new LiveClient(socket, { maxQueuedFrames: 5 });
    for (let i = 0; i < 10; i++) client.send(frames(3));
    expect(socket.sent).toHaveLength(10);
    expect(client.queuedFrames).toBe(0);
  });

  it('queues behind a full socket, drops the queue past the frame bound, and resets once drained', () => {
    const socket = new FakeSocket();
    const client = new LiveClient(socket, { maxQueuedFrames: 5, maxQueuedBytes: 1 << 22 });
    socket.bufferedAmount = (1 << 20) + 1; // above a quarter of the byte bound: the socket is busy
    client.send(frames(3));
    expect(client.queuedFrames).toBe(3);
    client.send(frames(3)); // 6 > 5: dropped
    expect(client.queuedFrames).toBe(0);
    client.send(frames(1)); // still overflowed: dropped too
    client.pump();
    expect(socket.sent).toEqual([]);
    socket.bufferedAmount = 0;
    client.pump();
    expect(socket.sent.map((m) => m.type)).toEqual(['reset']);
    client.send(frames(1));
    expect(socket.sent.map((m) => m.type)).toEqual(['reset', 'frames/add']);
    expect(client.resets).toBe(1);
  });

  it('counts the socket buffer against the byte bound', () => {
    const socket = new FakeSocket();
    const client = new LiveClient(socket, { maxQueuedFrames: 1000, maxQueuedBytes: 4000 });
    socket.bufferedAmount = 3990;
    client.send({ type: 'sessions/upsert', session: { id: 1 } as never });
    expect(client.queuedFrames).toBe(0);
    socket.bufferedAmount = 0;
    client.pump();
    expect(socket.sent.map((m) => m.type)).toEqual(['reset']);
  });

  it('sends nothing to a closed socket', () => {
    const socket = new FakeSocket();
    socket.readyState = 3;
    const client = new LiveClient(socket);
    client.send(frames(1));
    client.pump();
    expect(socket.sent).toEqual([]);
  });
});
