// The web inspector in Debian's chromium (playwright-core, no downloaded browser), each figure against a
// baseline measured in the same run and the same browser:
//   live lag   frames pumped at BROWSER_RATE frames/s (20,000) for BROWSER_SECONDS (6 s) by a client and a
//              fake server (a child process) through the real proxy, its CaptureStore and the inspector
//              (MsnpProxy + the inspector thread, in another child, as the CLI runs them); each frame carries
//              its send time, read back from the rows as they enter the page at the live edge, and its
//              commit time is noted (store.onCommit) to split the lag into capture and display.
//              Baseline: the same frames sent over a plain WebSocket to a page that draws the last rows
//              on each animation frame.
//   open       navigation → the frame painting the first rows of a 1,000,000-frame capture
//              (proxy/server/dev/seed-million.ts, cached in the temp directory between runs under a hash
//              of the seeder and the schema), cold and warm. Baseline: a static page with as many plain
//              rows as the inspector shows (plainRowsHtml), served over HTTP and timed the same way.
//   scroll     frame intervals (requestAnimationFrame) while scrolling 240 px a frame through the million
//              rows, in rounds interleaved with the same scroll over a static page of plain rows.
// Absolute figures are for information; the ratios are what compare across machines.
//
// `node --import tsx bench/browser.ts child …` runs the children (see childMain at the end).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CaptureStore } from '../proxy/capture/store.js';
import { MsnpProxy } from '../proxy/relay/proxy.js';
import { type Inspector, startInspector } from '../proxy/server/serve.js';
import { startInspectorThread } from '../proxy/server/threaded.js';
import { buildWebApp, countLiveResets, findChromium, launch, plainRowsHtml } from '../test/browser/browser.js';
import { type Child, ROOT, freePort, percentile, sleep, spawnChild, tempDir } from './harness.js';

const RATE = Number(process.env.BROWSER_RATE ?? 20_000);
const SECONDS = Number(process.env.BROWSER_SECONDS ?? 6);
const MILLION = Number(process.env.BROWSER_FRAMES ?? 1_000_000);
/** BROWSER_PARTS: the parts to run, comma-separated (`lag`, `million`; default both). */
const PARTS = new Set((process.env.BROWSER_PARTS ?? 'lag,million').split(',').map((p) => p.trim()));
const WARM_RUNS = 5;
const SCROLL_ROUNDS = 4;
const SCROLL_FRAMES = 90; // per round: ~1.5 s at 60 Hz, so ~6 s of scrolling per page
const SCROLL_STEP = 240; // px per frame (14,400 px/s at 60 Hz), as the million test's fling
const LAG_TARGET_MS = 250;
const OPEN_TARGET_MS = 1000;
const VIEWPORT = { width: 1440, height: 900 };
const SEEDER = join(ROOT, 'proxy/server/dev/seed-million.ts');
const SELF = fileURLToPath(import.meta.url);

/** Rows of both pages: `… u<seq>@example.com … T<send time in ms since the epoch>`. */
const MARKER = String.raw`u(\d+)@example\.com\S*\s+\S*?T(\d+(?:\.\d+)?)`;

const wallNow = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------------
// In-page code, as strings: the bench's tsconfig has no DOM, and the inspector's CSP forbids eval (page
// scripts only; playwright's evaluate is not subject to it).

/**
 * Watches `root` for rows carrying a marker; records, for each row beyond the newest one seen so far
 * (the live edge: not rows that come back into view when the list moves), the wall-clock lag between
 * its send time and the DOM change that brought it in (MutationObserver: before the paint).
 */
function probeScript(root: string, rows: string): string {
  return `(() => {
    const root = document.querySelector(${JSON.stringify(root)});
    const re = new RegExp(${JSON.stringify(MARKER)});
    const out = { seq: [], at: [], lag: [], maxSeq: -1 };
    const scan = () => {
      const now = performance.timeOrigin + performance.now();
      const edge = out.maxSeq;
      for (const row of root.querySelectorAll(${JSON.stringify(rows)})) {
        const m = re.exec(row.textContent);
        if (!m) continue;
        const seq = Number(m[1]);
        if (seq <= edge) continue;
        out.seq.push(seq);
        out.at.push(now);
        out.lag.push(now - Number(m[2]));
        if (seq > out.maxSeq) out.maxSeq = seq;
      }
    };
    new MutationObserver(scan).observe(root, { childList: true, subtree: true, characterData: true });
    window.__probe = out;
    return true;
  })()`;
}

