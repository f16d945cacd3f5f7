// A million-frame capture (written by the server's seeding tool) opened in chromium: opening it reads
// one page of frames, and jumping anywhere in the list loads only the pages in view. How fast it opens
// and scrolls is measured by `npx tsx bench/index.ts browser`, never asserted here.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureStore } from '../../proxy/capture/store.js';
import { type Inspector, startInspector } from '../../proxy/server/serve.js';
import { calcVScroll } from '../../web/src/lib/vscroll.js';
import { buildWebApp, desktopPage, findChromium, fling, launch, screenshot, watch, whenPresent } from './browser.js';

const chromiumPath = findChromium();
const FRAMES = 1_000_000;
const SEEDER = fileURLToPath(new URL('../../proxy/server/dev/seed-million.ts', import.meta.url));

describe.skipIf(!chromiumPath)('a million-frame capture in chromium', () => {
  let dir: string;
  let store: CaptureStore;
  let inspector: Inspector;
  let browser: Browser;
  let page: Page;
  const frameRequests: string[] = [];

  const rowAt = (pos: number) => page.locator(`[data-testid=frame-row][data-pos="${pos}"][data-id]`);
  const setScroll = (top: number | 'bottom') =>
    page.evaluate(`(() => { const v = document.querySelector('[data-testid=frames]'); v.scrollTop = ${top === 'bottom' ? 'v.scrollHeight' : top}; })()`);

  /** Waits until the rows the viewport shows now are loaded; returns the first one's position. */
  async function rowsInView(): Promise<number> {
    const [scrollTop, viewportHeight] = (await page.evaluate(`(() => { const v = document.querySelector('[data-testid=frames]'); return [v.scrollTop, v.clientHeight]; })()`)) as [number, number];
    const w = calcVScroll({ scrollTop, viewportHeight, rowHeight: 24, total: FRAMES });
    await rowAt(w.end - 1).waitFor();
    const first = Math.floor(scrollTop === 0 ? 0 : w.start + (scrollTop - w.offset) / 24);
    await rowAt(first).waitFor();
    return first;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'msnp-million-'));
    const file = join(dir, 'million.sqlite');
    await Promise.all([
      buildWebApp(join(dir, 'web')),
      promisify(execFile)(process.execPath, ['--import', 'tsx', SEEDER, file, '--frames', String(FRAMES)], { maxBuffer: 1 << 20, timeout: 150_000 }),
    ]);
    store = CaptureStore.open(file, { readonly: true });
    inspector = await startInspector({ store, file, host: '127.0.0.1', port: 0, webRoot: join(dir, 'web') });
    browser = await launch(chromiumPath as string);
    page = await desktopPage(browser, 10_000);
    page.on('request', (r) => {
      if (r.url().includes('/api/frames?')) frameRequests.push(new URL(r.url()).search);
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await inspector?.close();
    store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  /** Navigates and waits until row 0 is rendered with its frame. */
  async function open(): Promise<void> {
    await page.goto(inspector.url, { waitUntil: 'commit' });
    await whenPresent(page, '[data-testid=frame-row][data-pos="0"][data-id]');
  }

  it('opens with one page of frames, and again on every reload', async () => {
    const seen = watch(page);
    await open();
    await page.locator('[data-testid=shown]', { hasText: /^1,000,000 shown/ }).waitFor();
    expect(frameRequests[0]).toBe('?offset=0&limit=500');
    expect(frameRequests.filter((q) => !q.startsWith('?offset=1000000&'))).toHaveLength(1); // + the tail read after `hello`
    // Opened again (a user coming back to the inspector): each load reads the first page once more, no more.
    for (let i = 0; i < 3; i++) {
      const before = frameRequests.length;
      await open();
      await page.locator('[data-testid=shown]', { hasText: /^1,000,000 shown/ }).waitFor();
      await expect(rowAt(0).textContent()).resolves.toMatch(/\S/);
      const reads = frameRequests.slice(before);
      expect(reads[0]).toBe('?offset=0&limit=500');
      expect(reads.filter((q) => !q.startsWith('?offset=1000000&'))).toHaveLength(1);
    }
    expect(seen.errors).toEqual([]);
  }, 60_000);

  it('jumps to the middle and the end, loading only the pages in view', async () => {
    const before = frameRequests.length;
    const firsts: number[] = [];
    for (const target of [4_000_000, 'bottom', 123_456, 0] as const) {
      await setScroll(target);
      firsts.push(await rowsInView());
    }
    expect(firsts[0]).toBeGreaterThan(490_000);
    expect(firsts[1]).toBeGreaterThan(FRAMES - 50);
    expect(firsts[2]).toBeGreaterThan(10_000);
    expect(firsts[2]).toBeLessThan(firsts[0] as number);
    expect(firsts[3]).toBe(0);
    await setScroll('bottom');
    await rowAt(FRAMES - 1).waitFor();
    // At most a couple of pages per jump (a viewport can straddle two), never a scan of the list.
    expect(frameRequests.length - before).toBeLessThanOrEqual(8);
    // Only the rows in view (plus overscan) exist.
    await expect(page.locator('[data-testid=frame-row]').count()).resolves.toBeLessThan(100);
    await screenshot(page, 'inspector-million-end');
  }, 30_000);

  it('scrolls: a fast fling lands on loaded rows, and the wheel works', async () => {
    const seen = watch(page);
    await setScroll(2_000_000);
    const start = await rowsInView();
    // Flings of 40 frames at 240 px a frame: rows render from the pages held and placeholders fill in
    // as pages land. Frame times are the benchmark's business (bench/browser.ts); here the fling must
    // move the list by what it scrolled, and the rows where it stops must load.
    const rounds: number[] = [];
    for (let round = 0; round < 3; round++) {
      const flung = await fling(page, '[data-testid=frames]', 240, 40);
      expect(flung.frames).toBe(40);
      rounds.push(await rowsInView());
    }
    // 3 × 40 × 240 px in a capped scroll area (24 M px of rows in 8 M px) is about 3 × 1,200 rows.
    let previous = start;
    for (const first of rounds) {
      expect(first - previous).toBeGreaterThan(1000);
      previous = first;
    }
    expect(seen.errors).toEqual([]);
    const before = await rowsInView();
    await page.locator('[data-testid=frames]').hover();
    for (let i = 0; i < 10; i++) await page.mouse.wheel(0, 600);
    await page.waitForTimeout(100);
    // 6,000 px of wheel in a capped scroll area (24 M px of rows in 8 M px) is about 750 rows.
    expect((await rowsInView()) - before).toBeGreaterThan(500);
    await screenshot(page, 'inspector-million-middle');
  }, 30_000);

  it('filters a million frames on the server', async () => {
    await page.locator('#filter-command').fill('MSG');
    await page.locator('#filter-command').press('Enter');
    await page.locator('[data-testid=shown]', { hasText: /^(?!1,000,000 )[\d,]+ shown$/ }).waitFor();
    await rowAt(0).waitFor();
    await expect(rowAt(0).textContent()).resolves.toContain('MSG');
    // Error replies only: styled apart from ordinary frames.
    await page.locator('#filter-command').fill('');
    await page.locator('#filter-command').press('Enter');
    await page.getByLabel('errors only').check();
    await page.locator('[data-testid=shown]', { hasText: /^(?!1,000,000 )[\d,]+ shown$/ }).waitFor();
    await rowAt(0).waitFor();
    expect(new URL(page.url()).search).toBe('?errors=1');
    // Every row is an error reply (styled as one) or carries an issue badge.
    const kinds = (await page.evaluate(
      `[...document.querySelectorAll('[data-testid=frame-row][data-id]')].map((r) => r.classList.contains('error') ? 'error' : r.querySelector('.badge.warn') ? 'issue' : 'other')`,
    )) as string[];
    expect(kinds.length).toBeGreaterThan(10);
    expect(kinds.filter((k) => k === 'other')).toEqual([]);
    expect(kinds).toContain('error');
    await screenshot(page, 'inspector-million-errors');
  }, 30_000);
});
