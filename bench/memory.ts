// Memory of the proxy process (the real CLI, capture on), sampled from /proc/PID/status:
//  (a) RSS growth while 1 GiB of switchboard traffic goes through one connection, half each way
//      (8 KiB MSG frames; the capture writes every byte to SQLite: this measures the process, not the file);
//  (b) RSS with many idle connections, each relayed to a server that accepts and says nothing.
import net from 'node:net';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { type Child, fdLimit, mib, openFds, rssOf, sleep, spawnProxy, spawnRelayChild, spawnServer, tempDir } from './harness.js';
import { messageBlock } from './traffic.js';

const STREAM_BYTES = Number(process.env.MEMORY_BYTES ?? 1024 * 1048576); // both directions together (0: skip)
const WARMUP_BYTES = 10 * 1048576;
const STREAM_TIMEOUT_MS = 900_000;
const GROWTH_TARGET = 20 * 1048576;
/** `fixed`: every client MSG has TrID 1 (diagnostic); default: TrIDs count up, as a real client's do. */
const TRIDS = process.env.MEMORY_TRIDS === 'fixed' ? 'fixed' : 'counting';

const IDLE_TARGET = Number(process.env.IDLE_CONNECTIONS ?? 10_000); // 0: skip
const IDLE_BATCH = 250;
const IDLE_TIMEOUT_MS = 180_000;

