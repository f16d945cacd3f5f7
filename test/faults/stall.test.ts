// Upstream stalls: a server that accepts, answers a little, then stops answering (or stops reading) in
// the middle of a session. The stalled client is not harmed (it gets exactly what the server sent and
// stays connected), a full session through the same proxy meanwhile completes byte for byte, the
// capture shows the stall as it is, and the close that ends it later is recorded with its reason.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { decodeSession } from '../../proxy/capture/read-capture.js';
import type { ConnectionRow, FrameRow } from '../../proxy/capture/store.js';
import { compareCapture, playSession } from '../../scripts/faults/session.js';
import { ByteReader, type FakeServer, splitAddress } from '../helpers/playbook.js';
import { type Harness, disposeAfterEach, startHarness } from '../helpers/proxy-harness.js';
import { SERVERS } from '../relay/scenarios.js';

let harness: Harness | null = null;
const cleanups = disposeAfterEach(() => harness, () => (harness = null));

const text = (b: Buffer) => b.toString('latin1');

/** A client on the proxy and the fake dispatch server's end of it, past the VER exchange. */
async function signedIn(h: Harness): Promise<{ client: ByteReader; server: ByteReader; errors: string[] }> {
  const [host, port] = splitAddress(h.address);
  const socket = net.connect({ host, port, allowHalfOpen: true });
  const errors: string[] = [];
  socket.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.message));
  cleanups.push(() => socket.destroy());
  const client = new ByteReader(socket);
  const server = await (h.servers.get('DS') as FakeServer).accept();
  server.socket.on('error', () => {});
  cleanups.push(() => server.socket.destroy());
  socket.write('VER 1 MSNP8 CVR0\r\n');
  expect(text(await server.read(18))).toBe('VER 1 MSNP8 CVR0\r\n');
  server.socket.write('VER 1 MSNP8\r\n');
  expect(text(await client.read(13))).toBe('VER 1 MSNP8\r\n');
  return { client, server, errors };
}

/** The capture so far (everything queued is written first), while the proxy keeps running. */
function connectionNow(h: Harness, id: number): { conn: ConnectionRow; rows: FrameRow[] } {
  expect(h.store.flush()).toBe(true);
  const conn = h.store.listConnections().find((c) => c.id === id) as ConnectionRow;
  return { conn, rows: h.store.listFrames(id) };
}

function firstConnection(h: Harness): number {
  expect(h.store.flush()).toBe(true);
  return (h.store.listConnections()[0] as ConnectionRow).id;
}

const summary = (rows: FrameRow[]) => rows.map((r) => `${r.dir} ${text(r.bytes).split('\r\n')[0]}`);

/** Waits, bounded, for a condition nothing announces. */
async function until(what: string, done: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('upstream stalls', () => {
  for (const closer of ['client', 'server'] as const) {
    it(`stops answering mid-session: the client waits unharmed, another session flows, the ${closer} closes later with a reason`, async () => {
      harness = await startHarness(SERVERS);
      const stalled = await signedIn(harness);
      stalled.client.socket.write('CHG 2 NLN 0\r\nPNG\r\n');
      expect(text(await stalled.server.read(18))).toBe('CHG 2 NLN 0\r\nPNG\r\n'); // and never answers

      // A whole session through the same proxy and the same upstream, while the first one hangs.
      const played = await playSession(harness.servers, harness.address, 5);

      // The stalled client got exactly what its server sent, and is still connected.
      expect(stalled.client.buffered.length).toBe(0);
      expect(stalled.client.ended).toBe(false);
      expect(stalled.errors).toEqual([]);
      const stalledId = firstConnection(harness);
      const during = connectionNow(harness, stalledId);
      expect(during.conn.closeReason).toBeNull();
      expect(summary(during.rows)).toEqual(['c2s VER 1 MSNP8 CVR0', 's2c VER 1 MSNP8', 'c2s CHG 2 NLN 0', 'c2s PNG']);
      // The session's connections all close; the stalled one stays.
      await until('the session to close', () => harness?.proxy.connectionCount === 1);

      if (closer === 'client') {
        stalled.client.socket.end();
        await stalled.server.end();
        stalled.server.socket.end();
      } else {
        stalled.server.socket.end();
        await stalled.client.end();
        stalled.client.socket.end();
      }
      await stalled.client.closed;
      await until('the close to be recorded', () => harness?.proxy.connectionCount === 0);
      const after = connectionNow(harness, stalledId);
      expect(after.conn.closeReason).toBe(closer === 'client' ? 'client closed' : 'upstream closed');
      // Decoded again from the stored reads: the request nobody answered is flagged.
      const decoded = decodeSession(harness.store, after.conn.sessionId).frames;
      expect(decoded.find((f) => f.command === 'CHG')?.issues).toContain('unanswered: no reply to TrID 2');
      expect(compareCapture(harness.store, played)).toEqual([]);
    });
  }

  it('stops reading mid-session: the proxy holds the client back, another session flows, the reset that ends it is recorded', async () => {
    harness = await startHarness(SERVERS);
    const stalled = await signedIn(harness);
    stalled.server.socket.pause(); // the server stops reading
    // 24 MB of MSG frames from the client: far more than the socket buffers on the way can hold.
    const frame = (i: number) => `MSG ${i + 2} U 1000\r\n${String.fromCharCode(0x41 + (i % 26)).repeat(1000)}`;
    const data = Buffer.from(Array.from({ length: 24_000 }, (_, i) => frame(i)).join(''), 'latin1');
    let accepted = 0;
    for (let at = 0; at < data.length; at += 65_536) {
      const piece = data.subarray(at, at + 65_536);
      stalled.client.socket.write(piece, (e) => { if (!e) accepted += piece.length; });
    }

    // The proxy stops reading the client once the server's side is full; what it read stays bounded.
    let proxyRead = 0;
    const stalledId = firstConnection(harness);
    const readNow = () => {
      const { rows } = connectionNow(harness as Harness, stalledId);
      return rows.filter((r) => r.dir === 'c2s').reduce((n, r) => n + r.bytes.length, 0);
    };
    let last = -1;
    let quiet = 0;
    await until('the relay to stall', () => {
      proxyRead = readNow();
      quiet = proxyRead === last ? quiet + 1 : 0;
      last = proxyRead;
      return quiet >= 10;
    });
    expect(proxyRead).toBeLessThan(data.length / 2);
    expect(accepted).toBeLessThan(data.length);

    // Meanwhile another session goes through, complete.
    const played = await playSession(harness.servers, harness.address, 6);
    expect(stalled.client.ended).toBe(false);
    expect(stalled.errors).toEqual([]);
    await until('the session to close', () => harness?.proxy.connectionCount === 1);

    // The server gives up with everything unread: a reset, passed on to the client.
    stalled.server.socket.destroy();
    await stalled.client.closed;
    await until('the close to be recorded', () => harness?.proxy.connectionCount === 0);
    const after = connectionNow(harness, stalledId);
    expect(after.conn.closeReason).toMatch(/^upstream error: (ECONNRESET|EPIPE)$/);
    // What was captured is the start of what the client sent, no more than the proxy read.
    const captured = Buffer.concat(after.rows.filter((r) => r.dir === 'c2s').map((r) => r.bytes));
    expect(captured.length).toBeGreaterThanOrEqual(proxyRead);
    expect(captured.equals(Buffer.concat([Buffer.from('VER 1 MSNP8 CVR0\r\n'), data]).subarray(0, captured.length))).toBe(true);
    expect(captured.length).toBeLessThan(data.length);
    expect(compareCapture(harness.store, played)).toEqual([]);
  });
});
