// A request its connection ends without answering, in chromium: the page showed its frame without an
// issue while the connection was open, and marks it, live, once the connection ends; the errors-only
// list then holds it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureStore } from '../../proxy/capture/store.js';
import { type Inspector, startInspector } from '../../proxy/server/serve.js';
import { recordSession } from '../server/fixture.js';
import { buildWebApp, desktopPage, findChromium, launch, screenshot, watch } from './browser.js';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)('a request flagged unanswered after it was shown, in chromium', () => {
  let dir: string;
  let store: CaptureStore;
  let inspector: Inspector;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'msnp-late-'));
    const file = join(dir, 'late.sqlite');
    store = CaptureStore.open(file, { log: () => {} });
    await buildWebApp(join(dir, 'web'));
    inspector = await startInspector({
      store, file, host: '127.0.0.1', port: 0, webRoot: join(dir, 'web'), live: { listen: '127.0.0.1:1863', upstream: '192.0.2.1:1863' },
    });
    browser = await launch(chromiumPath as string);
    page = await desktopPage(browser, 10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await inspector?.close();
    store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('marks the frame when its connection ends, and lists it among the errors', async () => {
    const seen = watch(page);
    await page.goto(inspector.url);
    await page.locator('[data-testid=ws-status]', { hasText: /^live$/ }).waitFor();
    const recorded = recordSession(store, { close: false });
    const ns = recorded.captures.get('ns1')!;
    ns.chunk('c2s', Buffer.from('CHG 40 NLN 0\r\n'), 1_700_000_100_000, 100_000); // the server never answers
    store.flush();
    const chg = page.locator('[data-testid=frame-row]').filter({ hasText: /\bCHG\b/ }).filter({ has: page.getByRole('gridcell', { name: '40', exact: true }) });
    await chg.waitFor();
    expect(await chg.locator('.badge.warn').count()).toBe(0);

    ns.close('client closed', 1_700_000_101_000, 101_000);
    store.flush();
    await chg.locator('.badge.warn', { hasText: '1' }).waitFor();

    // Listing errors only: a request flagged while the list is open joins it, live.
    const byTrId = (trId: number) => page.locator('[data-testid=frame-row]').filter({ has: page.getByRole('gridcell', { name: String(trId), exact: true }) });
    await page.locator('label.errors input').check();
    await byTrId(40).waitFor();
    const sb = recorded.captures.get('sb1')!;
    sb.chunk('c2s', Buffer.from('CAL 41 bob@example.com\r\n'), 1_700_000_102_000, 102_000);
    store.flush();
    await page.waitForTimeout(500); // announced meanwhile, and not an error yet: not listed
    expect(await byTrId(41).count()).toBe(0);
    sb.close('client closed', 1_700_000_103_000, 103_000);
    store.flush();
    await byTrId(41).filter({ hasText: /\bCAL\b/ }).locator('.badge.warn', { hasText: '1' }).waitFor();
    expect(seen.errors).toEqual([]);
    await screenshot(page, 'inspector-late-issue');
  }, 40_000);
});
