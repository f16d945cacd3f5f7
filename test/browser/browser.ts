// Browser test helpers: Debian's chromium driven by playwright-core (no downloaded browsers), a build of
// the web app into a temporary directory, and a page watcher that records anything the page must
// never do (dialogs, uncaught errors, CSP violations).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type ConsoleMessage, type Page, chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ARTIFACTS = join(ROOT, 'test-artifacts');

/** The system chromium (CHROMIUM_PATH overrides), or null when none is installed. */
export function findChromium(): string | null {
  const found = lookForChromium();
  // CI installs chromium: there, a missing browser is a failure, not a reason to skip.
  if (!found && process.env.CI) throw new Error('chromium is not installed (CI must install it: apt-get install chromium)');
  return found;
}

function lookForChromium(): string | null {
  const given = process.env.CHROMIUM_PATH;
  if (given) return existsSync(given) ? given : null;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const path = execFileSync('which', [name], { encoding: 'utf8' }).trim();
      if (path) return path;
    } catch {
      // not on PATH
    }
  }
  return null;
}

export function launch(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    timeout: 30_000,
  });
}

/** A page at the desktop size the inspector is designed for; `timeout` for every wait (none: playwright's). */
export async function desktopPage(browser: Browser, timeout?: number): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  if (timeout !== undefined) page.setDefaultTimeout(timeout);
  return page;
}

/** Builds web/ with its own vite config into `outDir` (the test serves that, not web/dist). */
export async function buildWebApp(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'web/vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

export interface PageWatch {
  dialogs: string[];
  errors: string[];
  /** Console errors, CSP violations among them. */
  consoleErrors: string[];
}

export function watch(page: Page): PageWatch {
  const w: PageWatch = { dialogs: [], errors: [], consoleErrors: [] };
  page.on('dialog', (dialog) => {
    w.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => w.errors.push(error.message));
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() === 'error') w.consoleErrors.push(msg.text());
  });
  return w;
}

/** Counts the live-stream resets a page receives (it fell so far behind that its queue was dropped). */
export function countLiveResets(page: Page): () => number {
  let resets = 0;
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
    // A reset is plain JSON, its type first (encodeLive); frames/add rows never start so.
    if (typeof payload === 'string' && payload.startsWith('{"type":"reset"')) resets++;
  }));
  return () => resets;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** The page's `document`, typed just enough for functions run in the page (the test's tsconfig has no DOM). */
interface PageDocument {
  querySelector(selector: string): unknown;
}

/**
 * Resolves when `selector` matches, checked on every animation frame, with the time since navigation
 * start. A function, not a string: the page's CSP forbids eval, which string predicates need.
 */
export async function whenPresent(page: Page, selector: string, timeout = 10_000): Promise<number> {
  const handle = await page.waitForFunction(
    (sel) => {
      const g = globalThis as unknown as { document: PageDocument; performance: { now(): number } };
      return g.document.querySelector(sel) ? g.performance.now() : 0;
    },
    selector,
    { polling: 'raf', timeout },
  );
  return Math.round((await handle.jsonValue()) as number);
}

export interface FlingResult {
  /** Frame-to-frame intervals while scrolling, in ms. */
  p95: number;
  max: number;
  frames: number;
  /** Final scrollTop. */
  scrollTop: number;
}

/** Scrolls `selector` by `step` px on each of `frames` animation frames, timing the frames. */
export async function fling(page: Page, selector: string, step: number, frames: number): Promise<FlingResult> {
  return page.evaluate(
    ([sel, px, count]) =>
      new Promise<FlingResult>((resolve) => {
        const g = globalThis as unknown as {
          document: { querySelector(s: string): { scrollTop: number } };
          requestAnimationFrame(cb: (t: number) => void): void;
        };
        const el = g.document.querySelector(sel);
        const gaps: number[] = [];
        let last = 0;
        const tick = (t: number) => {
          if (last) gaps.push(t - last);
          last = t;
          if (gaps.length >= count) {
            const sorted = [...gaps].sort((a, b) => a - b);
            resolve({ p95: sorted[Math.floor(sorted.length * 0.95)] ?? 0, max: sorted[sorted.length - 1] ?? 0, frames: gaps.length, scrollTop: el.scrollTop });
            return;
          }
          el.scrollTop += px;
          g.requestAnimationFrame(tick);
        };
        g.requestAnimationFrame(tick);
      }),
    [selector, step, frames] as const,
  );
}

/** A static page of `count` plain table-like rows (no script): the browser's own cost of scrolling rows. */
export function plainRowsHtml(count: number): string {
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    rows.push(`<div class="r"><span>00:00:00.${String(i % 1000).padStart(3, '0')}</span><span>C→S</span><span>ns1</span><span>MSG</span><span>${i}</span><span>MSG handle=bob@example.com friendlyName=Bob capabilities=MSNC5 (0x50000000) ${i}</span></div>`);
  }
  return `<!doctype html><html><head><style>
    body { margin: 0; font: 13px system-ui; } #v { height: 800px; overflow: auto; }
    .r { display: grid; grid-template-columns: 104px 38px 44px 44px 48px 1fr; height: 24px; align-items: center; white-space: nowrap; }
    .r span { overflow: hidden; text-overflow: ellipsis; } .r:nth-child(odd) { background: #f4f5f7; }
  </style></head><body><div id="v" data-testid="frames">${rows.join('')}</div></body></html>`;
}
