import { describe, expect, it } from 'vitest';
import type { CaptureInfo } from '../../shared/api/dto.js';
import type { LiveMessage } from '../../shared/api/live.js';
import { CaptureState } from '../../web/src/lib/capture.svelte.js';
import { LiveClient, type LiveTarget } from '../../web/src/lib/live.svelte.js';
import { FakeApi, FakeScheduler, FakeSocket, frame, session, settle } from './fakes.js';

const info = (name = 'a.sqlite'): CaptureInfo => ({ name, live: true, listen: null, upstream: null, counts: { sessions: 0, connections: 0, frames: 0 }, storeError: null, queued: 0 });

/** A target that records what it is asked to do; `load` resolves when the test says so. */
class Target implements LiveTarget {
  loaded = false;
  loading = false;
  capture: CaptureInfo | null = null;
  loads: Array<'full' | 'soft'> = [];
  batches: LiveMessage[][] = [];
  #finish: Array<() => void> = [];

  load(mode: 'full' | 'soft'): Promise<void> {
    this.loads.push(mode);
    this.loading = true;
    return new Promise((resolve) => this.#finish.push(() => {
      this.loaded = true;
      this.loading = false;
      resolve();
    }));
  }

  finishLoads(): void {
    for (const f of this.#finish.splice(0)) f();
  }

  applyLive(batch: readonly LiveMessage[]): void {
    this.batches.push([...batch]);
  }
}

function setup() {
  const target = new Target();
  const scheduler = new FakeScheduler();
  const sockets: FakeSocket[] = [];
  const client = new LiveClient({
    url: 'ws://inspector/api/live', target, scheduler,
    connect: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
  });
  const socket = () => sockets[sockets.length - 1] as FakeSocket;
  return { target, scheduler, sockets, socket, client };
}

const add = (id: number): LiveMessage => ({ type: 'frames/add', frames: [frame(id)] });

