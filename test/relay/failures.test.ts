// What the proxy does when things go wrong: the upstream refuses or never answers, a peer resets in the
// middle of a frame, a client never speaks, each side half-closes, a peer stops reading, the bytes are
// not MSNP or lie about their lengths, a frame is huge, and the capture file stops taking writes.
// Each test checks the bytes each end receives, byte for byte, and what the capture holds.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { decodeSession } from '../../proxy/capture/read-capture.js';
import { CaptureStore, type ConnectionRow, type FrameRow } from '../../proxy/capture/store.js';
import type { Direction } from '../../shared/msnp/types.js';
import { ByteReader, type FakeServer, Playbook, connectClient, splitAddress } from '../helpers/playbook.js';
import { freePort } from '../helpers/ports.js';
import { type Harness, disposeAfterEach, startHarness } from '../helpers/proxy-harness.js';
import { SERVERS, scenario } from './scenarios.js';

let harness: Harness | null = null;
const cleanups = disposeAfterEach(() => harness, () => (harness = null));

// ---- helpers ----

const connect = (address: string) => connectClient(address, cleanups);

function write(socket: net.Socket, bytes: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => socket.write(bytes, (e) => (e ? reject(e) : resolve())));
}

const bytes = (text: string) => Buffer.from(text, 'latin1');

/** Waits for a condition nothing announces (the store has no failure event), polling; bounded. */
async function waitFor(what: string, done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function server(name = 'DS'): FakeServer {
  return harness?.servers.get(name) as FakeServer;
}

/** The next connection the fake server `name` accepts (closed after the test). */
async function accept(name = 'DS'): Promise<ByteReader> {
  const reader = await server(name).accept();
  cleanups.push(() => reader.socket.destroy());
  return reader;
}

/** Stops the proxy, reopens the capture read-only and hands it to `check`. */
async function capture<T>(check: (store: CaptureStore) => T): Promise<T> {
  await harness?.stop();
  const store = CaptureStore.open(harness?.file as string, { readonly: true });
  try {
    return check(store);
  } finally {
    store.close();
  }
}

/** The one connection of the capture. */
function onlyConnection(store: CaptureStore): ConnectionRow {
  const conns = store.listConnections();
  expect(conns).toHaveLength(1);
  return conns[0] as ConnectionRow;
}

/** A direction's frames, concatenated: every byte is in exactly one frame. */
function stream(rows: FrameRow[], dir: Direction): Buffer {
  return Buffer.concat(rows.filter((r) => r.dir === dir).map((r) => r.bytes));
}

const summary = (rows: FrameRow[]) => rows.map((r) => [r.dir, r.command, r.issues]);

// ---- the upstream cannot be reached ----

describe('upstream unreachable', () => {
  it('refused: the client is closed having received nothing, and the capture says why', async () => {
    const port = await freePort();
    harness = await startHarness([], { upstream: `127.0.0.1:${port}` });
    const { reader } = connect(harness.address);
    reader.socket.write('VER 1 MSNP8 CVR0\r\n');
    await reader.closed;
    expect(reader.buffered.length).toBe(0);

    await capture((store) => {
      const conn = onlyConnection(store);
      expect(conn.closeReason).toBe(`upstream 127.0.0.1:${port} refused the connection`);
      expect(conn.frames).toBe(0);
      expect(store.sessionChunks()).toHaveLength(0); // the client was never read: nothing was relayed
      expect(store.listSessions()).toHaveLength(1);
    });
  });

  // A SYN to a listener whose accept queue is full is dropped (Linux), so a connect to it hangs until
  // the proxy's connect timeout: a real timeout on 127.0.0.1. The listener lives in a child process
  // whose event loop is blocked, so nothing ever accepts.
  it.skipIf(process.platform !== 'linux')('no answer: the connect times out, the client is closed, the capture says why', async () => {
    const { port, child } = await stuckListener();
    cleanups.push(() => child.kill('SIGKILL'));
    // Fill the accept queue (backlog 1 holds 2 connections), then check it is full.
    for (let i = 0; i < 2; i++) {
      const filler = net.connect({ host: '127.0.0.1', port });
      cleanups.push(() => filler.destroy());
      await new Promise<void>((resolve, reject) => filler.once('connect', resolve).once('error', reject));
    }
    expect(acceptQueue(port)).toBe(2);

    harness = await startHarness([], { upstream: `127.0.0.1:${port}`, connectTimeoutMs: 200 });
    const { reader } = connect(harness.address);
    reader.socket.write('VER 1 MSNP8 CVR0\r\n');
    await reader.closed;
    expect(reader.buffered.length).toBe(0);
    expect(acceptQueue(port)).toBe(2); // the proxy's connection never got in

    await capture((store) => {
      const conn = onlyConnection(store);
      expect(conn.closeReason).toBe(`upstream 127.0.0.1:${port} did not answer (timeout)`);
      expect(conn.frames).toBe(0);
      expect(store.sessionChunks()).toHaveLength(0);
    });
  });
});

/** A listener (backlog 1) in a child process that never accepts. */
async function stuckListener(): Promise<{ port: number; child: ChildProcess }> {
  const code = `
    const server = require('node:net').createServer();
    server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
      process.stdout.write(server.address().port + '\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // block: never accept
    });`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (c) => reject(new Error(`listener exited (${c})`)));
  });
  return { port, child };
}

