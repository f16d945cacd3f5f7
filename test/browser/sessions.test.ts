// The session list in chromium over a capture with more sessions than a page: it lists the newest,
// adds older pages on request and finds sessions by part of their handle (as text, whatever it holds).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureStore } from '../../proxy/capture/store.js';
import { type Inspector, startInspector } from '../../proxy/server/serve.js';
import { buildWebApp, desktopPage, findChromium, launch, screenshot, watch } from './browser.js';

const chromiumPath = findChromium();
const SESSIONS = 450;
const HOSTILE = '<img src=x onerror=alert(1)>@example.com';

/** Session n's handle: every seventh is a carol, session 300 a hostile one, the rest numbered users. */
const handleOf = (n: number) => (n === 300 ? HOSTILE : n % 7 === 0 ? `carol${n}@example.com` : `user${n}@example.com`);

describe.skipIf(!chromiumPath)('the session list of a big capture in chromium', () => {
  let dir: string;
  let store: CaptureStore;
  let inspector: Inspector;
  let browser: Browser;
  let page: Page;

  const items = () => page.locator('[data-testid=session]');
  const handles = async () => (await items().locator('.handle').allTextContents()).map((t) => t.trim());
  const older = () => page.getByRole('button', { name: /show older sessions/ });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'msnp-sessions-'));
    const file = join(dir, 'sessions.sqlite');
    const writer = CaptureStore.open(file, { log: () => {} });
    for (let n = 1; n <= SESSIONS; n++) {
      const id = writer.openSession({ client: `127.0.0.1:${20_000 + n}`, tsWall: 1_700_000_000_000 + n * 1000 });
      writer.updateSession(id, { handle: handleOf(n), endedWall: 1_700_000_000_500 + n * 1000 });
    }
    writer.close();
    await buildWebApp(join(dir, 'web'));
    store = CaptureStore.open(file, { readonly: true });
    inspector = await startInspector({ store, file, host: '127.0.0.1', port: 0, webRoot: join(dir, 'web') });
    browser = await launch(chromiumPath as string);
    page = await desktopPage(browser, 10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await inspector?.close();
    store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('lists the newest 200 of 450, then older pages until none are left', async () => {
    const seen = watch(page);
    await page.goto(inspector.url);
    await page.locator('[data-testid=session-count]', { hasText: '450' }).waitFor();
    await older().waitFor();
    expect(await items().count()).toBe(200);
    const first = await handles();
    expect([first[0], first.at(-1)]).toEqual([handleOf(251), handleOf(450)]);
    await older().click();
    await expect.poll(() => items().count()).toBe(400);
    await expect(older().textContent()).resolves.toMatch(/400 of 450 listed/);
    await older().click();
    await expect.poll(() => items().count()).toBe(450);
    await expect(older().count()).resolves.toBe(0);
    expect((await handles())[0]).toBe(handleOf(1));
    expect(seen).toEqual({ dialogs: [], errors: [], consoleErrors: [] });
  });

  it('finds sessions by part of a handle, case-insensitively, and shows a hostile one as text', async () => {
    const seen = watch(page);
    await page.goto(inspector.url);
    await older().waitFor();
    const search = page.getByRole('searchbox', { name: 'Find sessions by handle' });
    await search.fill('CAROL');
    const carols = Array.from({ length: SESSIONS }, (_, i) => i + 1).filter((n) => n % 7 === 0).map(handleOf);
    await expect.poll(handles).toEqual(carols);
    await expect(page.locator('[data-testid=session-count]').textContent()).resolves.toContain(`${carols.length} matching`);
    await expect(older().count()).resolves.toBe(0);

    await search.fill('onerror=');
    await expect.poll(handles).toEqual([HOSTILE]);
    await expect(page.locator('[data-testid=session] img').count()).resolves.toBe(0);
    await screenshot(page, 'inspector-session-search');

    await search.fill('nobody-here');
    await page.getByText('No session\'s handle contains “nobody-here”.').waitFor();
    await search.press('Escape');
    await expect.poll(() => items().count()).toBe(200);
    await expect(page.locator('[data-testid=session-count]').textContent()).resolves.toContain('450');
    expect(seen).toEqual({ dialogs: [], errors: [], consoleErrors: [] });
  });
});
