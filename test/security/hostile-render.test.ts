// The hostile corpus end to end: imported into a real capture file, served by the real inspector server,
// opened in Debian's chromium. Every frame's detail and payload view is opened; nothing in the captured
// bytes may run, create elements, fetch anything or trip the CSP, and every marker shows as text.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureStore } from '../../proxy/capture/store.js';
import { type Inspector, startInspector } from '../../proxy/server/serve.js';
import type { FrameDetail, FramePage, FrameSummary } from '../../shared/api/dto.js';
import { type PageWatch, buildWebApp, findChromium, launch, screenshot, watch } from '../browser/browser.js';
import { runCli } from '../helpers/cli.js';
import { type CorpusEntry, type CorpusSession, LAUGHS_DEPTH, hostileCorpus, toJsonl } from './corpus.js';

const chromiumPath = findChromium();
if (!chromiumPath) console.warn('test/security: no chromium found (apt-get install chromium, or set CHROMIUM_PATH); skipping the hostile render test');

/** Elements captured text would create if it ever became markup; the app itself renders none of them. */
const FOREIGN = 'img, script, svg, iframe, object, embed, video, audio, link, style, meta, base, form, math, a[href], [onerror], [onload], [srcdoc]';

/** Where captured text is shown: the session list, the frame table, the frame detail. */
const CAPTURED_TEXT = 'aside, [data-testid=frames], [data-testid=detail]';

/**
 * Runs in every document before the app (an init script is not subject to the page's CSP) and reports
 * to the test through an exposed function, so nothing is lost when a test navigates.
 */
