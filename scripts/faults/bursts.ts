// Signals during a burst of frames through the real CLI proxy: the client sends small frames back to
// back (GROUP to a write, each write once the upstream has the previous one) and the proxy is killed
// (SIGKILL) or stopped (SIGTERM) in the middle. Then: is the capture file intact, and how many of the
// frames the upstream received are missing from it? kill -9 may lose at most the last batch (the store
// writes every BATCH_SIZE records or 50 ms) and the read being captured; SIGTERM must lose none.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type Exit, startCli } from './cli.js';
import { type Checks } from './result.js';
import { readCapture } from './session.js';

export const BATCH_SIZE = 500; // the capture store's default, which the command uses
export const GROUP = 97; // frames per client write; not a divisor of the batch, so kills land anywhere in one

export interface BurstOutcome {
  exit: Exit;
  sent: number;
  /** Frames (lines) the upstream received. */
  received: number;
  captured: number;
  /** The captured frames are the first ones sent, in order, none missing in between. */
  prefix: boolean;
  integrity: string;
  closeReason: string | null;
}

const frameText = (n: number) => `CHG ${n} NLN 0\r\n`;

export async function burst(signal: 'SIGKILL' | 'SIGTERM', atLeast: number): Promise<BurstOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'msnp-burst-'));
  const file = join(dir, 'capture.sqlite');
  let received = 0;
  let onReceived: () => void = () => {};
  let upstreamClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => { upstreamClosed = resolve; });
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('data', (d: Buffer) => {
      for (let i = d.indexOf(0x0a); i >= 0; i = d.indexOf(0x0a, i + 1)) received++;
      onReceived();
    });
    socket.on('error', () => {});
    socket.on('close', () => upstreamClosed());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cli = await startCli({ upstream: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, capture: file });
  const client = net.connect({ host: '127.0.0.1', port: Number(cli.address.split(':')[1]) });
  client.setNoDelay(true);
  client.on('error', () => {});
  try {
    await new Promise((resolve) => client.once('connect', resolve));
    let sent = 0;
    const signalled = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received} frames relayed in 60 s`)), 60_000);
      const more = () => {
        if (received >= atLeast) {
          onReceived = () => {};
          clearTimeout(timer);
          cli.child.kill(signal); // right after the proxy forwarded a read: mid-capture
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
    await Promise.race([signalled, cli.exited.then(() => { throw new Error(`proxy exited by itself: ${cli.stderr()}`); })]);
    const exit = await cli.exited;
    await closed; // every byte the proxy forwarded before it ended has arrived

    const db = new Database(file); // read-write: replays the WAL as the next writer would
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    db.close();
    return readCapture(file, (store) => {
      const [conn] = store.listConnections();
      const rows = conn ? store.listFrames(conn.id) : [];
      let prefix = true;
      for (const [i, row] of rows.entries()) if (row.bytes.toString('latin1') !== frameText(i + 1)) prefix = false;
      return { exit, sent, received, captured: rows.length, prefix, integrity, closeReason: conn?.closeReason ?? null };
    });
  } finally {
    client.destroy();
    for (const s of sockets) s.destroy();
    await cli.stop('SIGKILL');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** kill -9 in `rounds` bursts, each at a different point: lost frames against the batch size. */
export async function killDuringBurst(c: Checks, rounds: number, atLeast: number): Promise<void> {
  const lost: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const o = await burst('SIGKILL', atLeast + i * 1237);
    c.check(o.exit.signal === 'SIGKILL', `round ${i + 1}: exit ${JSON.stringify(o.exit)}`);
    c.check(o.integrity === 'ok', `round ${i + 1}: integrity_check says ${o.integrity}`);
    c.check(o.prefix, `round ${i + 1}: the captured frames are not the first ones sent`);
    c.check(o.captured <= o.sent, `round ${i + 1}: more frames captured than sent`);
    const missing = Math.max(0, o.received - o.captured);
    c.check(missing <= BATCH_SIZE + GROUP, `round ${i + 1}: ${missing} frames lost, more than a batch (${BATCH_SIZE}) and a read (${GROUP})`);
    lost.push(missing);
  }
  c.set('rounds', rounds);
  c.set('frames relayed before the kill', `≥ ${atLeast}`);
  c.set('frames lost (per round)', lost.join(', '));
  c.set('most lost', Math.max(...lost));
  c.set('bound: batch + one read', BATCH_SIZE + GROUP);
  c.set('integrity_check', 'ok in every round');
}

/** SIGTERM in a burst: exit 0, nothing the upstream received is missing, the close says why. */
export async function termDuringBurst(c: Checks, atLeast: number): Promise<void> {
  const o = await burst('SIGTERM', atLeast);
  c.check(o.exit.code === 0, `exit ${JSON.stringify(o.exit)}`);
  c.check(o.integrity === 'ok', `integrity_check says ${o.integrity}`);
  c.check(o.prefix, 'the captured frames are not the first ones sent');
  const missing = Math.max(0, o.received - o.captured);
  c.check(missing === 0, `${missing} frames the upstream received are missing from the capture`);
  c.check(o.closeReason === 'proxy shutdown (SIGTERM)', `close reason ${o.closeReason}`);
  c.set('frames the upstream received', o.received);
  c.set('frames captured', o.captured);
  c.set('frames lost', missing);
  c.set('exit code', o.exit.code ?? `signal ${o.exit.signal}`);
  c.set('close reason', o.closeReason ?? 'none');
}