interface ProbeResult {
  seq: number[];
  at: number[];
  lag: number[];
  maxSeq: number;
}

/**
 * Scrolls `selector` by `step` px on each of `frames` animation frames, recording frame intervals;
 * with `placeholders`, also how many frames showed rows still loading.
 */
function scrollScript(selector: string, step: number, frames: number, placeholders: string | null): string {
  return `new Promise((resolve) => {
    const el = document.querySelector(${JSON.stringify(selector)});
    const gaps = [];
    let last = 0;
    let blank = 0;
    const tick = (t) => {
      if (last) gaps.push(t - last);
      last = t;
      ${placeholders ? `if (el.querySelector(${JSON.stringify(placeholders)})) blank++;` : ''}
      if (gaps.length >= ${frames}) {
        resolve({ gaps, blank, scrollTop: el.scrollTop });
        return;
      }
      el.scrollTop += ${step};
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })`;
}

interface ScrollResult {
  gaps: number[];
  blank: number;
  scrollTop: number;
}

/** The baseline's page: a plain WebSocket, the last rows drawn on each animation frame (text only, as the inspector). */
function feedPageHtml(rows: number): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>
    body { margin: 0; font: 13px system-ui; } #v { height: 800px; overflow: hidden; }
    .r { display: grid; grid-template-columns: 104px 38px 44px 44px 48px 1fr; height: 24px; align-items: center; white-space: nowrap; }
    .r span { overflow: hidden; text-overflow: ellipsis; } .r:nth-child(odd) { background: #f4f5f7; }
  </style></head><body><div id="v"></div><script>
    const ROWS = ${rows};
    const v = document.getElementById('v');
    const rows = [];
    for (let i = 0; i < ROWS; i++) {
      const r = document.createElement('div');
      r.className = 'r';
      for (let j = 0; j < 6; j++) r.appendChild(document.createElement('span'));
      v.appendChild(r);
      rows.push(r);
    }
    // Messages are buffered and drawn once per animation frame, as any page would at this rate.
    let tail = [];
    let seq = 0;
    let drawing = false;
    const draw = () => {
      drawing = false;
      const clock = new Date().toISOString().slice(11, 23);
      for (let i = 0; i < tail.length; i++) {
        const cells = rows[i].children;
        cells[0].textContent = clock;
        cells[1].textContent = 'S→C';
        cells[2].textContent = 'ns1';
        cells[3].textContent = 'NLN';
        cells[4].textContent = String(seq++ % 1000);
        cells[5].textContent = tail[i];
      }
    };
    window.startFeed = (url) => new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => resolve(true);
      ws.onerror = () => reject(new Error('websocket error'));
      ws.onmessage = (event) => {
        const lines = event.data.split('\\r\\n');
        lines.pop();
        tail = tail.length + lines.length <= ROWS ? tail.concat(lines) : tail.concat(lines.slice(-ROWS)).slice(-ROWS);
        if (!drawing) {
          drawing = true;
          requestAnimationFrame(draw);
        }
      };
    });
  </script></body></html>`;
}

// ---------------------------------------------------------------------------------------------------
// Figures

interface Stats {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

function stats(samples: ArrayLike<number>): Stats {
  const sorted = Float64Array.from(samples).sort();
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.length ? (sorted[sorted.length - 1] as number) : NaN };
}

const ms = (v: number) => `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ms`.padStart(9);
const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '∞');
const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
const statLine = (s: Stats) => `p50 ${ms(s.p50)}  p95 ${ms(s.p95)}  max ${ms(s.max)}  (${s.n} rows)`;

// ---------------------------------------------------------------------------------------------------
// live lag

interface BenchChild {
  child: Child;
  lines: string[];
  /** Resolves with the first stdout line matching. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
}

async function spawnBenchChild(args: string[]): Promise<BenchChild & { ready: RegExpMatchArray }> {
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const { child, match } = await spawnChild(process.execPath, ['--import', 'tsx', SELF, 'child', ...args], {
    ready: /^ready(?: (.+))?$/,
    readyTimeoutMs: 30_000,
    onLine: (line) => {
      lines.push(line);
      for (const w of waiters) w();
    },
  });
  const waitFor = (re: RegExp, timeoutMs: number) => new Promise<RegExpMatchArray>((resolveLine, reject) => {
    const check = () => {
      for (const line of lines) {
        const m = re.exec(line);
        if (m) {
          waiters.delete(check);
          clearTimeout(timer);
          resolveLine(m);
          return;
        }
      }
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`bench child ${args[0]}: no ${re} within ${timeoutMs} ms; it said ${JSON.stringify(lines.slice(-3))}\n${child.tail()}`));
    }, timeoutMs);
    waiters.add(check);
    check();
  });
  return { child, lines, waitFor, ready: match as RegExpMatchArray };
}

/** The probe's samples once the page showed frame `lastSeq`, or what it has when `timeoutMs` ran out. */
async function readProbe(page: Page, lastSeq: number, timeoutMs: number): Promise<ProbeResult> {
  const deadline = Date.now() + timeoutMs;
  let probe = (await page.evaluate('window.__probe')) as ProbeResult;
  while (probe.maxSeq < lastSeq && Date.now() < deadline) {
    await sleep(100);
    probe = (await page.evaluate('window.__probe')) as ProbeResult;
  }
  return probe;
}

async function getJson(url: string): Promise<unknown> {
  return new Promise((resolveJson, reject) => {
    http.get(url, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (piece: string) => { body += piece; });
      response.on('end', () => {
        try {
          resolveJson(JSON.parse(body));
        } catch (error) {
          reject(error);
        }
      });
    }).on('error', reject).setTimeout(10_000, function (this: http.ClientRequest) { this.destroy(new Error(`${url}: no answer`)); });
  });
}

/** What the `serve` child reports: when each sequence number was committed, problems. */
interface ServeReport {
  commitAt: Array<number | null>;
  logs: string[];
}

async function benchLiveLag(browser: Browser, webRoot: string, dir: string): Promise<void> {
  const total = RATE * SECONDS;
  const serverPort = await freePort();
  const context = await browser.newContext({ viewport: VIEWPORT });
  const children: Child[] = [];
  try {
    // The proxy, its capture and the inspector in a process of their own (as the CLI runs them), so
    // that this process driving the browser does not share their event loop.
    const serve = await spawnBenchChild(['serve', String(serverPort), webRoot, join(dir, 'live.sqlite'), String(total)]);
    children.push(serve.child);
    const [proxyPort, reportPort, url] = (serve.ready[1] ?? '').split(' ') as [string, string, string];
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const resets = countLiveResets(page);
    await page.goto(url);
    await page.locator('[data-testid=ws-status]', { hasText: /^live$/ }).waitFor();
    await page.locator('[data-testid=shown]', { hasText: /^0 shown/ }).waitFor();
    await page.evaluate(probeScript('[data-testid=frames]', '[data-testid=frame-row]'));

    // Through the proxy into the inspector.
    const pump = await spawnBenchChild(['traffic', String(serverPort), proxyPort, String(RATE), String(SECONDS)]);
    children.push(pump.child);
    const done = await pump.waitFor(/^done (\d+) (\d+)$/, (SECONDS + 30) * 1000);
    const sentRate = Number(done[1]) / (Number(done[2]) / 1000);
    await pump.waitFor(/^received/, 30_000);
    const ours = await readProbe(page, total - 1, 10_000);
    const shown = await page.locator('[data-testid=shown]').textContent();
    const report = (await getJson(`http://127.0.0.1:${reportPort}/`)) as ServeReport;
    await pump.child.stop(5000);
    await page.close();
    await serve.child.stop(5000);

    // The same frames over a plain WebSocket, in a fresh page of the same browser.
    const feed = await spawnBenchChild(['feed', String(RATE), String(SECONDS)]);
    children.push(feed.child);
    const feedPage = await context.newPage();
    await feedPage.goto(`http://127.0.0.1:${feed.ready[1]}/`);
    await feedPage.evaluate(probeScript('#v', '.r'));
    await feedPage.evaluate(`window.startFeed('ws://127.0.0.1:${feed.ready[1]}/feed')`);
    const feedDone = await feed.waitFor(/^done (\d+) (\d+)$/, (SECONDS + 30) * 1000);
    const feedRate = Number(feedDone[1]) / (Number(feedDone[2]) / 1000);
    const base = await readProbe(feedPage, total - 1, 10_000);
    if (base.maxSeq < total - 1) throw new Error(`the plain page never showed frame ${total - 1} (last seen ${base.maxSeq})`);
    await feed.child.stop(5000);

    const commitToRow: number[] = [];
    const sentToCommit: number[] = [];
    for (let i = 0; i < ours.seq.length; i++) {
      const committed = report.commitAt[ours.seq[i] as number];
      if (committed === null || committed === undefined) continue;
      commitToRow.push((ours.at[i] as number) - committed);
      sentToCommit.push(committed - ((ours.at[i] as number) - (ours.lag[i] as number)));
    }
    const e2e = stats(ours.lag);
    const floor = stats(base.lag);
    // A lag that grows second by second is a backlog (the page or the stream not keeping up), not latency.
    const bySecond = (p: ProbeResult) => {
      const sent = p.at.map((at, i) => at - (p.lag[i] as number));
      const t0 = Math.min(...sent);
      const buckets: number[][] = [];
      sent.forEach((t, i) => (buckets[Math.floor((t - t0) / 1000)] ??= []).push(p.lag[i] as number));
      return Array.from(buckets, (b) => (b ? median(b).toFixed(0) : '-')).join('/');
    };
    console.log(`\nlive lag in chromium (${RATE.toLocaleString('en')} frames/s for ${SECONDS} s; sent ${Math.round(sentRate).toLocaleString('en')}/s through the proxy, ${Math.round(feedRate).toLocaleString('en')}/s to the plain page)`);
    console.log(`  baseline: plain WebSocket → page      ${statLine(floor)}`);
    console.log(`  inspector: sent → row in page         ${statLine(e2e)}`);
    console.log(`    of which sent → committed (store)   ${statLine(stats(sentToCommit))}`);
    console.log(`    of which commit → row (hub, WS, UI) ${statLine(stats(commitToRow))}`);
    console.log(`  p50 by second sent, ms: inspector ${bySecond(ours)}; plain WebSocket ${bySecond(base)}`);
    console.log(`  ratio inspector / plain WebSocket: p50 ${ratio(e2e.p50, floor.p50)}, p95 ${ratio(e2e.p95, floor.p95)}; added p95 ${ms(e2e.p95 - floor.p95).trim()}  (target: p95 < ${LAG_TARGET_MS} ms${e2e.p95 < LAG_TARGET_MS ? ', met' : ', MISSED'})`);
    const followed = ours.maxSeq >= total - 1 ? 'followed the tail to the last frame' : `STOPPED following the tail at frame ${ours.maxSeq.toLocaleString('en')} (figures above are up to there)`;
    const problems = [
      ...(pageErrors.length ? [`page errors: ${pageErrors.slice(0, 3).join('; ')}`] : []),
      ...(report.logs.length ? [`proxy/store: ${report.logs.length} problem(s), first: ${report.logs[0]}`] : []),
    ];
    console.log(`  page: "${shown}" after ${total.toLocaleString('en')} frames; ${followed}; live stream to the page: ${resets()} reset(s)${problems.map((p) => `; ${p}`).join('')}`);
  } finally {
    for (const child of children) await child.stop(2000);
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// a million frames: open and scroll

/** The seeded capture, cached in the temp directory under a key of the seeder, the schema and the size. */
async function millionCapture(): Promise<{ file: string; cached: boolean; seconds: number }> {
  const hash = createHash('sha256');
  for (const source of [SEEDER, join(ROOT, 'proxy/capture/schema.ts')]) hash.update(readFileSync(source));
  hash.update(String(MILLION));
  const version = hash.digest('hex').slice(0, 12);
  const prefix = 'msnp-bench-million-';
  const file = join(tmpdir(), `${prefix}${MILLION}-${version}.sqlite`);
  // Older versions of the capture are no use any more, nor seeds left by runs that died.
  for (const name of readdirSync(tmpdir())) {
    const stale = name.startsWith(`${prefix}${MILLION}-`) && !name.startsWith(`${prefix}${MILLION}-${version}.sqlite`);
    const orphan = /^msnp-bench-million-partial-(\d+)\.sqlite/.exec(name);
    if (stale || (orphan && !alive(Number(orphan[1])))) rmSync(join(tmpdir(), name), { force: true });
  }
  if (existsSync(file)) return { file, cached: true, seconds: 0 };
  const partial = join(tmpdir(), `${prefix}partial-${process.pid}.sqlite`);
  rmSync(partial, { force: true });
  const t0 = performance.now();
  const { child } = await spawnChild(process.execPath, ['--import', 'tsx', SEEDER, partial, '--frames', String(MILLION)]);
  const code = await new Promise<number | string>((resolveExit) => {
    const timer = setTimeout(() => void child.stop(1000), 300_000);
    child.proc.once('exit', (c, signal) => {
      clearTimeout(timer);
      resolveExit(c ?? signal ?? '?');
    });
  });
  await child.stop(0);
  if (code !== 0) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(partial + suffix, { force: true });
    throw new Error(`seed-million exited with ${code}: ${child.tail()}`);
  }
  for (const suffix of ['-wal', '-shm']) rmSync(partial + suffix, { force: true });
  renameSync(partial, file);
  return { file, cached: false, seconds: (performance.now() - t0) / 1000 };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A static page on its own HTTP server (a real navigation, as the inspector's). */
async function staticServer(html: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    response.end(html);
  });
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

const FIRST_ROW = '[data-testid=frame-row][data-pos="0"][data-id]';
const plainLastRow = (rows: number) => `[data-testid=frames] .r:nth-child(${rows})`;

/**
 * Run in every document of a context before its own scripts (playwright's init scripts are not subject
 * to the page's CSP): notes when `selector` first matches (a MutationObserver, from the first parsed
 * node on) and then the next animation frame, the one that paints it, in ms since navigation start.
 */
function firstRowsScript(selector: string): string {
  return `(() => {
    let seen = false;
    const check = () => {
      if (seen || !document.querySelector(${JSON.stringify(selector)})) return;
      seen = true;
      observer.disconnect();
      window.__rowsInDom = performance.now();
      requestAnimationFrame(() => { window.__rowsPainted = performance.now(); });
    };
    const observer = new MutationObserver(check);
    observer.observe(document, { childList: true, subtree: true });
    check();
  })()`;
}

/** Navigation start → the frame that paints the first rows (see firstRowsScript). */
async function openMs(page: Page, url: string): Promise<number> {
  await page.goto(url, { waitUntil: 'commit' });
  const handle = await page.waitForFunction(
    () => (globalThis as unknown as { __rowsPainted?: number }).__rowsPainted ?? 0,
    undefined,
    { polling: 100, timeout: 30_000 },
  );
  return Math.round((await handle.jsonValue()) as number);
}

async function benchMillion(browser: Browser, webRoot: string): Promise<void> {
  const capture = await millionCapture();
  const store = CaptureStore.open(capture.file, { readonly: true });
  let inspector: Inspector | null = null;
  const servers: Array<{ close(): Promise<void> }> = [];
  const contexts = [await browser.newContext({ viewport: VIEWPORT }), await browser.newContext({ viewport: VIEWPORT })];
  try {
    inspector = await startInspector({ store, file: capture.file, host: '127.0.0.1', port: 0, webRoot });
    const [ctxOurs, ctxBase] = contexts as [BrowserContext, BrowserContext];
    await ctxOurs.addInitScript(firstRowsScript(FIRST_ROW));
    const page = await ctxOurs.newPage();
    page.setDefaultTimeout(30_000);
    // Cold: a fresh server (first query) and a fresh browser context (nothing cached).
    const cold = await openMs(page, inspector.url);
    await page.locator('[data-testid=shown]', { hasText: /^[\d,]+ shown/ }).waitFor();
    const visibleRows = await page.locator('[data-testid=frame-row]').count();
    const plain = await staticServer(plainRowsHtml(visibleRows));
    servers.push(plain);
    await ctxBase.addInitScript(firstRowsScript(plainLastRow(visibleRows)));
    const basePage = await ctxBase.newPage();
    basePage.setDefaultTimeout(30_000);
    const baseCold = await openMs(basePage, plain.url);
    // Warm: opened again, interleaved.
    const warm: number[] = [];
    const baseWarm: number[] = [];
    for (let i = 0; i < WARM_RUNS; i++) {
      await basePage.bringToFront();
      baseWarm.push(await openMs(basePage, plain.url));
      await page.bringToFront();
      warm.push(await openMs(page, inspector.url));
    }
    const warmMs = median(warm);
    const baseWarmMs = median(baseWarm);
    console.log(`\nopening a ${MILLION.toLocaleString('en')}-frame capture in chromium (${capture.cached ? 'cached capture' : `seeded in ${capture.seconds.toFixed(0)} s`}; navigation → first rows, ${visibleRows} rows in view)`);
    console.log(`  baseline: static page of ${visibleRows} plain rows   cold ${ms(baseCold)}   warm ${ms(baseWarmMs)} (median of ${WARM_RUNS}: ${baseWarm.join('/')})`);
    console.log(`  inspector                              cold ${ms(cold)}   warm ${ms(warmMs)} (median of ${WARM_RUNS}: ${warm.join('/')})`);
    console.log(`  ratio inspector / static page: cold ${ratio(cold, baseCold)}, warm ${ratio(warmMs, baseWarmMs)}  (target: < ${OPEN_TARGET_MS} ms${Math.max(cold, warmMs) < OPEN_TARGET_MS ? ', met' : `, ${warmMs < OPEN_TARGET_MS ? 'met warm, missed cold' : 'MISSED'}`})`);

    // Scrolling: the million rows from the middle down, against a static page of plain rows from its top.
    await page.bringToFront();
    await page.evaluate(`(() => { document.querySelector('[data-testid=frames]').scrollTop = 2000000; })()`);
    await page.locator('[data-testid=frame-row][data-id]').first().waitFor();
    await sleep(300);
    const plainCount = Math.ceil((SCROLL_FRAMES * SCROLL_STEP + 900) / 24) + 100;
    await basePage.setContent(plainRowsHtml(plainCount));
    const ours: number[] = [];
    const theirs: number[] = [];
    let blank = 0;
    for (let round = 0; round < SCROLL_ROUNDS; round++) {
      await basePage.bringToFront();
      await basePage.evaluate(`(() => { document.querySelector('[data-testid=frames]').scrollTop = 0; })()`);
      const b = (await basePage.evaluate(scrollScript('[data-testid=frames]', SCROLL_STEP, SCROLL_FRAMES, null))) as ScrollResult;
      theirs.push(...b.gaps);
      await page.bringToFront();
      const o = (await page.evaluate(scrollScript('[data-testid=frames]', SCROLL_STEP, SCROLL_FRAMES, '[data-testid=frame-row]:not([data-id])'))) as ScrollResult;
      ours.push(...o.gaps);
      blank += o.blank;
    }
    const so = stats(ours);
    const sb = stats(theirs);
    const fps = (gaps: number[]) => (gaps.length / gaps.reduce((a, b) => a + b, 0)) * 1000;
    console.log(`\nscrolling it in chromium (${SCROLL_STEP} px a frame, ${SCROLL_ROUNDS} interleaved rounds of ${SCROLL_FRAMES} frames each)`);
    console.log(`  baseline: static page of ${plainCount.toLocaleString('en')} plain rows   frame p50 ${ms(sb.p50)}  p95 ${ms(sb.p95)}  max ${ms(sb.max)}  ${fps(theirs).toFixed(1)} fps`);
    console.log(`  inspector, 1,000,000 rows            frame p50 ${ms(so.p50)}  p95 ${ms(so.p95)}  max ${ms(so.max)}  ${fps(ours).toFixed(1)} fps; ${((blank / (SCROLL_ROUNDS * SCROLL_FRAMES)) * 100).toFixed(0)}% of frames showed rows still loading`);
    console.log(`  ratio inspector / static page: frame p50 ${ratio(so.p50, sb.p50)}, p95 ${ratio(so.p95, sb.p95)}, fps ${ratio(fps(ours), fps(theirs))}`);
  } finally {
    for (const context of contexts) await context.close();
    for (const server of servers) await server.close();
    await inspector?.close();
    store.close();
  }
}

// ---------------------------------------------------------------------------------------------------

export async function benchBrowser(): Promise<void> {
  let chromium: string | null;
  try {
    chromium = findChromium();
  } catch (error) {
    chromium = null;
    console.log(`\nbrowser: ${(error as Error).message}`);
  }
  if (!chromium) {
    console.log('\nbrowser: no chromium found (apt-get install chromium, or set CHROMIUM_PATH); skipped');
    return;
  }
  const tmp = tempDir('browser');
  let browser: Browser | null = null;
  try {
    const webRoot = join(tmp.dir, 'web');
    const [, launched] = await Promise.all([buildWebApp(webRoot), launch(chromium)]);
    browser = launched;
    // One part failing does not keep the others from reporting.
    const failed: string[] = [];
    const parts: Array<[string, () => Promise<void>]> = [
      ...(PARTS.has('lag') ? [['live lag', () => benchLiveLag(launched, webRoot, tmp.dir)] as [string, () => Promise<void>]] : []),
      ...(PARTS.has('million') ? [['million frames', () => benchMillion(launched, webRoot)] as [string, () => Promise<void>]] : []),
    ];
    for (const [name, part] of parts) {
      try {
        await part();
      } catch (error) {
        console.error(`\nbrowser, ${name}: FAILED: ${(error as Error).stack ?? error}`);
        failed.push(name);
      }
    }
    if (failed.length > 0) throw new Error(`${failed.join(', ')} failed (see above)`);
  } finally {
    await browser?.close();
    tmp.remove();
  }
}

// ---------------------------------------------------------------------------------------------------
// The children, `node --import tsx bench/browser.ts child MODE …`; each prints `ready [ARGS]` once set up.
//   serve SERVER_PORT WEB_ROOT FILE TOTAL   the proxy (upstream SERVER_PORT), its CaptureStore on FILE and
//       the inspector serving WEB_ROOT live; `ready PROXY_PORT REPORT_PORT URL`. GET on REPORT_PORT answers
//       a ServeReport (commit times by sequence number, up to TOTAL).
//   traffic SERVER_PORT PROXY_PORT RATE SECONDS   a fake server on SERVER_PORT sending `NLN` frames at RATE
//       a second, each with its send time, to a client that connected through the proxy on PROXY_PORT;
//       `done FRAMES MS` when the last is sent, `received BYTES` once the client has read them all.
//   feed RATE SECONDS   serves the baseline page and sends it the same frames over a WebSocket;
//       `ready PORT`, then `done FRAMES MS`.

/** Calls `send` with the frames due every millisecond (RATE a second, from the first call). */
function pace(rate: number, seconds: number, send: (text: string) => void, finished: (frames: number, ms: number) => void): void {
  const total = rate * seconds;
  const t0 = performance.now();
  let seq = 0;
  const timer = setInterval(() => {
    const elapsed = performance.now() - t0;
    const due = Math.min(total, Math.floor((elapsed * rate) / 1000) + 1);
    if (due <= seq) return;
    const t = wallNow().toFixed(1);
    let out = '';
    for (; seq < due; seq++) out += `NLN NLN u${seq}@example.com T${t} 0\r\n`;
    send(out);
    if (seq >= total) {
      clearInterval(timer);
      finished(seq, performance.now() - t0);
    }
  }, 1);
}

async function childServe(serverPort: number, webRoot: string, file: string, total: number): Promise<void> {
  const logs: string[] = [];
  const log = (level: string, message: string) => { if (level !== 'info' && logs.length < 100) logs.push(message); };
  const store = CaptureStore.open(file, { log });
  const commitAt = new Float64Array(total).fill(NaN);
  store.onCommit((batch) => {
    const now = wallNow();
    for (const f of batch.frames) {
      const text = f.bytes.toString('latin1', 0, 40);
      const at = text.indexOf(' u');
      if (at < 0) continue;
      const seq = Number.parseInt(text.slice(at + 2), 10);
      if (seq >= 0 && seq < total) commitAt[seq] = now;
    }
  });
  const proxy = await MsnpProxy.start({ listen: { host: '127.0.0.1', port: 0 }, upstream: { host: '127.0.0.1', port: serverPort }, store, log });
  // On its own thread, at a lower priority, as the CLI runs it.
  const inspector = await startInspectorThread({
    store, file, host: '127.0.0.1', port: 0, webRoot, log,
    live: { listen: `127.0.0.1:${proxy.address.port}`, upstream: `127.0.0.1:${serverPort}` },
  });
  const report = http.createServer((_request, response) => {
    const body: ServeReport = {
      commitAt: Array.from(commitAt, (t) => (Number.isNaN(t) ? null : Math.round(t * 10) / 10)),
      logs,
    };
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => report.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  process.stdout.write(`ready ${proxy.address.port} ${(report.address() as net.AddressInfo).port} ${inspector.url}\n`);
}

async function childTraffic(serverPort: number, proxyPort: number, rate: number, seconds: number): Promise<void> {
  let expected = -1;
  let received = 0;
  const client = new net.Socket();
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    let head = '';
    const onData = (data: Buffer) => {
      head += data.toString('latin1');
      if (!head.includes('\r\n')) return;
      socket.off('data', onData);
      socket.resume();
      let sent = 0;
      const reply = 'VER 1 MSNP12 CVR0\r\n';
      socket.write(reply);
      sent += reply.length;
      pace(rate, seconds, (text) => {
        socket.write(text);
        sent += text.length;
      }, (frames, elapsed) => {
        expected = sent;
        process.stdout.write(`done ${frames} ${Math.round(elapsed)}\n`);
        check();
      });
    };
    socket.on('data', onData);
  });
  const check = () => {
    if (expected < 0 || received < expected) return;
    process.stdout.write(`received ${received}\n`);
    client.end();
    server.close();
  };
  await new Promise<void>((r, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: serverPort }, () => r());
  });
  client.setNoDelay(true);
  client.on('data', (data) => {
    received += data.length;
    check();
  });
  client.on('error', (error) => {
    process.stderr.write(`traffic client: ${error.message}\n`);
    process.exit(1);
  });
  client.connect({ host: '127.0.0.1', port: proxyPort }, () => {
    client.write('VER 1 MSNP12 CVR0\r\n');
    process.stdout.write('ready\n');
  });
}