/** Connections waiting in the accept queue of the listener on 127.0.0.1:port (/proc/net/tcp). */
function acceptQueue(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local && f[3] === '0A') return parseInt((f[4] ?? '').split(':')[1] ?? '', 16);
  }
  throw new Error(`no listener on ${local}`);
}

// ---- resets, silence, half-close ----

describe('connection ends', () => {
  it('upstream resets in the middle of a payload: the client gets the partial frame then a reset; the capture flags it truncated', async () => {
    harness = await startHarness(['DS']);
    const { reader: client, errors } = connect(harness.address);
    const up = await accept();
    await write(client.socket, 'VER 1 MSNP8 CVR0\r\n');
    expect((await up.read(18)).toString('latin1')).toBe('VER 1 MSNP8 CVR0\r\n');
    await write(up.socket, 'VER 1 MSNP8\r\n');
    const partial = bytes('MSG Hotmail Hotmail 100\r\n0123456789');
    await write(up.socket, partial);
    // Reset once the proxy has read the bytes: a reset arriving while they still wait to be read makes
    // Linux report a plain end of stream after them instead of the reset.
    const before = await client.read(13 + partial.length);
    up.socket.resetAndDestroy();

    await client.closed;
    expect(errors).toEqual(['ECONNRESET']);
    expect(before.equals(Buffer.concat([bytes('VER 1 MSNP8\r\n'), partial]))).toBe(true);
    expect(client.buffered.length).toBe(0);

    await capture((store) => {
      const conn = onlyConnection(store);
      expect(conn.closeReason).toBe('upstream error: ECONNRESET');
      const rows = store.listFrames(conn.id);
      expect(summary(rows)).toEqual([
        ['c2s', 'VER', []],
        ['s2c', 'VER', []],
        ['s2c', 'MSG', ['truncated: stream ended after 10 of 100 payload bytes']],
      ]);
      expect(rows[2]?.bytes.equals(partial)).toBe(true);
      // Decoding the stored reads again says the same.
      const decoded = decodeSession(store, conn.sessionId).frames;
      expect(decoded.map((f) => [f.command, f.size, f.issues])).toEqual([
        ['VER', 18, []], ['VER', 13, []], ['MSG', partial.length, ['truncated: stream ended after 10 of 100 payload bytes']],
      ]);
    });
  });

  it('client resets in the middle of a payload: the server gets the partial frame then a reset', async () => {
    harness = await startHarness(['DS']);
    const { reader: client } = connect(harness.address);
    const up = await accept();
    const upErrors: string[] = [];
    up.socket.on('error', (e: NodeJS.ErrnoException) => upErrors.push(e.code ?? e.message));
    const partial = bytes('MSG 2 A 100\r\nMIME-Versi');
    await write(client.socket, partial);
    expect((await up.read(partial.length)).equals(partial)).toBe(true);
    client.socket.resetAndDestroy();

    await up.closed;
    expect(upErrors).toEqual(['ECONNRESET']);
    expect(up.buffered.length).toBe(0);

    await capture((store) => {
      const conn = onlyConnection(store);
      expect(conn.closeReason).toBe('client error: ECONNRESET');
      const rows = store.listFrames(conn.id);
      expect(summary(rows)).toEqual([['c2s', 'MSG', ['truncated: stream ended after 10 of 100 payload bytes', 'unanswered: no reply to TrID 2']]]);
      expect(rows[0]?.bytes.equals(partial)).toBe(true);
    });
  });

  it('a client that never speaks: a connection row with no frames, closed with a reason', async () => {
    harness = await startHarness(['DS']);
    const { reader: client } = connect(harness.address);
    const up = await accept(); // the upstream is connected
    client.socket.end();
    await up.end();
    up.socket.end();
    await client.closed;
    expect(client.buffered.length).toBe(0);
    expect(up.buffered.length).toBe(0);

    await capture((store) => {
      const conn = onlyConnection(store);
      expect(conn.closeReason).toBe('client closed');
      expect(conn.frames).toBe(0);
      expect(store.sessionChunks()).toHaveLength(0);
    });
  });

  it('a client that follows a referral and never speaks: still recorded, in its session, with a reason', async () => {
    harness = await startHarness(['DS', 'NS']);
    const { reader: client } = connect(harness.address);
    const ds = await accept('DS');
    await write(client.socket, 'VER 1 MSNP8 CVR0\r\nUSR 2 TWN I alice@example.com\r\n');
    await ds.read(49);
    await write(ds.socket, `XFR 2 NS ${server('NS').address} 0 ${server('DS').address}\r\n`);
    const referral = (await client.readLine()).toString('latin1');
    const ours = /^XFR 2 NS (\S+) 0 /.exec(referral)?.[1] as string;
    expect(ours).not.toBe(server('NS').address);

    const { reader: client2 } = connect(ours);
    const ns = await accept('NS');
    client2.socket.end();
    await ns.end();
    ns.socket.end();
    await client2.closed;

    await capture((store) => {
      const [ds1, ns1] = store.listConnections();
      expect(store.listSessions()).toHaveLength(1);
      expect(ns1?.sessionId).toBe(ds1?.sessionId);
      expect(ns1?.referredBy).toBe(ds1?.id);
      expect(ns1?.closeReason).toBe('client closed');
      expect(ns1?.frames).toBe(0);
    });
  });

  it('half-close by the client: the server sees the end, can still answer, and the client gets it all', async () => {
    harness = await startHarness(['DS']);
    const { reader: client } = connect(harness.address);
    const up = await accept();
    await write(client.socket, 'VER 1 MSNP8 CVR0\r\nOUT\r\n');
    client.socket.end();
    expect((await up.read(23)).toString('latin1')).toBe('VER 1 MSNP8 CVR0\r\nOUT\r\n');
    await up.end(); // the FIN came through
    const answer = bytes('VER 1 MSNP8\r\nOUT OTH\r\n');
    await write(up.socket, answer);
    up.socket.end();
    await client.end();
    await client.closed;
    expect(client.buffered.equals(answer)).toBe(true);

    await capture((store) => {
      const conn = onlyConnection(store);
      expect(conn.closeReason).toBe('client closed');
      const rows = store.listFrames(conn.id);
      expect(summary(rows)).toEqual([['c2s', 'VER', []], ['c2s', 'OUT', []], ['s2c', 'VER', []], ['s2c', 'OUT', []]]);
      expect(stream(rows, 's2c').equals(answer)).toBe(true);
    });
  });

  it('half-close by the server, its last bytes a partial referral line: forwarded as they are, then the FIN; the client can still send', async () => {
    harness = await startHarness(['DS']);
    const { reader: client } = connect(harness.address);
    const up = await accept();
    await write(client.socket, 'VER 1 MSNP8 CVR0\r\n');
    await up.read(18);
    // A line that may still become a referral is held back by the proxy until it completes or the stream ends.
    const last = bytes(`VER 1 MSNP8\r\nXFR 3 NS ${server().address}`);
    await write(up.socket, last);
    up.socket.end();
    await client.end();
    expect(client.buffered.equals(last)).toBe(true);

    await write(client.socket, 'OUT\r\n');
    expect((await up.read(5)).toString('latin1')).toBe('OUT\r\n');
    client.socket.end();
    await up.end();
    await client.closed;

    await capture((store) => {
      const conn = onlyConnection(store);
      expect(conn.closeReason).toBe('upstream closed');
      const rows = store.listFrames(conn.id);
      // The partial line is framed when the connection ends, so it comes after the client's OUT.
      expect(summary(rows)).toEqual([
        ['c2s', 'VER', []], ['s2c', 'VER', []], ['c2s', 'OUT', []], ['s2c', '', ['truncated: stream ended inside a line (no CRLF)']],
      ]);
      expect(stream(rows, 's2c').equals(last)).toBe(true);
      expect(rows.some((r) => r.rewritten)).toBe(false);
    });
  });
});

