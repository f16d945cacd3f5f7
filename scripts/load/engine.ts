// The load test: N scripted clients (mixed versions, ramped up) signing in, changing presence and chatting
// on switchboards in a loop for a duration, through the real proxy (CLI child, capture and live inspector
// on) to the scripted servers (a child), with the inspector open in chromium; a few clients alongside go
// to the servers directly, as the latency baseline. Afterwards every byte and frame each end counted is
// held against the capture. Used by scripts/load.ts and test/load/load-slice.test.ts.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildWebApp } from '../../test/browser/browser.js';
import { writerMode } from '../../proxy/capture/store.js';
import { launcherNodeArgs } from '../launcher.js';
import { type CaptureTotals, readCapture } from './capture-check.js';
import { type ClientResult, runClient } from './client.js';
import { type InspectorPage, type PagePoll, openInspector } from './inspector-page.js';
import { type Resident, cpuSecondsOf, residentOf, treeCpuSecondsOf } from '../proc.js';
import { type LoopSample, ROOT, startProxy } from './proxy-child.js';
import type { Role, ServerReport } from './server.js';
import type { FromServer, ToServer } from './server-child.js';
import { VERSIONS } from './shapes.js';
import { type Counts, addCounts, zeroCounts } from './wire.js';

export interface LoadOptions {
  clients: number;
  durationS: number;
  /** Clients start evenly over this many seconds. */
  rampS: number;
  thinkMs: number;
  rounds: number;
  messages: number;
  /** Clients connecting to the servers directly (latency baseline). */
  directClients: number;
  /** Proxy RSS sampling interval. */
  sampleS: number;
  /** Open the inspector in chromium (required under CI). */
  browser: boolean;
  seed: number;
  /** Node flags for the proxy in place of its launcher's own (its shebang's), to try other memory settings. */
  nodeFlags: string[] | null;
  /** The proxy's `--capture-writer` (where its SQLite writes run). */
  captureWriter: 'auto' | 'thread' | 'inline';
  /** Keep the run's directory (capture file, proxy log) instead of removing it; its path is in the report. */
  keep: boolean;
  /** Progress lines. */
  log: (line: string) => void;
}

export const DEFAULTS: LoadOptions = {
  clients: 1000, durationS: 600, rampS: 60, thinkMs: 2000, rounds: 2, messages: 2, directClients: 20, sampleS: 5,
  browser: true, seed: 1, nodeFlags: null, captureWriter: 'auto', keep: false, log: () => {},
};

/** One direction's comparison: what each end counted and what the capture holds. */
export interface Check {
  what: string;
  client: number;
  server: number;
  capture: number;
  ok: boolean;
}

/** Request kinds that are the first on their connection (client.ts). */
const OPENING = new Set(['VER', 'SB USR', 'ANS']);

export interface LatencyStats { n: number; p50: number; p99: number; mean: number }