function installTrap(): void {
  type Report = (kind: 'csp' | 'pwned', detail: string) => void;
  const w = globalThis as unknown as Record<string, unknown> & {
    __securityReport: Report;
    document: { addEventListener(t: string, f: (e: { violatedDirective: string; blockedURI: string; sample: string }) => void): void };
  };
  w.document.addEventListener('securitypolicyviolation', (e) => void w.__securityReport('csp', `${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
  // Records every attempt to set the canary, even one undone later.
  Object.defineProperty(w, '__pwned', { configurable: false, get: () => undefined, set: (v: unknown) => void w.__securityReport('pwned', String(v)) });
}

describe.skipIf(!chromiumPath)('hostile captures rendered in chromium', () => {
  let dir: string;
  let file: string;
  let canary: Server;
  const canaryHits: string[] = [];
  let corpus: CorpusSession[];
  let store: CaptureStore;
  let inspector: Inspector;
  let browser: Browser;
  let page: Page;
  let seen: PageWatch;
  let appOrigin: string;
  const requests: string[] = [];
  /** CSP violations and canary writes, from every document the page loaded. */
  const reports: string[] = [];
  let frames: FrameSummary[] = [];
  const details = new Map<number, FrameDetail>();

  const api = async <T>(path: string): Promise<T> => (await fetch(new URL(path, inspector.url))).json() as Promise<T>;
  const detail = () => page.locator('[data-testid=detail]');
  const shown = (n: number) => page.locator('[data-testid=shown]', { hasText: new RegExp(`^${n} shown`) });
  /** Entries whose marker is in the frame's bytes. */
  const entriesOf = (id: number): CorpusEntry[] => {
    const bytes = Buffer.from(details.get(id)?.bytes ?? '', 'base64').toString('latin1');
    return corpus.flatMap((s) => s.entries).filter((e) => bytes.includes(e.marker));
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'msnp-security-'));
    // A listener nothing may contact: not the decoder (external entities), not the page (img, css …).
    canary = createServer((req, res) => {
      canaryHits.push(`${req.method} ${req.url}`);
      res.end();
    });
    await new Promise<void>((done) => canary.listen(0, '127.0.0.1', done));
    corpus = hostileCorpus({ canary: `http://127.0.0.1:${(canary.address() as AddressInfo).port}` });
    const inputs = corpus.map((s) => {
      const path = join(dir, s.name);
      writeFileSync(path, toJsonl(s));
      return path;
    });
    file = join(dir, 'hostile.sqlite');
    const imported = await runCli(['import', '--capture', file, ...inputs]);
    expect(imported.code, imported.err).toBe(0);

    const webRoot = join(dir, 'web');
    await buildWebApp(webRoot);
    store = CaptureStore.open(file, { readonly: true });
    inspector = await startInspector({ store, file, host: '127.0.0.1', port: 0, webRoot, live: null });
    appOrigin = new URL(inspector.url).origin;
    browser = await launch(chromiumPath as string);
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.exposeFunction('__securityReport', (kind: string, text: string) => reports.push(`${kind}: ${text}`));
    await context.addInitScript(installTrap);
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    seen = watch(page);
    page.on('request', (r) => requests.push(r.url()));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await inspector?.close();
    store?.close();
    await new Promise<void>((done) => (canary ? canary.close(() => done()) : done()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('imports every corpus frame, decoding without expanding or fetching entities', async () => {
    const page1 = await api<FramePage>('/api/frames?limit=1000');
    frames = page1.frames;
    expect(page1.total).toBe(frames.length);
    for (const f of frames) details.set(f.id, await api<FrameDetail>(`/api/frames/${f.id}`));
    const entries = corpus.flatMap((s) => s.entries);
    expect(entries.length).toBeGreaterThanOrEqual(30);
    // Every entry landed in exactly one frame, and that frame decoded to the view it was built for.
    for (const entry of entries) {
      const holders = frames.filter((f) => entriesOf(f.id).includes(entry));
      expect(holders.map((f) => f.command), entry.marker).toHaveLength(1);
      const decoded = details.get(holders[0]!.id)?.decoded;
      if (entry.view) expect(decoded?.view?.view, entry.marker).toBe(entry.view);
    }
    const laughs = frames.find((f) => f.command === 'UUX' && f.dir === 'c2s')!;
    const view = JSON.stringify(details.get(laughs.id)?.decoded.view);
    expect(view).toContain(`&lol${LAUGHS_DEPTH};`);
    expect(view).not.toContain('lollol');
    expect(view.length).toBeLessThan(20_000);
    const xxe = JSON.stringify(details.get(frames.find((f) => f.command === 'UBX' && entriesOf(f.id).some((e) => e.marker.includes('xxe')))!.id)?.decoded.view);
    expect(xxe).toContain('&file;&web;');
    expect(xxe).not.toContain('root:');
    expect(canaryHits).toEqual([]);
  });

  it('opens every frame and every payload node, showing each marker as text', async () => {
    await page.goto(inspector.url);
    await shown(frames.length).waitFor();
    await page.locator(`[data-testid=frame-row][data-id="${frames[0]!.id}"]`).click();
    const shots = new Set(['xml-laughs', 'msg-html-body', 'p2p-v1-absurd', 'name-rtl', 'xml-xxe']);
    for (const [i, f] of frames.entries()) {
      if (i > 0) {
        // The shortcuts ignore keys aimed at a button, such as the tree node clicked last.
        await page.evaluate('document.activeElement && document.activeElement.blur()');
        await page.keyboard.press('j');
      }
      await detail().locator('[title="frame id in the capture"]', { hasText: new RegExp(`^#${f.id}$`) }).waitFor();
      await detail().locator('[data-testid=hex] .row').first().waitFor();
      // Open the whole tree (bounded: a node opens at most once), then pick nodes spread over it.
      for (let n = 0; n < 2000; n++) {
        const closed = detail().locator('button.twisty[aria-label=Expand]');
        if ((await closed.count()) === 0) break;
        await closed.first().click();
      }
      const nodes = detail().locator('[data-testid=view-node]');
      const count = await nodes.count();
      if (details.get(f.id)?.decoded.view) expect(count, `frame ${f.id} ${f.command}`).toBeGreaterThan(0);
      for (const k of new Set([0, Math.floor(count / 3), Math.floor((2 * count) / 3), count - 1])) {
        if (k < 0 || k >= count) continue;
        await nodes.nth(k).click();
      }
      for (const entry of entriesOf(f.id)) {
        // Longer than a hex row, so only the text rendering (summary, fields, tree) can hold it whole.
        await expect(detail().getByText(entry.marker).first().isVisible(), entry.marker).resolves.toBe(true);
        // Bidi overrides and NULs are shown as marks, so they cannot reorder or hide what follows.
        for (const also of entry.alsoShows ?? []) await expect(detail().getByText(also).first().isVisible(), also).resolves.toBe(true);
        if (entry.shows === 'summary') await expect(page.locator(`[data-testid=frame-row][data-id="${f.id}"]`).textContent()).resolves.toContain(entry.marker);
        const slug = entry.marker.replace(/^HOSTILEMARK-|-\d+$/g, '');
        if (shots.delete(slug)) await screenshot(page, `security-${slug}`);
      }
      await expect(page.locator(CAPTURED_TEXT).locator(FOREIGN).evaluateAll((els) => els.map((e) => (e as unknown as { outerHTML: string }).outerHTML.slice(0, 200))), `frame ${f.id}`).resolves.toEqual([]);
    }
    expect([...shots]).toEqual([]);
  }, 300_000);

  it('kept the XML view literal: the entity references show, their expansion does not', async () => {
    const laughs = frames.find((f) => f.command === 'UUX' && f.dir === 'c2s')!;
    await page.goto(`${inspector.url}?frame=${laughs.id}`);
    await detail().locator('[data-testid=payload]').waitFor();
    const text = (await detail().locator('[data-testid=payload]').textContent()) ?? '';
    expect(text).toContain(`&lol${LAUGHS_DEPTH};`);
    expect(text).not.toContain('lollol');
  });

  it('still filters and selects afterwards', async () => {
    await page.goto(inspector.url);
    await shown(frames.length).waitFor();
    await page.locator('#filter-command').fill('NLN');
    await page.locator('#filter-command').press('Enter');
    await page.locator('#filter-q').fill('tpl@example.com');
    await page.locator('#filter-q').press('Enter');
    await shown(1).waitFor();
    await page.locator('[data-testid=frame-row][data-id]').first().click();
    await detail().locator('tr[data-field=friendlyName]', { hasText: '{{constructor.constructor(' }).waitFor();
    await screenshot(page, 'security-filtered');
  });

  it('never ran, fetched or injected anything from the captures', async () => {
    await page.waitForTimeout(300); // give a stray handler its chance to fire
    expect(reports).toEqual([]);
    expect(seen.dialogs).toEqual([]);
    expect(seen.errors).toEqual([]);
    expect(seen.consoleErrors.filter((m) => /Content Security Policy|Refused to/i.test(m))).toEqual([]);
    // Only the app's own files and API (an <img src=x> would ask for /x).
    const foreign = requests.filter((u) => {
      const url = new URL(u);
      return url.origin !== appOrigin || !/^\/(?:$|assets\/|api\/|favicon\.ico$)/.test(url.pathname);
    });
    expect(foreign).toEqual([]);
    expect(requests.length).toBeGreaterThan(0);
    expect(canaryHits).toEqual([]);
  });
});