// ---- backpressure ----

/** `count` frames of `size`-byte payloads: `MSG n U size` + payload (c2s) or `MSG Hotmail Hotmail size` (s2c). */
function bulk(dir: Direction, count: number, size: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const payload = Buffer.alloc(size, String.fromCharCode(0x41 + (i % 26)));
    parts.push(bytes(dir === 'c2s' ? `MSG ${i + 1} U ${size}\r\n` : `MSG Hotmail Hotmail ${size}\r\n`), payload);
  }
  return Buffer.concat(parts);
}

/** A plain upstream server (the Playbook reader copies its buffer on every read: too slow for 20 MB). */
async function plainServer(): Promise<{ address: string; accepted: Promise<net.Socket> }> {
  let accept: (s: net.Socket) => void = () => {};
  const accepted = new Promise<net.Socket>((resolve) => { accept = resolve; });
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    cleanups.push(() => s.destroy());
    accept(s);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => srv.close(() => resolve())));
  return { address: `127.0.0.1:${(srv.address() as net.AddressInfo).port}`, accepted };
}

/** Waits until `value()` stops changing (nothing announces that a stream has stalled); bounded. */
async function settled(what: string, value: () => number): Promise<void> {
  const deadline = Date.now() + 15_000;
  let last = -1;
  let quiet = 0;
  while (quiet < 5) {
    if (Date.now() > deadline) throw new Error(`${what} never settled (${value()})`);
    await sleep(50);
    const v = value();
    quiet = v === last && v > 0 ? quiet + 1 : 0;
    last = v;
  }
}