export interface LoadReport {
  options: Omit<LoadOptions, 'log'>;
  /** The run's directory when kept (load.sqlite, proxy.log), else null. */
  kept: string | null;
  machine: { cpus: number; node: string };
  /** The node flags the proxy ran with (its launcher's unless --node-flags). */
  proxyNodeFlags: string[];
  /** Where the proxy's SQLite writes ran. */
  captureWriter: 'thread' | 'inline';
  /** Seconds: the whole run, and the time from the first client start until the last client finished. */
  elapsedS: number;
  loadS: number;
  clients: {
    started: number; completed: number; failed: number; sessions: number; minSessions: number;
    byVersion: Record<string, { clients: number; sessions: number }>;
    errors: string[];
  };
  direct: { clients: number; completed: number; sessions: number; errors: string[] };
  /** Frames and bytes both ways, and rates over the load period. */
  traffic: { c2sFrames: number; s2cFrames: number; c2sBytes: number; s2cBytes: number; framesPerS: number; bytesPerS: number };
  checks: Check[];
  /** Client handles whose own counts differ from what the capture holds for their sessions. */
  handleMismatches: string[];
  lost: { frames: number; bytes: number };
  capture: Omit<CaptureTotals, 'byHandle'> & { fileBytes: number };
  server: { proxied: Omit<ServerReport, 'byHandle'>; direct: Omit<ServerReport, 'byHandle'> };
  latency: {
    proxied: LatencyStats; direct: LatencyStats; addedP50: number; addedP99: number;
    /** The first request of each new connection (its wait to be accepted included), and all the others. */
    opening: { proxied: LatencyStats; direct: LatencyStats };
    inSession: { proxied: LatencyStats; direct: LatencyStats };
    byKind: Record<string, { proxied: LatencyStats; direct: LatencyStats }>;
  };
  memory: {
    samples: Array<{ t: number } & Resident>;
    startRss: number; warmRss: number; endRss: number; maxRss: number;
    /** Least-squares slope of RSS over the second half of the load period, bytes per minute. */
    secondHalfSlope: number;
    /** RSS split after warm-up and at the end (anonymous: heaps and malloc; file-backed; shared), and each part's second-half slope (bytes/min). */
    parts: Record<'anon' | 'file' | 'shmem', { warm: number; end: number; secondHalfSlope: number }>;
    /**
     * The main thread's V8 heap in use just after a full GC (what is live, bytes): after warm-up, at the
     * end, at most, and its second-half slope (bytes/min); the plain heap in use at most; memory held
     * outside the heap (buffers) at the end.
     */
    heap: HeapSummary;
    /** The same for the inspector's thread (null when the probe saw none). */
    inspectorHeap: HeapSummary | null;
    proxyCpuS: number;
  };
  /**
   * CPU seconds used during the load by each party sharing the machine: the proxy, chromium (all its
   * processes), the scripted servers, and this process (the clients); and what the cores offered.
   */
  cpu: { proxyS: number; chromiumS: number; serversS: number; clientsS: number; availableS: number };
  /** The proxy's event-loop delay (ms) over 5-s windows: median and worst window p99, worst single delay; its CPU share. */
  proxyLoop: { windows: number; p99Median: number; p99Max: number; max: number; cpuMean: number; cpuMax: number };
  proxy: { exit: { code: number | null; signal: NodeJS.Signals | null }; problems: string[]; problemCount: number };
  browser: {
    opened: boolean; polls: number; failedPolls: number; maxShown: number; finalShown: number; followedPolls: number; problems: string[]; lastPolls: PagePoll[];
    /** Live-stream resets the page received and the REST requests it made, by path. */
    resets: number; requests: Record<string, number>;
  } | null;
  /** Everything the run asserts; empty when it passed. */
  failures: string[];
}