async function streamThroughProxy(): Promise<void> {
  const tmp = tempDir('memory-stream');
  const started: Child[] = [];
  let socket: net.Socket | null = null;
  try {
    const half = Math.floor(STREAM_BYTES / 2);
    const server = await spawnServer('stream', [String(half)]);
    started.push(server.child);
    const file = join(tmp.dir, 'stream.sqlite');
    let sent = 0;
    let received = 0;
    let start = -1; // RSS once WARMUP_BYTES went through
    let max = 0;
    // --trace-gc (on the proxy's stdout) splits RSS into V8 heap and the rest: the heap after each full GC
    // is what is really live; committed heap and off-heap memory (Buffers, SQLite, malloc) make up RSS.
    const gc = { fullGcs: 0, liveAfterFull: 0, maxLiveAfterFull: 0, maxCommitted: 0, atWarmup: -1 };
    const proxy = await spawnProxy(server.port, file, ['--trace-gc'], (line) => {
      const m = /: (Scavenge|Mark-Compact|Minor Mark-Compact|Mark-Sweep)[^\d]*?([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB/.exec(line);
      if (!m) return;
      const committed = Number(m[5]) * 1048576;
      if (start >= 0) gc.maxCommitted = Math.max(gc.maxCommitted, committed);
      if (m[1] === 'Mark-Compact') {
        gc.fullGcs++;
        gc.liveAfterFull = Number(m[4]) * 1048576;
        if (start < 0) gc.atWarmup = gc.liveAfterFull;
        else gc.maxLiveAfterFull = Math.max(gc.maxLiveAfterFull, gc.liveAfterFull);
      }
    });
    started.push(proxy.child);
    const pid = proxy.child.pid;
    const fresh = rssOf(pid);

    let samples = 0;
    const timeline: Array<{ bytes: number; rss: number }> = [];
    const sample = () => {
      const rss = rssOf(pid);
      samples++;
      timeline.push({ bytes: sent + received, rss });
      if (start < 0 && sent + received >= WARMUP_BYTES) start = rss;
      if (start >= 0) max = Math.max(max, rss);
    };
    const sampler = setInterval(sample, 100);
    const t0 = performance.now();
    try {
      await new Promise<void>((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port: proxy.port, allowHalfOpen: true });
        socket = s;
        s.setNoDelay(true);
        const timer = setTimeout(() => reject(new Error(`stream not done after ${STREAM_TIMEOUT_MS / 1000} s: sent ${sent}, received ${received}`)), STREAM_TIMEOUT_MS);
        s.on('error', (error) => { clearTimeout(timer); reject(error); });
        s.on('data', (data) => { received += data.length; });
        s.on('end', () => {
          clearTimeout(timer);
          if (received !== half) reject(new Error(`received ${received} of ${half} bytes`));
          else resolve();
        });
        let trId = 1;
        const pump = () => {
          while (sent < half) {
            let block = messageBlock('c2s', 8, 8192, trId, TRIDS === 'fixed');
            trId += 8;
            if (block.length > half - sent) block = block.subarray(0, half - sent);
            sent += block.length;
            if (!s.write(block)) {
              s.once('drain', pump);
              return;
            }
          }
          s.end();
        };
        s.once('connect', pump);
      });
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - t0) / 1000;
    sample();
    const end = rssOf(pid);
    (socket as net.Socket | null)?.destroy();
    socket = null;
    await sleep(1000);
    const afterClose = rssOf(pid);
    const code = await proxy.child.stop(120_000);
    if (code !== 0) throw new Error(`proxy exited with ${code}: ${proxy.child.tail()}`);
    // Capture store warnings (a write failing and retried) explain a queue, and so RSS, growing.
    const warnings = proxy.child.tail().split('\n').filter((line) => /capture store (warn|error)/.test(line));
    if (warnings.length > 0) console.log(`  the proxy logged:\n    ${warnings.join('\n    ')}`);

    // Everything relayed was captured: the reads add up to what went through, each way.
    const db = new Database(file, { readonly: true });
    const sums = db.prepare('SELECT dir, sum(length) AS bytes FROM chunks GROUP BY dir').all() as Array<{ dir: string; bytes: number }>;
    const frames = (db.prepare('SELECT count(*) AS n FROM frames').get() as { n: number }).n;
    db.close();
    for (const dir of ['c2s', 's2c']) {
      const got = sums.find((r) => r.dir === dir)?.bytes ?? 0;
      if (got !== half) throw new Error(`capture holds ${got} bytes ${dir}, expected ${half}`);
    }
    const size = statSync(file).size;

    const growth = max - start;
    const gcLine = gc.fullGcs === 0 ? 'no full GC seen' : `${gc.fullGcs} full GCs; live heap after full GC: ${gc.atWarmup >= 0 ? `${mib(gc.atWarmup)} before warm-up end, ` : ''}max ${mib(gc.maxLiveAfterFull)}, last ${mib(gc.liveAfterFull)}; max committed V8 heap ${mib(gc.maxCommitted)}`;
    console.log(`\nproxy RSS while relaying ${mib(2 * half)} (${mib(half)} each way, 8 KiB MSG frames, ${TRIDS} client TrIDs) through one connection`);
    console.log(`  ${seconds.toFixed(1)} s, ${(2 * half / 1048576 / seconds).toFixed(0)} MiB/s relayed; ${frames} frames and every byte captured (${mib(size)} file); ${samples} samples`);
    console.log(`  RSS fresh ${mib(fresh)}, after ${mib(WARMUP_BYTES)} warm-up ${mib(start)}, max ${mib(max)}, at the end ${mib(end)}, 1 s after close ${mib(afterClose)}`);
    console.log(`  growth (max − after warm-up): ${mib(growth)} (target < ${mib(GROWTH_TARGET)})${growth >= GROWTH_TARGET ? '  ABOVE TARGET' : ''}`);
    // Linear growth is a leak; a plateau is the heap settling to its working size.
    const at = (fraction: number) => timeline.find((t) => t.bytes >= fraction * 2 * half)?.rss ?? end;
    console.log(`  RSS by bytes relayed: 25% ${mib(at(0.25))}, 50% ${mib(at(0.5))}, 75% ${mib(at(0.75))}, 100% ${mib(end)}; growth over the second half ${mib(max - at(0.5))}`);
    console.log(`  V8 (--trace-gc): ${gcLine}`);
  } finally {
    (socket as net.Socket | null)?.destroy();
    for (const child of started.reverse()) await child.stop();
    tmp.remove();
  }
}

interface IdleResult {
  count: number;
  before: number;
  after: number;
  fds: number;
  /** Average and marginal (second half) bytes per connection. */
  per: number;
  marginal: number;
  limit: { soft: number; hard: number };
  failure: string | null;
}