/**
 * One side sends ~20 MB while the other does not read. The proxy must stop reading from the sender once
 * the receiver's side is full, so that the sender's own writes stop completing, and carry on when the
 * receiver reads again: every byte arrives, in order.
 */
async function backpressure(dir: Direction): Promise<void> {
  const up = await plainServer();
  harness = await startHarness([], { upstream: up.address });
  // What the proxy has read from the sender, as its capture tap sees it.
  let proxyRead = 0;
  const store = harness.store;
  const addChunk = store.addChunk.bind(store);
  store.addChunk = (c) => {
    if (c.dir === dir) proxyRead += c.length;
    addChunk(c);
  };

  const [host, port] = splitAddress(harness.address);
  const client = net.connect({ host, port, allowHalfOpen: true });
  cleanups.push(() => client.destroy());
  const upstream = await up.accepted;
  const [sender, receiver] = dir === 'c2s' ? [client, upstream] : [upstream, client];
  receiver.pause(); // the receiver does not read
  const received: Buffer[] = [];
  let got = 0;
  receiver.on('data', (d: Buffer) => {
    received.push(d);
    got += d.length;
  });

  const data = bulk(dir, 20_000, 1000); // 20.3 MB
  let accepted = 0; // bytes the sender's kernel took
  const sending = (async () => {
    for (let at = 0; at < data.length; at += 65_536) {
      const piece = data.subarray(at, at + 65_536);
      if (!sender.write(piece, () => { accepted += piece.length; })) {
        await new Promise((resolve) => sender.once('drain', resolve));
      }
    }
  })();

  await settled('the relay', () => proxyRead);
  // The sender is stuck: what it could hand over sits in kernel buffers and the proxy's small write
  // buffer, far from all 20 MB; the proxy has stopped reading it.
  expect(got).toBe(0);
  expect(accepted).toBeLessThan(data.length);
  expect(sender.writableLength).toBeGreaterThan(0);
  expect(proxyRead).toBeLessThan(data.length / 2);
  const stalledAt = proxyRead;

  receiver.resume();
  await sending;
  await waitFor('every byte to arrive', () => got >= data.length, 30_000);
  expect(proxyRead).toBeGreaterThan(stalledAt);
  expect(Buffer.concat(received).equals(data)).toBe(true);
  sender.end();
  await new Promise((resolve) => receiver.once('end', resolve));
  receiver.end();
  await new Promise((resolve) => client.once('close', resolve));

  await capture((s) => {
    const conn = onlyConnection(s);
    const rows = s.listFrames(conn.id);
    expect(rows.filter((r) => r.dir === dir)).toHaveLength(20_000);
    expect(stream(rows, dir).equals(data)).toBe(true);
    expect(conn.closeReason).toBe(dir === 'c2s' ? 'client closed' : 'upstream closed');
  });
}