export async function runLoad(partial: Partial<LoadOptions> = {}): Promise<LoadReport> {
  const o: LoadOptions = { ...DEFAULTS, ...partial };
  const log = o.log;
  const t0 = performance.now();
  const since = () => (performance.now() - t0) / 1000;
  const dir = mkdtempSync(join(tmpdir(), 'msnp-load-'));
  const capture = join(dir, 'load.sqlite');
  let server: ChildProcess | null = null;
  let proxy: Awaited<ReturnType<typeof startProxy>> | null = null;
  let page: InspectorPage | null = null;
  try {
    // Scripted servers (a child with IPC) and the web build the proxy serves, side by side.
    const webRoot = o.browser ? join(dir, 'web') : null;
    const [servers] = await Promise.all([
      startServers((child) => { server = child; }),
      webRoot ? buildWebApp(webRoot) : Promise.resolve(),
    ]);
    proxy = await startProxy(servers.proxied.DS, capture, webRoot, join(dir, 'proxy.log'), o.nodeFlags, o.captureWriter);
    log(`proxy pid ${proxy.pid} on ${proxy.address}, inspector at ${proxy.inspectorUrl}`);
    if (o.keep) log(`run directory ${dir}`);
    if (o.browser) {
      page = await openInspector(proxy.inspectorUrl);
      log(page ? 'inspector open in chromium' : 'no chromium found: running without the browser');
    }

    const samples: Array<{ t: number } & Resident> = [];
    const pid = proxy.pid;
    const entry = proxy.address;
    const sampleRss = () => {
      try {
        samples.push({ t: since(), ...residentOf(pid) });
      } catch { /* exited */ }
    };
    sampleRss();

    // The clients: versions in turn, started evenly over the ramp; a direct few alongside.
    const latency = { proxied: new Map<string, number[]>(), direct: new Map<string, number[]>() };
    const record = (direct: boolean) => (kind: string, ms: number) => {
      const m = direct ? latency.direct : latency.proxied;
      (m.get(kind) ?? m.set(kind, []).get(kind) as number[]).push(ms);
    };
    const random = mulberry32(o.seed);
    const cpuNow = () => ({
      proxyS: cpuSecondsOf(pid),
      chromiumS: page?.cpuSeconds() ?? 0,
      serversS: treeCpuSecondsOf((server as unknown as ChildProcess).pid as number),
      clientsS: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    });
    const cpuAtStart = cpuNow();
    const loadStart = since();
    const stopAt = loadStart + o.durationS;
    const keepGoing = () => since() < stopAt;
    const plans = [
      ...Array.from({ length: o.clients }, (_, i) => ({ n: i + 1, direct: false })),
      ...Array.from({ length: o.directClients }, (_, i) => ({ n: i + 1, direct: true })),
    ];
    // Both ramps span rampS, so proxied and direct clients start interleaved.
    const startAt = (p: { n: number; direct: boolean }) => loadStart + ((p.n - 1) / Math.max(1, p.direct ? o.directClients : o.clients)) * o.rampS;
    plans.sort((a, b) => startAt(a) - startAt(b));
    const started: Array<Promise<ClientResult>> = [];
    const ramp = (async () => {
      for (const [i, p] of plans.entries()) {
        const at = startAt(p);
        const wait = at - since();
        if (wait > 0) await sleep(wait * 1000);
        const version = VERSIONS[(p.n - 1) % VERSIONS.length] as (typeof VERSIONS)[number];
        started.push(runClient({
          n: p.n, version, direct: p.direct, entry: p.direct ? servers.direct.DS : entry,
          servers: p.direct ? servers.direct : servers.proxied, thinkMs: o.thinkMs, rounds: o.rounds, messages: o.messages,
          keepGoing, latency: record(p.direct), random,
        }));
        if (i % 100 === 99) log(`${started.length} clients started`);
      }
    })();

    // Watch while it runs: RSS every sampleS, the page every 5 s, a progress line every 30 s.
    let running = true;
    const watcher = (async () => {
      let lastPage = 0;
      let lastLog = 0;
      while (running) {
        await sleep(o.sampleS * 1000);
        if (!running) break;
        sampleRss();
        const t = since();
        if (page && t - lastPage >= 5) {
          lastPage = t;
          await page.poll(t);
        }
        if (t - lastLog >= 30) {
          lastLog = t;
          const last = page?.polls.at(-1);
          log(`t=${t.toFixed(0)}s proxy RSS ${mib(samples.at(-1)?.rss ?? 0)}${last ? `, page ${last.ok ? `${last.ws}, ${last.shown} shown` : `not answering: ${last.error}`}` : ''}`);
        }
      }
    })();
    await ramp;
    const results = await Promise.all(started);
    const loadS = since() - loadStart;
    running = false;
    await watcher;
    sampleRss();
    const proxyCpuS = cpuSecondsOf(pid);
    const cpuAtEnd = cpuNow();
    const cpu = {
      proxyS: cpuAtEnd.proxyS - cpuAtStart.proxyS, chromiumS: cpuAtEnd.chromiumS - cpuAtStart.chromiumS,
      serversS: cpuAtEnd.serversS - cpuAtStart.serversS, clientsS: cpuAtEnd.clientsS - cpuAtStart.clientsS,
      availableS: loadS * availableParallelism(),
    };
    log(`all clients finished after ${loadS.toFixed(0)} s of load`);

    // The page once more, once the last frames had time to reach it; closed before the proxy stops
    // (which the page would report as refused reconnections).
    if (page) {
      await sleep(3000);
      await page.poll(since());
      await page.close();
    }
    const exit = await proxy.stop();
    const report = await serverReport(server as unknown as ChildProcess);
    const totals = readCapture(capture);
    return summarize(o, { results, latency, samples, loadStart, loadS, proxyCpuS, cpu, exit, totals, report, page, proxy, fileBytes: statSync(capture).size, elapsed: since(), dir });
  } finally {
    await page?.close().catch(() => {});
    if (proxy && proxy.child.exitCode === null && proxy.child.signalCode === null) proxy.child.kill('SIGKILL');
    const s = server as ChildProcess | null;
    if (s && s.exitCode === null) s.kill('SIGKILL');
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}

interface Servers { proxied: Record<Role, string>; direct: Record<Role, string> }

function startServers(onChild: (child: ChildProcess) => void): Promise<Servers> {
  const child = fork(join(ROOT, 'scripts/load/server-child.ts'), [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  onChild(child);
  return new Promise((resolve, reject) => {
    child.once('message', (m: FromServer) => {
      if (m.type === 'ready') resolve({ proxied: m.proxied, direct: m.direct });
    });
    child.once('exit', (code) => reject(new Error(`the scripted servers exited (${code}) before they were ready`)));
  });
}

async function serverReport(child: ChildProcess): Promise<{ proxied: ServerReport; direct: ServerReport }> {
  const report = await new Promise<{ proxied: ServerReport; direct: ServerReport }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the scripted servers did not report within 30 s')), 30_000);
    child.on('message', (m: FromServer) => {
      if (m.type !== 'report') return;
      clearTimeout(timer);
      resolve(m);
    });
    child.send({ type: 'report' } satisfies ToServer);
  });
  child.send({ type: 'close' } satisfies ToServer);
  return report;
}

interface Collected {
  results: ClientResult[];
  latency: { proxied: Map<string, number[]>; direct: Map<string, number[]> };
  samples: Array<{ t: number } & Resident>;
  loadStart: number;
  loadS: number;
  proxyCpuS: number;
  cpu: LoadReport['cpu'];
  exit: { code: number | null; signal: NodeJS.Signals | null };
  totals: CaptureTotals;
  report: { proxied: ServerReport; direct: ServerReport };
  page: InspectorPage | null;
  proxy: { problems: string[]; problemCount: () => number; loop: LoopSample[] };
  fileBytes: number;
  elapsed: number;
  dir: string;
}

function summarize(o: LoadOptions, c: Collected): LoadReport {
  const failures: string[] = [];
  const proxied = c.results.filter((r) => !r.direct);
  const direct = c.results.filter((r) => r.direct);
  const client = proxied.reduce((sum, r) => addCounts(sum, r.counts), zeroCounts());
  const server = c.report.proxied.total;
  const cap = c.totals;

  // Every byte and frame: client and server ends against the capture. The capture keeps what the server
  // sent; the client got that with the referral addresses rewritten (rewriteDelta bytes more or less).
  const check = (what: string, clientN: number, serverN: number, captureN: number): Check => ({ what, client: clientN, server: serverN, capture: captureN, ok: clientN === serverN && serverN === captureN });
  const checks = [
    check('c2s bytes (reads)', client.c2sBytes, server.c2sBytes, cap.chunks.c2s),
    check('c2s bytes (frames)', client.c2sBytes, server.c2sBytes, cap.frames.c2sBytes),
    check('s2c bytes (reads, as the server sent them)', client.s2cBytes - cap.rewriteDelta, server.s2cBytes, cap.chunks.s2c),
    check('s2c bytes (frames)', client.s2cBytes - cap.rewriteDelta, server.s2cBytes, cap.frames.s2cBytes),
    check('c2s frames', client.c2sFrames, server.c2sFrames, cap.frames.c2sFrames),
    check('s2c frames', client.s2cFrames, server.s2cFrames, cap.frames.s2cFrames),
  ];
  for (const k of checks.filter((k) => !k.ok)) failures.push(`${k.what}: client ${k.client}, server ${k.server}, capture ${k.capture}`);
  const lost = {
    frames: Math.max(0, client.c2sFrames - cap.frames.c2sFrames) + Math.max(0, server.s2cFrames - cap.frames.s2cFrames),
    bytes: Math.max(0, client.c2sBytes - cap.chunks.c2s) + Math.max(0, server.s2cBytes - cap.chunks.s2c),
  };

  // The same per client, through the sessions the proxy linked each connection to.
  const handleMismatches: string[] = [];
  for (const r of proxied) {
    const s = c.report.proxied.byHandle[r.handle] ?? zeroCounts();
    const k = cap.byHandle[r.handle];
    const ok = k !== undefined && k.sessions === r.sessions
      && r.counts.c2sBytes === s.c2sBytes && s.c2sBytes === k.c2sBytes
      && r.counts.s2cBytes - k.rewriteDelta === s.s2cBytes && s.s2cBytes === k.s2cBytes
      && r.counts.c2sFrames === s.c2sFrames && s.c2sFrames === k.c2sFrames
      && r.counts.s2cFrames === s.s2cFrames && s.s2cFrames === k.s2cFrames;
    if (!ok) handleMismatches.push(`${r.handle}: client ${JSON.stringify(r.counts)} ${r.sessions} sessions, server ${JSON.stringify(s)}, capture ${JSON.stringify(k ?? null)}`);
  }
  if (handleMismatches.length > 0) failures.push(`${handleMismatches.length} clients' traffic differs from their sessions in the capture (first: ${handleMismatches[0]})`);
  const foreign = Object.keys(cap.byHandle).filter((h) => !proxied.some((r) => r.handle === h));
  if (foreign.length > 0) failures.push(`capture sessions with handles no client had: ${foreign.slice(0, 5).join(', ')}`);

  const sessions = proxied.reduce((n, r) => n + r.sessions, 0);
  const clientErrors = proxied.flatMap((r) => (r.error ? [r.error] : []));
  if (clientErrors.length > 0) failures.push(`${clientErrors.length} clients failed (first: ${clientErrors[0]})`);
  if (sessions !== cap.sessions) failures.push(`clients ran ${sessions} sessions, the capture holds ${cap.sessions}`);
  const directErrors = direct.flatMap((r) => (r.error ? [r.error] : []));
  if (directErrors.length > 0) failures.push(`${directErrors.length} direct clients failed (first: ${directErrors[0]})`);
  if (c.report.proxied.errors.length > 0) failures.push(`scripted server errors: ${c.report.proxied.errors.slice(0, 3).join('; ')}`);
  if (cap.integrity !== 'ok') failures.push(`capture integrity_check: ${cap.integrity}`);
  if (cap.unclosed > 0) failures.push(`${cap.unclosed} connections have no close recorded`);
  if (c.exit.code !== 0) failures.push(`the proxy exited with ${c.exit.code ?? c.exit.signal}: ${c.proxy.problems.slice(-5).join('\n')}`);
  if (c.proxy.problemCount() > 0) failures.push(`the proxy logged ${c.proxy.problemCount()} warnings/errors (first: ${c.proxy.problems[0]})`);

  // Latency: the same request/reply pairs, through the proxy and direct, in the same run.
  const flat = (m: Map<string, number[]>) => [...m.values()].flat();
  const lp = stats(flat(c.latency.proxied));
  const ld = stats(flat(c.latency.direct));
  const byKind: LoadReport['latency']['byKind'] = {};
  for (const kind of [...c.latency.proxied.keys()].sort()) byKind[kind] = { proxied: stats(c.latency.proxied.get(kind) ?? []), direct: stats(c.latency.direct.get(kind) ?? []) };
  const group = (m: Map<string, number[]>, opening: boolean) => stats([...m.entries()].filter(([k]) => OPENING.has(k) === opening).flatMap(([, v]) => v));
  const opening = { proxied: group(c.latency.proxied, true), direct: group(c.latency.direct, true) };
  const inSession = { proxied: group(c.latency.proxied, false), direct: group(c.latency.direct, false) };

  // Memory: start (proxy ready), after warm-up (ramp done plus a tenth of the run), end of the load, slope of the second half.
  const during = c.samples.filter((s) => s.t <= c.loadStart + c.loadS + 1);
  const warmAt = c.loadStart + o.rampS + o.durationS / 10;
  const half = c.loadStart + c.loadS / 2;
  const warm = during.find((s) => s.t >= warmAt) ?? during.at(-1);
  const part = (k: 'anon' | 'file' | 'shmem') => ({
    warm: warm?.[k] ?? 0, end: during.at(-1)?.[k] ?? 0,
    secondHalfSlope: slope(during.filter((s) => s.t >= half).map((s) => ({ t: s.t, v: s[k] }))) * 60,
  });
  const memory = {
    samples: c.samples,
    startRss: c.samples[0]?.rss ?? 0,
    warmRss: warm?.rss ?? 0,
    endRss: during.at(-1)?.rss ?? 0,
    maxRss: Math.max(...during.map((s) => s.rss)),
    secondHalfSlope: slope(during.filter((s) => s.t >= half).map((s) => ({ t: s.t, v: s.rss }))) * 60,
    parts: { anon: part('anon'), file: part('file'), shmem: part('shmem') },
    heap: heapSummary(threadSamples(c.proxy.loop, 'main'), c.samples[0]?.t ?? 0, { warmAt, half, end: c.loadStart + c.loadS + 1 }),
    inspectorHeap: threadSamples(c.proxy.loop, 'inspector').length === 0 ? null
      : heapSummary(threadSamples(c.proxy.loop, 'inspector'), c.samples[0]?.t ?? 0, { warmAt, half, end: c.loadStart + c.loadS + 1 }),
    proxyCpuS: c.proxyCpuS,
  };

  let browser: LoadReport['browser'] = null;
  if (c.page) {
    const polls = c.page.polls;
    const last = polls.at(-1);
    const followed = polls.filter((p) => p.ok && p.shown > 0 && p.lastRow >= p.shown - 50).length;
    browser = {
      opened: true, polls: polls.length, failedPolls: polls.filter((p) => !p.ok).length,
      maxShown: Math.max(0, ...polls.map((p) => p.shown)), finalShown: last?.shown ?? 0, followedPolls: followed,
      problems: c.page.problems(), lastPolls: polls.slice(-3), ...c.page.traffic(),
    };
    if (browser.failedPolls > 0) failures.push(`the inspector page did not answer ${browser.failedPolls} of ${polls.length} polls (${polls.find((p) => !p.ok)?.error})`);
    if (!last?.ok || last.ws !== 'live') failures.push(`the inspector page's live stream is ${last?.ws ?? 'unknown'} at the end`);
    if (browser.finalShown === 0 || (last?.lastRow ?? -1) < 0) failures.push('the inspector page shows no frames at the end');
    if (browser.problems.length > 0) failures.push(`the inspector page reported: ${browser.problems.slice(0, 3).join('; ')}`);
  } else if (o.browser && process.env.CI) {
    failures.push('the inspector was not opened in chromium');
  }

  const frames = client.c2sFrames + client.s2cFrames;
  const bytes = client.c2sBytes + client.s2cBytes;
  const { log: _log, ...options } = o;
  const strip = ({ byHandle: _b, ...rest }: ServerReport) => rest;
  const { byHandle: _h, ...capture } = cap;
  const byVersion: Record<string, { clients: number; sessions: number }> = {};
  for (const r of proxied) {
    const e = (byVersion[`MSNP${r.version}`] ??= { clients: 0, sessions: 0 });
    e.clients++;
    e.sessions += r.sessions;
  }
  return {
    options,
    kept: o.keep ? c.dir : null,
    machine: { cpus: availableParallelism(), node: process.version },
    proxyNodeFlags: o.nodeFlags ?? launcherNodeArgs(),
    captureWriter: writerMode(o.captureWriter),
    elapsedS: c.elapsed,
    loadS: c.loadS,
    clients: {
      started: proxied.length, completed: proxied.filter((r) => !r.error).length, failed: clientErrors.length, sessions,
      minSessions: Math.min(...proxied.map((r) => r.sessions)), byVersion, errors: clientErrors.slice(0, 20),
    },
    direct: { clients: direct.length, completed: direct.filter((r) => !r.error).length, sessions: direct.reduce((n, r) => n + r.sessions, 0), errors: directErrors.slice(0, 5) },
    traffic: { ...pick(client), framesPerS: frames / c.loadS, bytesPerS: bytes / c.loadS },
    checks, handleMismatches: handleMismatches.slice(0, 20), lost,
    capture: { ...capture, fileBytes: c.fileBytes },
    server: { proxied: strip(c.report.proxied), direct: strip(c.report.direct) },
    latency: { proxied: lp, direct: ld, addedP50: lp.p50 - ld.p50, addedP99: lp.p99 - ld.p99, opening, inSession, byKind },
    memory,
    cpu: c.cpu,
    proxyLoop: loopSummary(threadSamples(c.proxy.loop, 'main')),
    proxy: { exit: c.exit, problems: c.proxy.problems, problemCount: c.proxy.problemCount() },
    browser,
    failures,
  };
}

function loopSummary(loop: LoopSample[]): LoadReport['proxyLoop'] {
  const p99s = loop.map((l) => l.p99).sort((a, b) => a - b);
  return {
    windows: loop.length,
    p99Median: p99s[Math.floor(p99s.length / 2)] ?? NaN,
    p99Max: p99s.at(-1) ?? NaN,
    max: Math.max(...loop.map((l) => l.max)),
    cpuMean: loop.reduce((a, l) => a + l.cpu, 0) / Math.max(1, loop.length),
    cpuMax: Math.max(...loop.map((l) => l.cpu)),
  };
}

const pick = (k: Counts) => ({ c2sFrames: k.c2sFrames, s2cFrames: k.s2cFrames, c2sBytes: k.c2sBytes, s2cBytes: k.s2cBytes });

export function stats(values: number[]): LatencyStats {
  if (values.length === 0) return { n: 0, p50: NaN, p99: NaN, mean: NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
  return { n: sorted.length, p50: at(50), p99: at(99), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

export interface HeapSummary {
  warmLive: number;
  endLive: number;
  maxLive: number;
  secondHalfSlope: number;
  maxUsed: number;
  endExternal: number;
}

const threadSamples = (loop: LoopSample[], thread: LoopSample['thread']) => loop.filter((l) => (l.thread ?? 'main') === thread);

/** The probe's heap figures for one thread; its samples come every 5 s from the thread's start (about `startT`, run seconds). */
function heapSummary(loop: LoopSample[], startT: number, at: { warmAt: number; half: number; end: number }): HeapSummary {
  const samples = loop.map((l, i) => ({ t: startT + 5 * (i + 1), l })).filter((p) => p.t <= at.end);
  const live = samples.filter((p) => p.l.afterFullGc !== null && p.l.afterFullGc !== undefined).map((p) => ({ t: p.t, bytes: p.l.afterFullGc as number }));
  return {
    warmLive: (live.find((p) => p.t >= at.warmAt) ?? live.at(-1))?.bytes ?? 0,
    endLive: live.at(-1)?.bytes ?? 0,
    maxLive: Math.max(0, ...live.map((p) => p.bytes)),
    secondHalfSlope: slope(live.filter((p) => p.t >= at.half).map((p) => ({ t: p.t, v: p.bytes }))) * 60,
    maxUsed: Math.max(0, ...samples.map((p) => p.l.heapUsed ?? 0)),
    endExternal: samples.at(-1)?.l.external ?? 0,
  };
}

/** Least-squares slope of v over t (per second). */
function slope(points: Array<{ t: number; v: number }>): number {
  if (points.length < 2) return NaN;
  const mt = points.reduce((a, p) => a + p.t, 0) / points.length;
  const mv = points.reduce((a, p) => a + p.v, 0) / points.length;
  const num = points.reduce((a, p) => a + (p.t - mt) * (p.v - mv), 0);
  const den = points.reduce((a, p) => a + (p.t - mt) ** 2, 0);
  return den === 0 ? NaN : num / den;
}

export const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
