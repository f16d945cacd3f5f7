// A live subscriber that falls behind: the server drops its queue and sends `reset` (the real LiveClient
// path, the socket made to look congested), and the page in chromium reloads softly and keeps following
// the tail: every frame counted, the last one in view, and the frames committed afterwards appended too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveClient } from '../../proxy/server/live/client.js';
import { type Inspector, startInspector } from '../../proxy/server/serve.js';
import { type TempCapture, recordSession, tempCapture } from '../server/fixture.js';
import { type PageWatch, buildWebApp, desktopPage, findChromium, launch, screenshot, watch } from './browser.js';

const chromiumPath = findChromium();
if (!chromiumPath) console.warn('test/browser: no chromium found (apt-get install chromium, or set CHROMIUM_PATH); skipping browser tests');

describe.skipIf(!chromiumPath)('live reset in chromium', () => {
  let webRoot: string;
  let capture: TempCapture;
  let inspector: Inspector;
  let browser: Browser;
  let page: Page;
  let seen: PageWatch;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'msnp-web-'));
    await buildWebApp(webRoot);
    capture = tempCapture();
    inspector = await startInspector({
      store: capture.store, file: capture.file, host: '127.0.0.1', port: 0, webRoot,
      live: { listen: '127.0.0.1:1863', upstream: '192.0.2.1:1863' },
      liveOptions: { maxQueuedFrames: 40 },
    });
    const hub = inspector.context.hub;
    const joinHub = hub.join.bind(hub);
    hub.join = (socket) => {
      const client = joinHub(socket);
      clients.push(client);
      return client;
    };
    browser = await launch(chromiumPath as string);
    page = await desktopPage(browser, 10_000);
    seen = watch(page);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await inspector?.close();
    capture?.remove();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  }, 30_000);

  const shown = (n: number) => page.locator('[data-testid=shown]', { hasText: new RegExp(`^${n.toLocaleString('en')} shown`) });
  const frameCount = () => inspector.context.queries.counts().frames;
  const record = (sessions: number, start: number) => {
    for (let i = 0; i < sessions; i++) recordSession(capture.store, { start: start + i * 1000 });
    capture.store.flush();
  };

  /** The row at `pos` is loaded and fully inside the table's viewport. */
  async function inView(pos: number): Promise<boolean> {
    const row = page.locator(`[data-testid=frame-row][data-pos="${pos}"][data-id]`);
    await row.waitFor();
    const [box, viewport] = [await row.boundingBox(), await page.locator('[data-testid=frames]').boundingBox()];
    return Boolean(box && viewport && box.y >= viewport.y - 1 && box.y + box.height <= viewport.y + viewport.height + 1);
  }

  it('reloads softly after a reset and keeps following the tail', async () => {
    await page.goto(inspector.url);
    await page.locator('[data-testid=ws-status]', { hasText: /^live$/ }).waitFor();
    await shown(0).waitFor();
    record(4, 1_700_000_000_000);
    await shown(frameCount()).waitFor();
    expect(frameCount()).toBeGreaterThan(60); // more rows than the viewport holds: the table had to follow
    expect(await inView(frameCount() - 1)).toBe(true);

    // The socket looks congested: announcements queue past the bound and are dropped.
    const client = clients.at(-1) as LiveClient;
    const socket = client.socket as unknown as { bufferedAmount: number };
    Object.defineProperty(socket, 'bufferedAmount', { configurable: true, get: () => 1 << 30 });
    const before = frameCount();
    record(4, 1_700_000_100_000);
    inspector.context.hub.tick();
    expect(client.queuedFrames).toBe(0); // dropped, not queued
    await expect(page.locator('[data-testid=shown]').textContent()).resolves.toMatch(new RegExp(`^${before.toLocaleString('en')} shown`));

    // Drained: the next tick sends `reset`, the page reloads the tail and follows it again.
    delete (socket as { bufferedAmount?: number }).bufferedAmount;
    inspector.context.hub.tick();
    expect(client.resets).toBe(1);
    await shown(frameCount()).waitFor();
    expect(await inView(frameCount() - 1)).toBe(true);

    // …and frames announced after the reset are appended at the tail, still in view.
    record(2, 1_700_000_200_000);
    await shown(frameCount()).waitFor();
    expect(await inView(frameCount() - 1)).toBe(true);
    await expect(page.locator('[data-testid=ws-status]').textContent()).resolves.toBe('live');
    await screenshot(page, 'inspector-live-after-reset');
    expect(seen.errors).toEqual([]);
    expect(seen.consoleErrors).toEqual([]);
  }, 60_000);
});