describe('LiveClient', () => {
  it('queues deltas until the snapshot lands, then applies them in order on the next animation frame', async () => {
    const { target, scheduler, socket, client } = setup();
    client.start();
    expect(client.status).toBe('connecting');
    socket().send({ type: 'hello', capture: info() });
    expect(client.status).toBe('live');
    expect(target.loads).toEqual(['full']);
    socket().send(add(1));
    socket().send({ type: 'sessions/upsert', session: session(1) });
    socket().send(add(2));
    expect(client.queued).toBe(3);
    expect(scheduler.frames).toHaveLength(0); // nothing is applied before the snapshot
    target.finishLoads();
    await settle();
    expect(target.batches).toEqual([]);
    scheduler.runFrames();
    expect(target.batches).toEqual([[add(1), { type: 'sessions/upsert', session: session(1) }, add(2)]]);
    expect(scheduler.timers).toHaveLength(0); // the fallback timer was cancelled
  });

  it('flushes on the timer when no animation frame comes (hidden tab)', async () => {
    const { target, scheduler, socket, client } = setup();
    client.start();
    socket().send({ type: 'hello', capture: info() });
    target.finishLoads();
    await settle();
    socket().send(add(1));
    socket().send(add(2));
    expect(scheduler.timers.map((t) => t.ms)).toEqual([500]);
    scheduler.runTimers();
    expect(target.batches).toEqual([[add(1), add(2)]]);
    expect(scheduler.frames).toHaveLength(0);
  });

  it('on reset drops what it queued and reloads the tail of the same list (it keeps following)', async () => {
    const { target, scheduler, socket, client } = setup();
    client.start();
    socket().send({ type: 'hello', capture: info() });
    target.finishLoads();
    await settle();
    socket().send(add(1));
    socket().send({ type: 'reset', reason: 'client fell behind' });
    socket().send(add(2));
    expect(target.loads).toEqual(['full', 'soft']);
    scheduler.runFrames();
    scheduler.runTimers();
    expect(target.batches).toEqual([]);
    target.finishLoads();
    await settle();
    scheduler.runFrames();
    expect(target.batches).toEqual([[add(2)]]);
  });

  it('reconnects with growing delays and reloads softly from the same capture', async () => {
    const { target, scheduler, sockets, socket, client } = setup();
    client.start();
    socket().send({ type: 'hello', capture: info() });
    target.capture = info();
    target.finishLoads();
    await settle();
    socket().drop();
    expect(client.status).toBe('offline');
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      delays.push((scheduler.timers[0] as { ms: number }).ms);
      scheduler.runTimers(); // opens a socket …
      expect(client.status).toBe('connecting');
      socket().drop(); // … which fails
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 10_000]);
    scheduler.runTimers();
    socket().send({ type: 'hello', capture: info() });
    expect(client.attempts).toBe(0);
    expect(target.loads).toEqual(['full', 'soft']);
    // A different capture behind the same address: start over.
    socket().drop();
    scheduler.runTimers();
    socket().send({ type: 'hello', capture: info('b.sqlite') });
    expect(target.loads).toEqual(['full', 'soft', 'full']);
    expect(sockets).toHaveLength(9);
  });

  it('reads only the missed tail when the app loaded (or is loading) before the socket opened', async () => {
    const { target, socket, client } = setup();
    void target.load('full');
    client.start();
    socket().send({ type: 'hello', capture: info() });
    expect(target.loads).toEqual(['full', 'soft']);
  });

  it('ignores messages from a socket it has given up on, and garbage', async () => {
    const { target, scheduler, sockets, socket, client } = setup();
    client.start();
    socket().send({ type: 'hello', capture: info() });
    target.finishLoads();
    await settle();
    const old = socket();
    old.drop();
    old.send(add(1));
    socket().send('not json');
    socket().send({ type: 'frames/remove' });
    scheduler.runTimers(); // reconnect
    expect(sockets).toHaveLength(2);
    socket().send('{"type":');
    expect(client.queued).toBe(0);
    expect(target.batches).toEqual([]);
  });

  it('loads over REST when the live stream cannot be reached at all', () => {
    const { target, scheduler, socket, client } = setup();
    client.start();
    socket().drop();
    expect(target.loads).toEqual(['full']);
    scheduler.runTimers();
    socket().drop();
    expect(target.loads).toEqual(['full']); // not again on every retry
  });

  it('stops cleanly', () => {
    const { scheduler, socket, client } = setup();
    client.start();
    const s = socket();
    client.stop();
    expect(s.closed).toBe(true);
    expect(client.status).toBe('offline');
    expect(scheduler.timers).toHaveLength(0);
  });

  it('feeds a CaptureState: snapshot, then live frames and sessions', async () => {
    const api = new FakeApi(3);
    const state = new CaptureState({ api, pageSize: 100 });
    const scheduler = new FakeScheduler();
    let sock: FakeSocket | null = null;
    const client = new LiveClient({ url: 'ws://x/api/live', target: state, scheduler, connect: (url) => (sock = new FakeSocket(url)) });
    client.start();
    const s = sock as unknown as FakeSocket;
    api.paused = true;
    s.send({ type: 'hello', capture: api.info });
    // Committed before the REST read, announced after it: in the snapshot and in the queue.
    const early = api.append(1);
    s.send({ type: 'frames/add', frames: early });
    for (let i = 0; i < 3; i++) {
      api.release();
      await settle();
    }
    const late = api.append(2);
    s.send({ type: 'frames/add', frames: late });
    s.send({ type: 'sessions/upsert', session: session(1, { frameCount: 6 }) });
    scheduler.runFrames();
    expect(state.total).toBe(6);
    expect([0, 1, 2, 3, 4, 5].map((i) => state.rowAt(i)?.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(state.sessions[0]?.frameCount).toBe(6);
    expect(api.frameCalls).toHaveLength(1);
  });
});