describe('backpressure', () => {
  it('client sends 20 MB to a server that stops reading: the client is held back, then every byte arrives', async () => {
    await backpressure('c2s');
  });

  it('server sends 20 MB to a client that stops reading: the server is held back, then every byte arrives', async () => {
    await backpressure('s2c');
  });
});

// ---- what is not MSNP, or lies ----

/** Runs `play` (one connection, `c`, to the fake DS) and returns its frames from the capture. */
async function playAndCapture(play: Playbook, seed = 1): Promise<{ rows: FrameRow[]; conn: ConnectionRow; sent: { c2s: Buffer[]; s2c: Buffer[] } }> {
  const result = await play.run(harness?.servers as Map<string, FakeServer>, harness?.address as string, seed);
  return capture((store) => {
    const conn = onlyConnection(store);
    return { rows: store.listFrames(conn.id), conn, sent: result.sent.get('c') as { c2s: Buffer[]; s2c: Buffer[] } };
  });
}

describe('garbage, lying lengths and huge frames', () => {
  it('relays garbage and lying payload lengths unchanged, both ways, and flags the frames', async () => {
    harness = await startHarness(['DS']);
    const referral = 'XFR 9 NS 127.0.0.1:1 0 127.0.0.1:2\r\n';
    const play = new Playbook(['DS']).connect('c', 'DS')
      .raw('c', 'c2s', 'VER 1 MSNP8 CVR0\r\n').raw('c', 's2c', 'VER 1 MSNP8\r\n')
      .raw('c', 'c2s', '\x00\x01\x02binary\xff\xfe junk\r\n') // not a command line
      .raw('c', 's2c', 'hello, this is not MSNP\r\n')
      // Says 5 bytes, sends 13: the rest is read as a line of its own.
      .raw('c', 'c2s', 'MSG 2 U 5\r\nHello, world!\r\n')
      // A payload holding a referral line: it is payload, so it is not rewritten.
      .raw('c', 's2c', `MSG Hotmail Hotmail ${referral.length}\r\n${referral}`)
      // Says more than the payload: the next command (a referral) is swallowed as payload, not rewritten,
      // and so is the start of the one after.
      .raw('c', 's2c', `MSG Hotmail Hotmail ${7 + referral.length + 4}\r\nshort\r\n${referral}CHL 0 123456789012345678\r\n`)
      // Says 500 bytes and the connection ends after 9.
      .raw('c', 'c2s', 'MSG 3 N 500\r\nonly this')
      .close('c', 'client');
    const { rows, conn, sent } = await playAndCapture(play);

    expect(stream(rows, 'c2s').equals(Buffer.concat(sent.c2s))).toBe(true);
    expect(stream(rows, 's2c').equals(Buffer.concat(sent.s2c))).toBe(true);
    expect(rows.some((r) => r.rewritten)).toBe(false);
    // Every byte is in a frame; what is not a frame, or was cut short, says so.
    expect(summary(rows).map(([dir, command, issues]) => [dir, command, (issues as string[]).filter((i) => !i.startsWith('layout'))])).toEqual([
      ['c2s', 'VER', []],
      ['s2c', 'VER', []],
      ['c2s', '', ['garbage: not an MSNP command line']],
      ['s2c', '', ['garbage: not an MSNP command line']],
      ['c2s', 'MSG', []], // MSG 2 U 5 + "Hello"
      ['c2s', '', ['garbage: not an MSNP command line']], // ", world!"
      ['s2c', 'MSG', []], // the referral inside
      ['s2c', 'MSG', []], // short, the referral, "CHL "
      ['s2c', '', ['garbage: not an MSNP command line']], // "0 1234…"
      ['c2s', 'MSG', ['truncated: stream ended after 9 of 500 payload bytes']],
    ]);
    expect(rows[6]?.bytes.toString('latin1')).toContain(referral);
    expect(rows[7]?.bytes.toString('latin1')).toContain(referral);
    expect(conn.closeReason).toBe('client closed');
  });

  it('relays a 2 MB payload unchanged, both ways, and captures every byte of it', async () => {
    harness = await startHarness(['DS']);
    const big = noise(2 * 1024 * 1024, 7);
    const play = new Playbook(['DS']).connect('c', 'DS')
      .c('c', 'VER 1 MSNP8 CVR0').s('c', 'VER 1 MSNP8')
      .c('c', 'MSG 2 D', big).s('c', 'MSG Hotmail Hotmail', big)
      .c('c', 'OUT').close('c', 'client');
    const { rows, sent } = await playAndCapture(play);

    expect(stream(rows, 'c2s').equals(Buffer.concat(sent.c2s))).toBe(true);
    expect(stream(rows, 's2c').equals(Buffer.concat(sent.s2c))).toBe(true);
    // Over the decoder's 1 MiB cap the line is flagged and the payload stored as unframed bytes.
    const oversize = 'oversize: announced payload of 2097152 bytes exceeds the 1048576-byte cap; not framed as payload';
    const msgs = rows.filter((r) => r.command === 'MSG');
    // `MSG D` asks for an acknowledgement, and none came before the client left.
    expect(msgs.map((r) => [r.dir, r.issues.filter((i) => !i.startsWith('layout'))])).toEqual([['c2s', [oversize, 'unanswered: no reply to TrID 2']], ['s2c', [oversize]]]);
  });

  it('does not rewrite a referral line inside a payload over the 1 MiB cap', async () => {
    harness = await startHarness(['DS']);
    const lines = Array.from({ length: 36_000 }, (_, i) => `line ${i} of a big text payload\r\n`);
    lines[20_000] = `XFR 12 NS ${'127.0.0.1:1863'} 0 127.0.0.1:1863\r\n`;
    const big = Buffer.from(lines.join(''), 'latin1');
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const play = new Playbook(['DS']).connect('c', 'DS')
      .c('c', 'VER 1 MSNP8 CVR0').s('c', 'VER 1 MSNP8')
      .s('c', 'MSG Hotmail Hotmail', big).s('c', 'CHL 0 29409134351025259292')
      .c('c', 'OUT').close('c', 'client');
    const { rows, sent } = await playAndCapture(play);
    expect(stream(rows, 's2c').equals(Buffer.concat(sent.s2c))).toBe(true);
    expect(rows.some((r) => r.rewritten)).toBe(false);
  });
});

