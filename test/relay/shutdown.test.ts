// The real `msnp-inspector proxy` command in a child process: SIGTERM or SIGINT in the middle of a
// session closes every connection, records why, flushes the capture and exits 0; kill -9 in the middle
// of a burst leaves an intact file missing at most the last batch.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaptureStore, type FrameRow, writerMode } from '../../proxy/capture/store.js';
import { PIPELINES } from '../../proxy/capture/writer-link.js';
import type { Direction } from '../../shared/msnp/types.js';
import { ByteReader, FakeServer, splitAddress } from '../helpers/playbook.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const BATCH_SIZE = PIPELINES[writerMode('auto')].batchSize; // the capture store's default batch, which the command uses

let dir: string;
const cleanups: Array<() => unknown> = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'msnp-shutdown-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

interface Cli {
  child: ChildProcess;
  /** The proxy's client-facing address, from the ready line. */
  address: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/** Starts `msnp-inspector proxy` on an ephemeral port and waits for its ready line. */
async function startCli(upstream: string, file: string): Promise<Cli> {
  const child = spawn(process.execPath, [
    'bin/msnp-inspector.js', 'proxy', '--listen', '127.0.0.1:0', '--upstream', upstream, '--capture', file, '--no-web',
  ], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (t: string) => { stderr += t; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const ready = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (t: string) => {
      out += t;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    void exited.then(({ code }) => reject(new Error(`proxy exited (${code}) before it was ready: ${stderr}`)));
  });
  const address = /listening on (\S+), forwarding to /.exec(ready)?.[1];
  if (!address) throw new Error(`no address in the ready line: ${ready}`);
  expect(splitAddress(address)[1]).toBeGreaterThan(0); // the real port, not the 0 asked for
  return { child, address, exited, stderr: () => stderr };
}

async function fakeServer(): Promise<FakeServer> {
  const server = await FakeServer.start();
  cleanups.push(() => server.close());
  return server;
}

/** A client connection through the proxy and the fake server's end of it. */
interface Pair {
  client: ByteReader;
  server: ByteReader;
  sent: Record<Direction, Buffer[]>;
}

async function open(address: string, server: FakeServer): Promise<Pair> {
  const [host, port] = splitAddress(address);
  const socket = net.connect({ host, port, allowHalfOpen: true });
  socket.on('error', () => {});
  cleanups.push(() => socket.destroy());
  const client = new ByteReader(socket);
  const up = await server.accept();
  up.socket.on('error', () => {});
  cleanups.push(() => up.socket.destroy());
  return { client, server: up, sent: { c2s: [], s2c: [] } };
}

/** Sends one frame and waits until the other end has it, byte for byte (so the proxy has read it). */
async function frame(pair: Pair, dir: Direction, text: string): Promise<void> {
  const bytes = Buffer.from(text, 'latin1');
  const [from, to] = dir === 'c2s' ? [pair.client, pair.server] : [pair.server, pair.client];
  pair.sent[dir].push(bytes);
  from.socket.write(bytes);
  const got = await to.read(bytes.length, text);
  expect(got.toString('latin1')).toBe(text);
}

const stream = (rows: FrameRow[], dir: Direction) => Buffer.concat(rows.filter((r) => r.dir === dir).map((r) => r.bytes));

function integrity(file: string): string {
  const db = new Database(file); // read-write: replays the WAL the way the next writer would
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

describe('msnp-inspector proxy: signals', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} mid-session: exits 0, the file is intact, every frame is in, connections closed as a proxy shutdown`, async () => {
      const ds = await fakeServer();
      const ns = await fakeServer();
      const file = join(dir, 'capture.sqlite');
      const cli = await startCli(ds.address, file);

      // Dispatch: sign-in, referred to the NS (through the proxy); the DS connection stays open.
      const one = await open(cli.address, ds);
      await frame(one, 'c2s', 'VER 1 MSNP8 CVR0\r\n');
      await frame(one, 's2c', 'VER 1 MSNP8\r\n');
      await frame(one, 'c2s', 'USR 2 TWN I alice@example.com\r\n');
      const xfr = `XFR 2 NS ${ns.address} 0 ${ds.address}\r\n`;
      one.sent.s2c.push(Buffer.from(xfr));
      one.server.socket.write(xfr);
      const referral = (await one.client.readLine()).toString('latin1');
      const ours = /^XFR 2 NS (\S+) 0 /.exec(referral)?.[1] as string;
      expect(referral).toBe(`XFR 2 NS ${ours} 0 ${ds.address}\r\n`);
      expect(ours).not.toBe(ns.address);

      // Notification server: signed in, then chatter both ways; both connections open at the signal.
      const two = await open(ours, ns);
      await frame(two, 'c2s', 'VER 3 MSNP8 CVR0\r\n');
      await frame(two, 's2c', 'VER 3 MSNP8\r\n');
      await frame(two, 'c2s', 'USR 4 TWN I alice@example.com\r\n');
      await frame(two, 's2c', 'USR 4 OK alice@example.com Alice 1 0\r\n');
      for (let i = 5; i < 45; i++) {
        await frame(two, 'c2s', `PNG\r\n`);
        await frame(two, 's2c', `QNG ${i}\r\n`);
        await frame(two, 'c2s', `CHG ${i} NLN 0\r\n`);
        await frame(two, 's2c', `CHG ${i} NLN 0\r\n`);
      }

      cli.child.kill(signal);
      expect(await cli.exited).toEqual({ code: 0, signal: null });
      // The proxy ended every connection, both ways (FIN or reset seen by each end).
      await Promise.all([one.client.end(), one.server.end(), two.client.end(), two.server.end()]);
      expect(cli.stderr()).toContain(`${signal}: closing 2 connection(s) and flushing the capture`);

      expect(integrity(file)).toBe('ok');
      const store = CaptureStore.open(file, { readonly: true });
      try {
        const [session, ...more] = store.listSessions();
        expect(more).toHaveLength(0);
        expect(session?.handle).toBe('alice@example.com');
        const conns = store.listConnections(session?.id);
        expect(conns.map((c) => [c.label, c.kind, c.version, c.closeReason])).toEqual([
          ['ds1', 'dispatch', 8, `proxy shutdown (${signal})`],
          ['ns1', 'ns', 8, `proxy shutdown (${signal})`],
        ]);
        expect(conns[1]?.referredBy).toBe(conns[0]?.id);
        for (const [conn, pair] of [[conns[0], one], [conns[1], two]] as const) {
          const rows = store.listFrames(conn?.id as number);
          expect(rows).toHaveLength(pair.sent.c2s.length + pair.sent.s2c.length);
          for (const d of ['c2s', 's2c'] as const) expect(stream(rows, d).equals(Buffer.concat(pair.sent[d])), `${conn?.label} ${d}`).toBe(true);
        }
      } finally {
        store.close();
      }
    });
  }
});

describe('msnp-inspector proxy: kill -9', () => {
  it('during a burst of frames: the file is intact and holds every frame the server got, bar one batch and the read being captured', async () => {
    // The upstream counts the frames (lines) it receives.
    let received = 0;
    let onReceived: () => void = () => {};
    let upstreamDone: () => void = () => {};
    const upstreamClosed = new Promise<void>((resolve) => { upstreamDone = resolve; });
    const server = net.createServer((socket) => {
      cleanups.push(() => socket.destroy());
      socket.on('data', (d: Buffer) => {
        for (let i = d.indexOf(0x0a); i >= 0; i = d.indexOf(0x0a, i + 1)) received++;
        onReceived();
      });
      socket.on('error', () => {});
      socket.on('close', () => upstreamDone());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const file = join(dir, 'capture.sqlite');
    const cli = await startCli(`127.0.0.1:${(server.address() as net.AddressInfo).port}`, file);

    // The client sends small frames back to back, GROUP to a write, each write as soon as the server has
    // the previous one (so that one read of the proxy holds at most GROUP frames), until the proxy dies.
    const GROUP = 97; // not a divisor of the batch size, so kills land at every point of a batch
    const [host, port] = splitAddress(cli.address);
    const client = net.connect({ host, port });
    client.setNoDelay(true);
    client.on('error', () => {});
    cleanups.push(() => client.destroy());
    await new Promise((resolve) => client.once('connect', resolve));
    const frameText = (n: number) => `CHG ${n} NLN 0\r\n`;
    let sent = 0;
    const killed = new Promise<void>((resolve) => {
      const more = () => {
        if (received >= 10_000) {
          cli.child.kill('SIGKILL'); // right after the proxy forwarded a read: mid-capture
          resolve();
        } else if (received === sent) {
          let group = '';
          for (let i = 0; i < GROUP; i++) group += frameText(++sent);
          client.write(group);
        }
      };
      onReceived = more;
      more();
    });
    await Promise.race([killed, cli.exited.then(() => { throw new Error(`proxy exited by itself: ${cli.stderr()}`); })]);
    expect(await cli.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await upstreamClosed; // every byte the proxy forwarded before it died has arrived
    expect(received).toBeGreaterThanOrEqual(10_000);

    expect(integrity(file)).toBe('ok');
    const store = CaptureStore.open(file, { readonly: true });
    try {
      const [conn, ...more] = store.listConnections();
      expect(more).toHaveLength(0);
      const rows = store.listFrames(conn?.id as number);
      // Not written yet at the kill: at most one batch of records (reads and frames), plus the frames of
      // the read being captured, which the relay forwards before its capture tap runs.
      expect(rows.length).toBeGreaterThanOrEqual(received - BATCH_SIZE - GROUP);
      expect(rows.length).toBeLessThanOrEqual(sent);
      // What is there is the start of what the client sent: no holes, nothing out of order.
      let expected = '';
      for (let n = 1; n <= rows.length; n++) expected += frameText(n);
      expect(stream(rows, 'c2s').toString('latin1')).toBe(expected);
      expect(conn?.closeReason).toBeNull(); // it never got to close
    } finally {
      store.close();
    }
  });
});
