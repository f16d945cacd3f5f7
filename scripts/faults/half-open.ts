// The half-open fault: many clients connect through the real CLI proxy (some sending half a line) and go
// silent without FIN, while a normal session runs through the same proxy; then they all go away and the
// proxy must record each close. The clients live in a child process (half-open-clients.ts), the fake
// servers here, the proxy in its own: each process holds one descriptor per half-open connection, the
// proxy two (with `--upstream-connect lazy`, two only for those that sent something), so the count is
// capped by the open-file limit (`ulimit -n`) where it is lower.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CaptureStore } from '../../proxy/capture/store.js';
import type { FakeServer } from '../../test/helpers/playbook.js';
import type { UpstreamConnect } from '../../proxy/relay/relay.js';
import { type Exit, ROOT, startCli } from './cli.js';
import { compareCapture, playSession, readCapture, startServers } from './session.js';

const CLIENTS = fileURLToPath(new URL('./half-open-clients.ts', import.meta.url));
/** Descriptors the proxy needs besides two per relayed connection (listeners, SQLite, stdio, Node's own). */
const RESERVE_FDS = 200;
const HALF_LINE = 'VER 1 MSNP8 CV';

export interface HalfOpenResult {
  asked: number;
  upstreamConnect: UpstreamConnect;
  /** Half-open connections actually opened (asked, or what the fd limit allows). */
  count: number;
  fdLimit: number;
  capped: boolean;
  /** Connections of theirs that reached the upstream (eager: all; lazy: those that sent half a line). */
  upstreamConnections: number;
  rssBefore: number;
  rssWith: number;
  rssPerConnection: number;
  /** The normal session, alone then beside the half-open connections (ms). */
  sessionAloneMs: number;
  sessionBesideMs: number;
  /** Mismatches between what the normal session sent and what the capture holds (empty: none). */
  captureProblems: string[];
  /** Half-open connections recorded in the capture as open while they were. */
  recordedOpen: number;
  /** Close reasons recorded for the half-open connections, with counts. */
  closeReasons: Record<string, number>;
  /** From the clients' close to every close recorded in the capture (ms; includes polling the file). */
  closesRecordedMs: number;
  /** From the clients' close to the proxy logging the last of them (ms). */
  closesLoggedMs: number;
  /** CPU time the proxy spent meanwhile (ms). */
  closesCpuMs: number;
  /** Those of them that sent half a line and have it as their only frame, flagged truncated. */
  halfLinesCaptured: number;
  exit: Exit;
}

/** The soft open-file limit of this process (children inherit it). */
export function fdLimit(): number {
  return Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
}

/** The child with the clients: resolves `open N` progress, sends `close`. */
function spawnClients(address: string, count: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLIENTS, address, String(count)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiters: Array<(line: string) => boolean> = [];
  lines.on('line', (line) => {
    for (const [i, w] of waiters.entries()) if (w(line)) waiters.splice(i, 1);
  });
  const next = (what: RegExp, ms: number) => new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`half-open clients: no "${what.source}" within ${ms} ms`)), ms);
    waiters.push((line) => {
      if (line.startsWith('failed')) {
        clearTimeout(timer);
        reject(new Error(`half-open clients: ${line}`));
        return true;
      }
      const m = what.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
      return m !== null;
    });
  });
  return {
    opened: (n: number) => next(new RegExp(`^open ${n}$`), 120_000),
    close: () => {
      const closed = next(/^closed (\d+)$/, 60_000);
      child.stdin.write('close\n');
      return closed;
    },
    end: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.stdin.end();
    }),
    kill: () => child.kill('SIGKILL'),
  };
}

async function until(what: string, done: () => boolean, ms: number, every = 250): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

/** Clients that send half a line: every other one (the odd ones, as half-open-clients.ts numbers them). */
export const speakers = (count: number) => Math.floor(count / 2);

/** The most half-open connections whose descriptors fit in the proxy under `limit`. */
export function fitting(limit: number, upstreamConnect: UpstreamConnect): number {
  const room = Math.max(0, limit - RESERVE_FDS);
  // Eager: two each. Lazy: one each and one more for each that spoke, n + ⌊n/2⌋ ≤ room.
  return upstreamConnect === 'eager' ? Math.floor(room / 2) : Math.floor((2 * room + 1) / 3);
}