/** Opens idle connections through a relay process (in batches, each confirmed by the idle server) and samples its RSS. */
async function idleConnections(relay: 'proxy' | 'pipe'): Promise<IdleResult> {
  const tmp = tempDir('memory-idle');
  const started: Child[] = [];
  const sockets: net.Socket[] = [];
  let accepted = 0;
  try {
    const server = await spawnServer('idle', [], (line) => {
      const m = /^accepted (\d+)$/.exec(line);
      if (m) accepted = Number(m[1]);
    });
    started.push(server.child);
    const through = relay === 'proxy'
      ? await spawnProxy(server.port, join(tmp.dir, 'idle.sqlite'))
      : await spawnRelayChild('pipe', server.port);
    started.push(through.child);
    const pid = through.child.pid;
    await sleep(1000);
    const before = rssOf(pid);

    // Each relayed connection holds two descriptors in the relay (client and upstream side); the bench
    // process and the idle server one each. All inherit this process's limit.
    const limit = fdLimit();
    const margin = 64;
    const fit = Math.min(
      Math.floor((limit.soft - openFds(pid) - margin) / 2),
      limit.soft - openFds(process.pid) - margin,
      limit.soft - openFds(server.child.pid) - margin,
    );
    const target = Math.max(0, Math.min(IDLE_TARGET, fit));

    const deadline = Date.now() + IDLE_TIMEOUT_MS;
    const waitFor = async (what: string, ok: () => boolean) => {
      const until = Math.min(deadline, Date.now() + 15_000);
      while (!ok()) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await sleep(20);
      }
    };
    let mid: { count: number; rss: number } | null = null;
    let failure: string | null = null;
    while (sockets.length < target && failure === null) {
      const batch = Math.min(IDLE_BATCH, target - sockets.length);
      const results = await Promise.all(Array.from({ length: batch }, () => new Promise<string | null>((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port: through.port });
        s.once('connect', () => { sockets.push(s); resolve(null); });
        s.once('error', (error) => resolve(error.message));
      })));
      failure = results.find((r) => r !== null) ?? null;
      const opened = sockets.length;
      await waitFor(`${opened} connections to reach the idle server (it has ${accepted})`, () => accepted >= opened);
      if (mid === null && opened >= target / 2) mid = { count: opened, rss: rssOf(pid) };
    }
    await sleep(2000);
    const count = accepted;
    let after = 0;
    for (let i = 0; i < 5; i++) { // settled: the largest of a few samples
      after = Math.max(after, rssOf(pid));
      await sleep(200);
    }
    const fds = openFds(pid);
    for (const s of sockets) s.destroy();
    sockets.length = 0;
    await waitFor('the idle server to see every connection closed', () => accepted === 0).catch(() => {});
    return {
      count, before, after, fds, limit, failure,
      per: (after - before) / Math.max(1, count),
      marginal: mid && count > mid.count ? (after - mid.rss) / (count - mid.count) : NaN,
    };
  } finally {
    for (const s of sockets) s.destroy();
    for (const child of started.reverse()) await child.stop();
    tmp.remove();
  }
}

async function idle(): Promise<void> {
  const proxy = await idleConnections('proxy');
  const pipe = await idleConnections('pipe');
  const kib = (v: number) => `${(v / 1024).toFixed(1)} KiB`;
  console.log(`\nRSS with ${proxy.count} idle relayed connections (opened in batches of ${IDLE_BATCH}, each confirmed at the idle server)`);
  if (proxy.count < IDLE_TARGET) {
    const raise = proxy.limit.hard > proxy.limit.soft ? `; raise it with \`ulimit -n ${Math.min(proxy.limit.hard, 2 * IDLE_TARGET + 200)}\` before npm run bench` : ' (the hard limit too, so it cannot be raised without privileges)';
    console.log(`  only ${proxy.count} of ${IDLE_TARGET}: the open-file limit (ulimit -n) is ${proxy.limit.soft}${raise}; a relay needs 2 descriptors per connection${proxy.failure ? `; connecting failed: ${proxy.failure}` : ''}`);
  }
  for (const [name, r] of [['proxy', proxy], ['bare Node relay', pipe]] as const) {
    console.log(`  ${name.padEnd(15)} RSS before ${mib(r.before)}, after ${mib(r.after)} (${r.count} connections, ${r.fds} fds): ${kib(r.per)} per connection, ${kib(r.marginal)} marginal (second half)`);
  }
  console.log(`  ratio proxy / bare Node relay, bytes per connection: ${(proxy.per / pipe.per).toFixed(2)} (the difference, ${kib(proxy.per - pipe.per)}, is the proxy's own state: capture, decoder, rewriter, records)`);
}

export async function benchMemory(): Promise<void> {
  if (STREAM_BYTES > 0) await streamThroughProxy();
  if (IDLE_TARGET > 0) await idle();
}
