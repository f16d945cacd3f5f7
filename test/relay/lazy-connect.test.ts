// `--upstream-connect lazy`: the proxy calls the upstream only once the client first sends something.
// A client that never speaks costs the server no connection; one that speaks is relayed byte for byte
// from its first byte, however its bytes arrive; failures after the first byte are recorded as in eager
// mode, and nothing the client sent is missing from the capture.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CaptureStore, type ConnectionRow } from '../../proxy/capture/store.js';
import { type FakeServer, connectClient } from '../helpers/playbook.js';
import { type Harness, disposeAfterEach, startHarness } from '../helpers/proxy-harness.js';
import { freePort } from '../helpers/ports.js';

let harness: Harness | null = null;
const cleanups = disposeAfterEach(() => harness, () => (harness = null));

const connect = (address: string) => connectClient(address, cleanups);

/** The client's socket is connected to the proxy (the proxy has accepted it). */
const connected = (socket: net.Socket) => new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));

async function onlyConnection(): Promise<{ conn: ConnectionRow; chunks: Buffer; frames: string[] }> {
  await harness?.stop();
  const store = CaptureStore.open(harness?.file as string, { readonly: true });
  try {
    const conns = store.listConnections();
    expect(conns).toHaveLength(1);
    const conn = conns[0] as ConnectionRow;
    const chunks = Buffer.concat(store.sessionChunks().filter((c) => c.dir === 'c2s').map((c) => c.bytes));
    return { conn, chunks, frames: store.listFrames(conn.id).map((f) => f.bytes.toString('latin1')) };
  } finally {
    store.close();
  }
}

const NOT_CONTACTED = ' (it sent nothing; the upstream was never contacted)';

