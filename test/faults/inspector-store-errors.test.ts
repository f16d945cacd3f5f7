// The real `msnp-inspector proxy --web` while its capture file stops taking writes, watched in chromium:
// locked by another process (a child holding BEGIN EXCLUSIVE), then full (the dev page cap, lifted by
// SIGUSR2). The session relays unaffected, byte for byte; the REST API, the live stream and the page
// report the store's trouble; once the file takes writes again every frame lands and the report clears.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureInfo } from '../../shared/api/dto.js';
import { type CliProxy, recoveries, startCli } from '../../scripts/faults/cli.js';
import { holdLock } from '../../scripts/faults/lock.js';
import { compareCapture, playSession, readCapture, type Servers, startServers } from '../../scripts/faults/session.js';
import { type PageWatch, buildWebApp, desktopPage, findChromium, launch, screenshot, watch } from '../browser/browser.js';

const chromiumPath = findChromium();
if (!chromiumPath) console.warn('test/faults: no chromium found (apt-get install chromium, or set CHROMIUM_PATH); skipping browser tests');

/** Polls the inspector's REST API until `done` holds; bounded (nothing pushes to a test over REST). */
async function captureInfo(url: string, what: string, done: (info: CaptureInfo) => boolean): Promise<CaptureInfo> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const info = await (await fetch(new URL('/api/capture', url))).json() as CaptureInfo;
    if (done(info)) return info;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(info)}`);
    await sleep(50);
  }
}

describe.skipIf(!chromiumPath)('inspector: capture store errors with the real CLI, in chromium', () => {
  let webRoot: string;
  let browser: Browser;
  let dir: string;
  let servers: Servers | null = null;
  let cli: CliProxy | null = null;
  let page: Page;
  let seen: PageWatch;

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'msnp-web-'));
    await buildWebApp(webRoot);
    browser = await launch(chromiumPath as string);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  afterEach(async () => {
    await cli?.stop('SIGKILL');
    cli = null;
    await servers?.close();
    servers = null;
    await page?.context().close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Fake servers, the CLI with its inspector, and a page on it showing the live stream. */
  async function start(maxPages?: number): Promise<{ cli: CliProxy; url: string; file: string }> {
    dir = mkdtempSync(join(tmpdir(), 'msnp-faults-'));
    const file = join(dir, 'capture.sqlite');
    servers = await startServers();
    cli = await startCli({ upstream: servers.upstream, capture: file, web: true, webRoot, ...(maxPages ? { maxPages } : {}) });
    const url = cli.url as string;
    page = await desktopPage(browser, 15_000);
    seen = watch(page);
    await page.goto(url);
    await page.locator('[data-testid=ws-status]', { hasText: /^live$/ }).waitFor();
    return { cli, url, file };
  }

  const badge = () => page.locator('[data-testid=store-error]');
  const shown = (n: number) => page.locator('[data-testid=shown]', { hasText: new RegExp(`^${n} shown`) });

  /** After the outage: everything lands, the page says so, and the capture matches what was sent. */
  async function recovered(url: string, file: string, played: Awaited<ReturnType<typeof playSession>>, name: string) {
    const info = await captureInfo(url, 'the store to catch up', (i) => i.storeError === null && i.queued === 0 && i.counts.frames === played.total);
    expect(info.counts).toEqual({ sessions: 1, connections: 4, frames: played.total });
    await badge().waitFor({ state: 'detached' });
    await shown(played.total).waitFor();
    await page.locator('[data-testid=session]', { hasText: 'alice@example.com' }).waitFor();
    await screenshot(page, `faults-${name}-recovered`);

    const proxy = cli as CliProxy;
    const [recovery] = recoveries(proxy.stderr());
    expect(recovery?.attempts).toBeGreaterThan(0);
    // Checked while the proxy still runs: once it stops, the page's reconnect attempts fail, and
    // chromium logs each as a console error.
    expect(seen).toEqual({ dialogs: [], errors: [], consoleErrors: [] });
    expect(await proxy.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(readCapture(file, (store) => compareCapture(store, played))).toEqual([]);
  }

  it('a capture file locked by another process: relay unaffected, the error shown, every frame in after release', async () => {
    const { url, file } = await start();
    const lock = await holdLock(file);
    try {
      const played = await playSession((servers as Servers).servers, (cli as CliProxy).address, 3); // byte for byte, or throws
      const during = await captureInfo(url, 'the store error', (i) => i.storeError !== null);
      expect(during.storeError).toMatch(/locked|busy/i);
      expect(during.counts.frames).toBe(0);
      await badge().filter({ hasText: /store: .*(locked|busy)/i }).waitFor();
      await badge().filter({ hasText: /\d+ queued/ }).waitFor();
      await screenshot(page, 'faults-locked');
      expect((cli as CliProxy).stderr()).toMatch(/write failed, \d+ records kept and retried/);

      await lock.release();
      await recovered(url, file, played, 'locked');
    } finally {
      await lock.release().catch(() => {});
    }
  }, 90_000);

  it('a full capture file (page cap): relay unaffected, the error shown, every frame in once there is room', async () => {
    const { url, file } = await start(1); // capped at its size when opened: every write is "disk full"
    const played = await playSession((servers as Servers).servers, (cli as CliProxy).address, 4);
    const during = await captureInfo(url, 'the store error', (i) => i.storeError !== null);
    expect(during.storeError).toMatch(/full/i);
    await badge().filter({ hasText: /store: .*full/i }).waitFor();
    await screenshot(page, 'faults-full');

    (cli as CliProxy).child.kill('SIGUSR2'); // room again
    await recovered(url, file, played, 'full');
    expect((cli as CliProxy).stderr()).toContain('SIGUSR2: capture page cap lifted');
  }, 90_000);
});