async function childFeed(rate: number, seconds: number): Promise<void> {
  const { default: fastify } = await import('fastify');
  const { default: websocket } = await import('@fastify/websocket');
  const app = fastify();
  await app.register(websocket);
  const html = feedPageHtml(45);
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
  app.get('/feed', { websocket: true }, (socket) => {
    socket.on('error', () => {});
    pace(rate, seconds, (text) => socket.send(text), (frames, elapsed) => {
      process.stdout.write(`done ${frames} ${Math.round(elapsed)}\n`);
    });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`ready ${(app.server.address() as net.AddressInfo).port}\n`);
}

async function childMain(args: string[]): Promise<void> {
  // The parent going away must not leave this behind.
  setInterval(() => { if (process.ppid === 1) process.exit(0); }, 1000).unref();
  const [mode, ...rest] = args;
  const n = rest.map(Number);
  if (mode === 'serve' && rest.length === 4) await childServe(n[0] as number, rest[1] as string, rest[2] as string, n[3] as number);
  else if (mode === 'traffic' && n.length === 4) await childTraffic(n[0] as number, n[1] as number, n[2] as number, n[3] as number);
  else if (mode === 'feed' && n.length === 2) await childFeed(n[0] as number, n[1] as number);
  else {
    process.stderr.write('usage: bench/browser.ts child serve SERVER_PORT WEB_ROOT FILE TOTAL | traffic SERVER_PORT PROXY_PORT RATE SECONDS | feed RATE SECONDS\n');
    process.exit(2);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === SELF && process.argv[2] === 'child') await childMain(process.argv.slice(3));
