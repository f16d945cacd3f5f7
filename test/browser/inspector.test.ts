// End to end: a real proxy capturing a scripted MSNP8 session (client + fake servers), the real inspector
// server, the built web app, and Debian's chromium. Screenshots go to test-artifacts/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Inspector, startInspector } from '../../proxy/server/serve.js';
import { Playbook } from '../helpers/playbook.js';
import { type Harness, startHarness } from '../helpers/proxy-harness.js';
import { SERVERS, scenario } from '../relay/scenarios.js';
import { type PageWatch, buildWebApp, findChromium, launch, screenshot, watch } from './browser.js';

const chromiumPath = findChromium();
if (!chromiumPath) console.warn('test/browser: no chromium found (apt-get install chromium, or set CHROMIUM_PATH); skipping browser tests');

const STEP_MS = 20_000;

/** `promise`, or an error naming `step` after 4 s. */
function within<T>(step: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${step}: no answer within 4 s`)), 4_000);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
const XSS_TEXT = '<img src=x onerror=alert(1)> hi';

describe.skipIf(!chromiumPath)('web inspector in chromium', () => {
  let webRoot: string;
  let harness: Harness;
  let inspector: Inspector;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let seen: PageWatch;
  const msnp8 = scenario(8);
  const frameCount = Object.values(msnp8.frames).reduce((a, b) => a + b, 0);

  const shown = (n: number) => page.locator('[data-testid=shown]', { hasText: new RegExp(`^${n} shown`) });
  const rows = () => page.locator('[data-testid=frame-row][data-id]');
  const row = (command: string, dir: 'C→S' | 'S→C') => rows().filter({ hasText: new RegExp(`\\b${command}\\b`) }).filter({ hasText: dir });
  const query = () => new URL(page.url()).searchParams;

  async function setCommand(text: string) {
    await page.locator('#filter-command').fill(text);
    await page.locator('#filter-command').press('Enter');
  }

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'msnp-web-'));
    await buildWebApp(webRoot);
    harness = await startHarness(SERVERS);
    inspector = await startInspector({
      store: harness.store, file: harness.file, host: '127.0.0.1', port: 0, webRoot,
      live: { listen: harness.address, upstream: harness.servers.get('DS')?.address ?? '' },
    });
    browser = await launch(chromiumPath as string);
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    seen = watch(page);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await inspector?.close();
    await harness?.dispose();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  }, 30_000);

  it('shows a session and its frames arriving live, following the tail', async () => {
    await page.goto(inspector.url);
    await page.locator('[data-testid=ws-status]', { hasText: /^live$/ }).waitFor();
    await shown(0).waitFor();
    await msnp8.play.run(harness.servers, harness.address, 8);
    await shown(frameCount).waitFor();

    const session = page.locator('[data-testid=session]', { hasText: 'alice@example.com' });
    await session.waitFor();
    await expect(session.textContent()).resolves.toContain('MSNP8');
    await session.getByRole('button', { name: 'Show connections' }).click();
    await page.locator('[data-testid=connection]').nth(3).waitFor();
    const labels = await page.locator('[data-testid=connection] .label').allTextContents();
    expect(labels).toEqual(['ds1', 'ns1', 'sb1', 'sb2']);

    // The list outgrew the viewport while the page watched: it kept the last frame in view.
    const last = page.locator(`[data-testid=frame-row][data-pos="${frameCount - 1}"]`);
    await last.waitFor();
    const [box, viewport] = [await last.boundingBox(), await page.locator('[data-testid=frames]').boundingBox()];
    expect(box && viewport && box.y + box.height <= viewport.y + viewport.height + 1 && box.y >= viewport.y).toBe(true);
    await screenshot(page, 'inspector-live-session');
  }, STEP_MS * 2);

  it('opens the MSNP8 CHG frame with its version-specific parameter highlighted', async () => {
    await setCommand('CHG');
    await shown(2).waitFor();
    expect(query().get('command')).toBe('CHG');
    await row('CHG', 'C→S').click();
    const detail = page.locator('[data-testid=detail]');
    await detail.locator('h2', { hasText: 'Change presence' }).waitFor();
    const caps = detail.locator('tr[data-field=capabilities]');
    await expect(caps.getAttribute('class')).resolves.toMatch(/\bsince\b/);
    await expect(caps.locator('[data-testid=since]').textContent()).resolves.toBe('MSNP8');
    const status = detail.locator('tr[data-field=status]');
    await expect(status.getAttribute('class')).resolves.not.toMatch(/\bsince\b/);
    await expect(status.locator('[data-testid=since]').count()).resolves.toBe(0);
    await expect(status.textContent()).resolves.toContain('Online');
    await screenshot(page, 'inspector-chg-detail');
  }, STEP_MS);

  it('follows the TrID to the partner frame', async () => {
    const request = await row('CHG', 'C→S').getAttribute('data-id');
    const reply = await row('CHG', 'S→C').getAttribute('data-id');
    const partner = page.locator('[data-testid=partner]');
    await expect(partner.textContent()).resolves.toBe(`#${reply}`);
    await expect(page.locator('.partner').textContent()).resolves.toMatch(/Answered by\s+#\d+\s+after \d+ ms/);
    await partner.click();
    await page.locator('.partner', { hasText: `Reply to #${request}` }).waitFor();
    expect(query().get('frame')).toBe(reply);
    await expect(page.locator(`[data-testid=frame-row][data-id="${reply}"]`).getAttribute('aria-selected')).resolves.toBe('true');
    await screenshot(page, 'inspector-trid-partner');
  }, STEP_MS);

  it('combines a command filter with free text, keeps the view in the URL and across a reload', async () => {
    await setCommand('msg');
    await page.locator('#filter-q').fill('carol');
    await page.locator('#filter-q').press('Enter');
    await shown(1).waitFor();
    expect(query().get('command')).toBe('MSG');
    expect(query().get('q')).toBe('carol');
    await page.reload();
    await shown(1).waitFor();
    await expect(page.locator('#filter-command').inputValue()).resolves.toBe('MSG');
    await expect(page.locator('#filter-q').inputValue()).resolves.toBe('carol');
    await expect(rows().first().textContent()).resolves.toContain('carol@example.com');
    await screenshot(page, 'inspector-filtered-after-reload');
  }, STEP_MS);

  it('shows captured markup as text and runs none of it', async () => {
    await rows().first().click();
    const payload = page.locator('[data-testid=payload]');
    await payload.waitFor();
    await payload.getByText(XSS_TEXT, { exact: true }).waitFor();

    // A contact whose display names are markup, raw and URL-encoded, arriving live.
    const names = new Playbook(['DS'])
      .connect('x1', 'DS').c('x1', 'VER 1 MSNP8 CVR0').s('x1', 'VER 1 MSNP8')
      .s('x1', 'NLN NLN eve@example.com <img/src=x/onerror=alert(2)> 268435492')
      .s('x1', 'NLN NLN mallory@example.com %3Cimg%20src%3Dx%20onerror%3Dalert(3)%3E%3Cscript%3Ealert(4)%3C%2Fscript%3E 268435492')
      .c('x1', 'OUT').close('x1', 'client');
    await names.run(harness.servers, harness.address, 3);
    await page.locator('.filters button', { hasText: 'clear' }).click();
    await setCommand('NLN');
    await page.locator('#filter-q').fill('');
    await page.locator('#filter-q').press('Enter');
    const eve = row('NLN', 'S→C').filter({ hasText: 'eve@example.com' });
    await eve.waitFor();
    await expect(eve.textContent()).resolves.toContain('<img/src=x/onerror=alert(2)>');
    await row('NLN', 'S→C').filter({ hasText: 'mallory@example.com' }).click();
    const name = page.locator('[data-testid=detail] tr[data-field=friendlyName]');
    await name.getByText('<img src=x onerror=alert(3)><script>alert(4)</script>', { exact: true }).waitFor();

    await page.waitForTimeout(300); // give an injected handler its chance to fire
    expect(seen.dialogs).toEqual([]);
    expect(seen.errors).toEqual([]);
    await expect(page.locator('img').count()).resolves.toBe(0);
    await expect(page.locator('#app script').count()).resolves.toBe(0);
    await screenshot(page, 'inspector-markup-as-text');
  }, STEP_MS * 2);

  it('shows a rewritten referral beside the original, and the payload bytes of a tree node', async () => {
    await setCommand('XFR');
    await row('XFR', 'S→C').first().click();
    const rewrite = page.locator('[data-testid=rewrite]');
    await rewrite.waitFor();
    const [original, forwarded] = await rewrite.locator('pre').allTextContents();
    expect(original).toContain(harness.servers.get('NS')?.address);
    expect(forwarded).toMatch(/^XFR 3 NS 127\.0\.0\.1:\d+ /);
    expect(forwarded).not.toContain(harness.servers.get('NS')?.address);

    await setCommand('MSG');
    await row('MSG', 'S→C').filter({ hasText: 'Hotmail' }).click();
    const node = page.locator('[data-testid=view-node]', { hasText: 'Content-Type' }).first();
    await node.click();
    const lit = await page.locator('[data-testid=hex] .ascii .lit').allTextContents();
    expect(lit.join('')).toContain('Content-Type');
    await screenshot(page, 'inspector-payload-hex');
  }, STEP_MS);

  it('moves with j/k, opens with Enter, focuses the filter with / and clears with Escape', async () => {
    await page.locator('.filters button', { hasText: 'clear' }).click();
    await shown(frameCount + 5).waitFor();
    await page.locator('[data-testid=detail] .close').click();
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('k');
    const selected = page.locator('[data-testid=frame-row][aria-selected=true]');
    await expect(selected.getAttribute('data-pos')).resolves.toBe('1');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=detail] h2', { hasText: 'Version negotiation' }).waitFor();
    await expect(page.locator('[data-testid=detail] .dir').textContent()).resolves.toBe('S→C');
    await page.keyboard.press('/');
    await expect(page.evaluate('document.activeElement && document.activeElement.id')).resolves.toBe('filter-q');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=detail]').waitFor({ state: 'detached' });
    expect(query().get('frame')).toBeNull();
  }, STEP_MS);

  it('toggles the theme and remembers it', async () => {
    const theme = () => page.evaluate('document.documentElement.dataset.theme');
    const before = await theme();
    await page.getByRole('button', { name: 'Toggle dark/light theme' }).click();
    const after = await theme();
    expect(after).not.toBe(before);
    await page.reload();
    await shown(frameCount + 5).waitFor();
    await expect(theme()).resolves.toBe(after);
    await screenshot(page, `inspector-theme-${after}`);
  }, STEP_MS);

  it('works behind a token: the first URL carries it, the app drops it from the address bar', async () => {
    // Every wait is bounded below the test's own limit, so one that hangs names itself.
    const guarded = await within('starting the guarded inspector', startInspector({ store: harness.store, file: harness.file, host: '127.0.0.1', port: 0, webRoot, token: 'test-token-123' }));
    const other = await within('opening a page', context.newPage());
    other.setDefaultTimeout(5_000);
    try {
      const denied = await other.request.get(new URL('/api/capture', guarded.url).href, { timeout: 5_000 });
      expect(denied.status()).toBe(401);
      await other.goto(guarded.url);
      expect(guarded.url).toContain('token=');
      await other.locator('[data-testid=shown]', { hasText: new RegExp(`^${frameCount + 5} shown`) }).waitFor();
      await other.locator('[data-testid=ws-status]', { hasText: /^live$/ }).waitFor();
      expect(new URL(other.url()).searchParams.has('token')).toBe(false);
    } finally {
      await within('closing the page', other.close());
      await within('closing the guarded inspector', guarded.close());
    }
  }, STEP_MS);

  it('never tripped the content security policy', () => {
    expect(seen.consoleErrors.filter((m) => /Content Security Policy|Refused to/i.test(m))).toEqual([]);
    expect(seen.errors).toEqual([]);
  });
});