describe('lazy upstream connect', () => {
  it('a client that never speaks: the upstream is never called; the close is recorded and says so', async () => {
    harness = await startHarness(['DS'], { upstreamConnect: 'lazy' });
    const ds = harness.servers.get('DS') as FakeServer;
    const { reader } = connect(harness.address);
    await connected(reader.socket);
    await sleep(200);
    expect(ds.offered).toBe(0);
    expect(harness.proxy.connectionCount).toBe(1);
    reader.socket.end();
    await reader.closed;
    expect(reader.buffered.length).toBe(0);
    expect(ds.offered).toBe(0);

    const { conn, chunks } = await onlyConnection();
    expect(conn.closeReason).toBe(`client closed${NOT_CONTACTED}`);
    expect(conn.frames).toBe(0);
    expect(chunks.length).toBe(0);
  });

  it('a client that resets without speaking: recorded as a client error, upstream never called', async () => {
    harness = await startHarness(['DS'], { upstreamConnect: 'lazy' });
    const ds = harness.servers.get('DS') as FakeServer;
    const { reader } = connect(harness.address);
    await connected(reader.socket);
    await sleep(50);
    reader.socket.resetAndDestroy();
    await reader.closed;
    await sleep(50);
    expect(ds.offered).toBe(0);

    const { conn } = await onlyConnection();
    expect(conn.closeReason).toBe(`client error: ECONNRESET${NOT_CONTACTED}`);
  });

  it('the connect timeout runs from the first byte: a client silent for longer than it is relayed', async () => {
    harness = await startHarness(['DS'], { upstreamConnect: 'lazy', connectTimeoutMs: 150 });
    const { reader: client } = connect(harness.address);
    await connected(client.socket);
    await sleep(400); // past the timeout, had it started at accept
    client.socket.write('VER 1 MSNP8 CVR0\r\n');
    const up = await (harness.servers.get('DS') as FakeServer).accept();
    cleanups.push(() => up.socket.destroy());
    expect((await up.read(18)).toString('latin1')).toBe('VER 1 MSNP8 CVR0\r\n');
    up.socket.write('VER 1 MSNP8\r\n');
    expect((await client.read(13)).toString('latin1')).toBe('VER 1 MSNP8\r\n');
    await sleep(300); // and the timeout, cleared once connected, does not fire later
    expect(client.ended).toBe(false);
    client.socket.end();
    await up.end();
    up.socket.end();
    await client.closed;

    const { conn, frames } = await onlyConnection();
    expect(conn.closeReason).toBe('client closed');
    expect(frames).toEqual(['VER 1 MSNP8 CVR0\r\n', 'VER 1 MSNP8\r\n']);
  });

  it('a first write far larger than a socket buffer, then a FIN, reaches the upstream whole, in order, then the FIN', async () => {
    harness = await startHarness(['DS'], { upstreamConnect: 'lazy' });
    const payload = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 131 + (i >> 12)) & 0xff;
    const first = Buffer.concat([Buffer.from(`VER 1 MSNP8 CVR0\r\nMSG 2 N ${payload.length}\r\n`, 'latin1'), payload]);
    const { reader: client } = connect(harness.address);
    client.socket.end(first); // all of it at once, and the end, before the upstream exists
    const up = await (harness.servers.get('DS') as FakeServer).accept();
    cleanups.push(() => up.socket.destroy());
    const got = await up.read(first.length);
    expect(got.equals(first)).toBe(true);
    await up.end(); // the FIN came after every byte
    up.socket.end();
    await client.closed;

    const { conn, chunks, frames } = await onlyConnection();
    expect(chunks.equals(first)).toBe(true); // every read captured, in order
    expect(Buffer.from(frames.join(''), 'latin1').equals(first)).toBe(true); // and every byte in a frame
    expect(conn.closeReason).toBe('client closed');
  });

  it('the first line split at every offset: relayed and framed the same each time', async () => {
    harness = await startHarness(['DS'], { upstreamConnect: 'lazy' });
    const line = Buffer.from('VER 1 MSNP18 MSNP17 CVR0\r\n', 'latin1');
    for (let cut = 1; cut < line.length; cut++) {
      const { reader: client } = connect(harness.address);
      await connected(client.socket);
      client.socket.write(line.subarray(0, cut));
      const up = await (harness.servers.get('DS') as FakeServer).accept();
      cleanups.push(() => up.socket.destroy());
      await up.read(cut);
      client.socket.end(line.subarray(cut));
      expect((await up.read(line.length - cut)).length).toBe(line.length - cut);
      await up.end();
      up.socket.end('VER 1 MSNP18\r\n');
      expect((await client.read(14)).toString('latin1')).toBe('VER 1 MSNP18\r\n');
      await client.closed;
    }
    await harness.stop();
    const store = CaptureStore.open(harness.file, { readonly: true });
    try {
      const conns = store.listConnections();
      expect(conns).toHaveLength(line.length - 1);
      for (const c of conns) {
        expect(store.listFrames(c.id).map((f) => [f.dir, f.bytes.toString('latin1'), f.command, f.issues])).toEqual([
          ['c2s', line.toString('latin1'), 'VER', []], ['s2c', 'VER 1 MSNP18\r\n', 'VER', []],
        ]);
        expect(c.closeReason).toBe('client closed');
      }
    } finally {
      store.close();
    }
  });

  it('an unreachable upstream: the client that spoke is closed, the capture says why and keeps what it sent', async () => {
    const port = await freePort();
    harness = await startHarness([], { upstream: `127.0.0.1:${port}`, upstreamConnect: 'lazy' });
    const { reader } = connect(harness.address);
    await connected(reader.socket);
    reader.socket.write('VER 1 MSNP8 CVR0\r\n');
    await reader.end(); // a FIN, not a reset: the proxy had read what the client sent
    reader.socket.end();
    await reader.closed;
    expect(reader.buffered.length).toBe(0);

    const { conn, chunks, frames } = await onlyConnection();
    expect(conn.closeReason).toBe(`upstream 127.0.0.1:${port} refused the connection`);
    // Unlike eager mode, the proxy had read the client's first bytes: they are in the capture.
    expect(chunks.toString('latin1')).toBe('VER 1 MSNP8 CVR0\r\n');
    expect(frames).toEqual(['VER 1 MSNP8 CVR0\r\n']);
  });

  it('proxy shutdown with silent clients: each is closed and recorded, none reached the upstream', async () => {
    harness = await startHarness(['DS'], { upstreamConnect: 'lazy' });
    const ds = harness.servers.get('DS') as FakeServer;
    const clients = Array.from({ length: 20 }, () => connect(harness?.address as string).reader);
    await Promise.all(clients.map((c) => connected(c.socket)));
    await sleep(50);
    await harness.stop();
    await Promise.all(clients.map(async (c) => {
      await c.end();
      c.socket.end();
      await c.closed;
    }));
    expect(ds.offered).toBe(0);
    const store = CaptureStore.open(harness.file, { readonly: true });
    try {
      const reasons = store.listConnections().map((c) => c.closeReason);
      expect(reasons).toEqual(Array(20).fill(`test finished${NOT_CONTACTED}`));
    } finally {
      store.close();
    }
  });
});