export async function halfOpen(asked: number, upstreamConnect: UpstreamConnect = 'eager'): Promise<HalfOpenResult> {
  const limit = fdLimit();
  const count = Math.max(0, Math.min(asked, fitting(limit, upstreamConnect)));
  const dir = mkdtempSync(join(tmpdir(), 'msnp-half-open-'));
  const file = join(dir, 'capture.sqlite');
  const servers = await startServers();
  const cli = await startCli({ upstream: servers.upstream, capture: file, upstreamConnect });
  let clients: ReturnType<typeof spawnClients> | null = null;
  const upstreamSides: net.Socket[] = [];
  try {
    // A first session warms the proxy up; its memory after is the baseline.
    let t = performance.now();
    const alone = await playSession(servers.servers, cli.address, 1);
    const sessionAloneMs = performance.now() - t;
    await sleep(200);
    const rssBefore = cli.rss();

    const ds = servers.servers.get('DS') as FakeServer;
    const offeredBefore = ds.offered;
    clients = spawnClients(cli.address, count);
    await clients.opened(count);
    // Those that reached the upstream (eager: every one; lazy: those that spoke): take them off the fake
    // server's queue, so that the next session's connection is the next one it accepts. Each ends when
    // its client does.
    const expected = upstreamConnect === 'eager' ? count : speakers(count);
    for (let i = 0; i < expected; i++) {
      const side = (await ds.accept()).socket;
      side.on('end', () => side.end());
      side.on('error', () => {});
      upstreamSides.push(side);
    }
    await sleep(500);
    const upstreamConnections = ds.offered - offeredBefore;
    if (upstreamConnections !== expected) throw new Error(`${upstreamConnections} of the half-open connections reached the upstream, expected ${expected} (${upstreamConnect})`);
    const rssWith = cli.rss();

    t = performance.now();
    const beside = await playSession(servers.servers, cli.address, 2); // throws at the first byte out of place
    const sessionBesideMs = performance.now() - t;

    // Each is in the capture as an open connection, before any goes.
    let recordedOpen = 0;
    await until('the half-open connections in the capture', () => {
      recordedOpen = readCapture(file, (store) => store.listConnections().filter((c) => c.label.startsWith('conn') && c.closeReason === null).length);
      return recordedOpen >= count;
    }, 30_000, 500);

    // The proxy logs every close: counting the lines is cheap, where reading 10,000 rows of the capture
    // in a loop would hold up this process, which plays the upstream ends of those connections.
    const closeLines = () => [...cli.stderr().matchAll(/^\[([^\]]+)\] info: connection \d+ .* closed: /gm)].map((m) => Date.parse(m[1] as string));
    const sessionConnections = Object.keys(alone.frames).length + Object.keys(beside.frames).length;
    await until('the normal sessions\' closes', () => closeLines().length >= sessionConnections, 30_000, 100);
    const closeSent = Date.now();
    const closedAt = performance.now();
    const cpuBefore = cli.cpuMs();
    await clients.close();
    await until(`${count} closes in the proxy's log`, () => closeLines().length >= sessionConnections + count, 120_000, 100);
    const closesLoggedMs = Math.max(...closeLines()) - closeSent;
    const closesCpuMs = cli.cpuMs() - cpuBefore;
    const halfOpenRows = (store: CaptureStore) => store.listConnections().filter((c) => c.label.startsWith('conn'));
    await until(`${count} closes in the capture`, () => readCapture(file, (store) => halfOpenRows(store).filter((c) => c.closeReason !== null).length) >= count, 120_000, 100);
    const closesRecordedMs = performance.now() - closedAt;
    const closeReasons: Record<string, number> = {};
    let halfLinesCaptured = 0;
    readCapture(file, (store) => {
      for (const c of halfOpenRows(store)) {
        if (c.closeReason !== null) closeReasons[c.closeReason] = (closeReasons[c.closeReason] ?? 0) + 1;
        if (c.frames !== 1) continue;
        const [row] = store.listFrames(c.id);
        if (row?.bytes.toString('latin1') === HALF_LINE && row.issues.some((i) => i.startsWith('truncated'))) halfLinesCaptured++;
      }
    });

    const exit = await cli.stop('SIGTERM');
    // Both normal sessions, in full: the first and the one beside the half-open connections.
    const captureProblems = readCapture(file, (store) => {
      const sessions = store.listSessions().filter((s) => s.handle === 'alice@example.com');
      if (sessions.length !== 2) return [`${sessions.length} sessions of alice@example.com, expected 2`];
      return [...compareCapture(store, alone, sessions[0]?.id), ...compareCapture(store, beside, sessions[1]?.id)];
    });
    return {
      asked, upstreamConnect, count, fdLimit: limit, capped: count < asked, upstreamConnections, rssBefore, rssWith,
      rssPerConnection: count > 0 ? (rssWith - rssBefore) / count : 0,
      sessionAloneMs, sessionBesideMs, captureProblems, recordedOpen, closeReasons, closesRecordedMs, closesLoggedMs, closesCpuMs, halfLinesCaptured, exit,
    };
  } finally {
    clients?.kill();
    for (const s of upstreamSides) s.destroy();
    await cli.stop('SIGKILL');
    await servers.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