/** `size` reproducible pseudo-random bytes. */
function noise(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

// ---- the capture store fails ----

/** Waits until the store has written everything it holds and is healthy again. */
async function drained(store: CaptureStore): Promise<void> {
  await waitFor('the capture store to catch up', () => {
    const h = store.health();
    return h.queued === 0 && h.lastError === null;
  });
}

describe('capture store failing during the relay', () => {
  it('a locked capture file: the session relays unaffected, health() reports it, and every frame lands after', async () => {
    harness = await startHarness(SERVERS);
    const other = new Database(harness.file);
    cleanups.push(() => other.close());
    other.exec('BEGIN EXCLUSIVE'); // another process holds the write lock

    const { play, frames } = scenario(12);
    const result = await play.run(harness.servers, harness.address, 3); // throws on any byte out of place
    await waitFor('a failed write', () => harness?.store.health().failures !== 0);
    const during = harness.store.health();
    expect(during.lastError).toMatch(/locked|busy/i);
    expect(during.queued).toBeGreaterThan(0);
    expect(during.since).not.toBeNull();
    expect(during.committedFrames).toBe(0);

    other.exec('ROLLBACK');
    await drained(harness.store);
    expect(harness.store.health()).toMatchObject({ failures: 0, lastError: null, rejected: 0 });
    expect(harness.logs.some((l) => /write failed/.test(l))).toBe(true);

    await capture((store) => {
      const [session] = store.listSessions();
      expect(session?.handle).toBe('alice@example.com');
      const conns = store.listConnections(session?.id);
      expect(conns.map((c) => c.label)).toEqual(['ds1', 'ns1', 'sb1', 'sb2']);
      for (const conn of conns) {
        const rows = store.listFrames(conn.id);
        expect(rows.length, conn.label).toBe(frames[conn.label]);
        const sent = result.sent.get(conn.label);
        for (const dir of ['c2s', 's2c'] as const) {
          expect(stream(rows, dir).equals(Buffer.concat(sent?.[dir] ?? [])), `${conn.label} ${dir}`).toBe(true);
        }
        expect(conn.closeReason).toMatch(/closed/);
      }
    });
  });

  it('a full disk (page cap reached): the relay carries on, health() reports it, and every frame lands once there is room', async () => {
    harness = await startHarness(['DS']);
    harness.store.setMaxPageCount(1); // capped at the file's current size: any growth fails
    // 300 KB each way: far more than the free space in the file's pages.
    const body = (i: number) => `MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n${String(i).padStart(4, '0')} ${'x'.repeat(3000)}`;
    const play = new Playbook(['DS']).connect('c', 'DS').c('c', 'VER 1 MSNP8 CVR0').s('c', 'VER 1 MSNP8');
    for (let i = 0; i < 100; i++) play.c('c', `MSG ${i + 2} U`, body(i)).s('c', 'MSG Hotmail Hotmail', body(i));
    play.c('c', 'OUT').close('c', 'client');
    const result = await play.run(harness.servers, harness.address, 5);
    await waitFor('a failed write', () => harness?.store.health().failures !== 0);
    expect(harness.store.health().lastError).toMatch(/full/i);

    harness.store.setMaxPageCount(1_000_000_000);
    await drained(harness.store);
    expect(harness.store.health()).toMatchObject({ failures: 0, lastError: null, rejected: 0 });

    await capture((store) => {
      const conn = onlyConnection(store);
      const rows = store.listFrames(conn.id);
      expect(rows).toHaveLength(2 + 200 + 1);
      const sent = result.sent.get('c');
      expect(stream(rows, 'c2s').equals(Buffer.concat(sent?.c2s ?? []))).toBe(true);
      expect(stream(rows, 's2c').equals(Buffer.concat(sent?.s2c ?? []))).toBe(true);
      expect(conn.closeReason).toBe('client closed');
    });
  });
});
