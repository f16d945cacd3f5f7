// Peers misbehaving through the real CLI proxy: the upstream resets in the middle of a payload, a client
// vanishes in the middle of one, the upstream stops answering or stops reading while another session
// runs through the same proxy. Each checks what both ends received and what the capture recorded.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FrameRow } from '../../proxy/capture/store.js';
import { ByteReader, type FakeServer } from '../../test/helpers/playbook.js';
import { type CliProxy, startCli } from './cli.js';
import type { Checks } from './result.js';
import { compareCapture, playSession, readCapture, type Servers, startServers } from './session.js';

interface Pair {
  client: ByteReader;
  server: ByteReader;
  errors: { client: string[]; server: string[] };
}

/** A proxy (real CLI) with fake servers, torn down after `body`. */
async function withProxy(name: string, body: (cli: CliProxy, servers: Servers, file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `msnp-${name}-`));
  const file = join(dir, 'capture.sqlite');
  const servers = await startServers();
  const cli = await startCli({ upstream: servers.upstream, capture: file });
  try {
    await body(cli, servers, file);
  } finally {
    await cli.stop('SIGKILL');
    await servers.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A client on the proxy and the dispatch server's end, past `VER`. */
async function pair(cli: CliProxy, servers: Servers): Promise<Pair> {
  const [host, port] = [cli.address.slice(0, cli.address.lastIndexOf(':')), Number(cli.address.split(':').pop())];
  const socket = net.connect({ host, port, allowHalfOpen: true });
  const errors = { client: [] as string[], server: [] as string[] };
  socket.on('error', (e: NodeJS.ErrnoException) => errors.client.push(e.code ?? e.message));
  const client = new ByteReader(socket);
  const server = await (servers.servers.get('DS') as FakeServer).accept();
  server.socket.on('error', (e: NodeJS.ErrnoException) => errors.server.push(e.code ?? e.message));
  socket.write('VER 1 MSNP8 CVR0\r\n');
  await server.read(18);
  server.socket.write('VER 1 MSNP8\r\n');
  await client.read(13);
  return { client, server, errors };
}

/** The first connection's close reason and frames, once the proxy has stopped (SIGTERM flushes). */
async function firstConnection(cli: CliProxy, file: string): Promise<{ reason: string | null; rows: FrameRow[] }> {
  await cli.stop('SIGTERM');
  return readCapture(file, (store) => {
    const [conn] = store.listConnections();
    return { reason: conn?.closeReason ?? null, rows: conn ? store.listFrames(conn.id) : [] };
  });
}

const lastIssues = (rows: FrameRow[]) => rows.at(-1)?.issues.filter((i) => !i.startsWith('layout')) ?? [];

export async function upstreamReset(c: Checks): Promise<void> {
  await withProxy('reset', async (cli, servers, file) => {
    const p = await pair(cli, servers);
    const partial = Buffer.from('MSG Hotmail Hotmail 100\r\n0123456789', 'latin1');
    p.server.socket.write(partial);
    const got = await p.client.read(partial.length);
    p.server.socket.resetAndDestroy();
    await p.client.closed;
    c.check(got.equals(partial), 'the client did not get the partial frame as sent');
    c.check(p.errors.client.join() === 'ECONNRESET', `client saw ${p.errors.client.join() || 'no error'}`);
    const { reason, rows } = await firstConnection(cli, file);
    c.check(reason === 'upstream error: ECONNRESET', `close reason ${reason}`);
    c.check(lastIssues(rows).some((i) => i.startsWith('truncated')), `last frame issues ${JSON.stringify(lastIssues(rows))}`);
    c.set('client got', `the partial frame (${got.length} B) then ${p.errors.client.join() || 'nothing'}`);
    c.set('close reason', reason ?? 'none');
    c.set('last frame', lastIssues(rows).join('; '));
  });
}

export async function clientVanishes(c: Checks): Promise<void> {
  await withProxy('vanish', async (cli, servers, file) => {
    const p = await pair(cli, servers);
    const partial = Buffer.from('MSG 2 A 100\r\nMIME-Versi', 'latin1');
    p.client.socket.write(partial);
    const got = await p.server.read(partial.length);
    p.client.socket.resetAndDestroy();
    await p.server.closed;
    c.check(got.equals(partial), 'the server did not get the partial frame as sent');
    c.check(p.errors.server.join() === 'ECONNRESET', `server saw ${p.errors.server.join() || 'no error'}`);
    const { reason, rows } = await firstConnection(cli, file);
    c.check(reason === 'client error: ECONNRESET', `close reason ${reason}`);
    c.check(lastIssues(rows).some((i) => i.startsWith('truncated')), `last frame issues ${JSON.stringify(lastIssues(rows))}`);
    c.set('server got', `the partial frame (${got.length} B) then ${p.errors.server.join() || 'nothing'}`);
    c.set('close reason', reason ?? 'none');
    c.set('last frame', lastIssues(rows).join('; '));
  });
}

/**
 * One upstream stops answering, another stops reading (24 MB sent at it); a full session runs beside
 * them through the same proxy. Then the first client gives up (FIN) and the second server resets.
 */
export async function upstreamStalls(c: Checks): Promise<void> {
  await withProxy('stall', async (cli, servers, file) => {
    const silent = await pair(cli, servers);
    silent.client.socket.write('CHG 2 NLN 0\r\n');
    await silent.server.read(13); // read, never answered

    const deaf = await pair(cli, servers);
    const rssBefore = cli.rss();
    deaf.server.socket.pause();
    const frame = (i: number) => `MSG ${i + 2} U 1000\r\n${String.fromCharCode(0x41 + (i % 26)).repeat(1000)}`;
    const data = Buffer.from(Array.from({ length: 24_000 }, (_, i) => frame(i)).join(''), 'latin1');
    for (let at = 0; at < data.length; at += 65_536) deaf.client.socket.write(data.subarray(at, at + 65_536));
    await sleep(1000);

    const started = performance.now();
    const played = await playSession(servers.servers, cli.address, 9); // throws at the first byte out of place
    c.set('session beside the stalls (ms)', Math.round(performance.now() - started));
    c.set('proxy RSS growth while stalled (MiB)', ((cli.rss() - rssBefore) / 1048576).toFixed(1));
    c.check(silent.client.buffered.length === 0 && !silent.client.ended && silent.errors.client.length === 0, 'the silent server\'s client was disturbed');
    c.check(!deaf.client.ended && deaf.errors.client.length === 0, 'the deaf server\'s client was disturbed');
    c.set('stalled clients', 'connected, nothing unexpected received');

    silent.client.socket.end();
    await silent.server.end();
    silent.server.socket.end();
    deaf.server.socket.destroy(); // gives up with everything unread: a reset
    await Promise.all([silent.client.closed, deaf.client.closed]);
    await sleep(200);
    await cli.stop('SIGTERM');
    readCapture(file, (store) => {
      const [s, d] = store.listConnections();
      c.check(s?.closeReason === 'client closed', `silent: close reason ${s?.closeReason}`);
      c.check(/^upstream error: (ECONNRESET|EPIPE)$/.test(d?.closeReason ?? ''), `deaf: close reason ${d?.closeReason}`);
      const read = d ? store.listFrames(d.id).filter((r) => r.dir === 'c2s').reduce((n, r) => n + r.bytes.length, 0) : 0;
      c.check(read < data.length, 'the proxy read everything from the deaf server\'s client');
      c.set('close reasons', `${s?.closeReason}; ${d?.closeReason}`);
      c.set('read from the client of the deaf server (MiB of 24)', (read / 1048576).toFixed(1));
      for (const p of compareCapture(store, played)) c.check(false, `session: ${p}`);
    });
  });
}
