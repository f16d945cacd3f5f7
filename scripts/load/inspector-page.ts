// The web inspector open in Debian's chromium for the whole load run, following the live tail. Polled
// now and then: does the page still answer, is its live stream up, how many frames does it show, and is
// the newest of them in view (the tail followed).
import { realpathSync } from 'node:fs';
import { basename } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { countLiveResets, desktopPage, findChromium, launch, watch } from '../../test/browser/browser.js';
import { childrenNamed, treeCpuSecondsOf } from '../proc.js';

export interface PagePoll {
  /** Seconds since the run started. */
  t: number;
  ok: boolean;
  ws: string;
  /** Frames the page says it shows, and the position of the last row it has drawn (-1: none). */
  shown: number;
  lastRow: number;
  error?: string;
}

export interface InspectorPage {
  polls: PagePoll[];
  /** Uncaught page errors, dialogs and console errors seen. */
  problems: () => string[];
  /** What the page asked of the inspector: live-stream resets received and REST requests by path. */
  traffic: () => { resets: number; requests: Record<string, number> };
  poll(t: number): Promise<PagePoll>;
  /** CPU time chromium has used so far, all its processes, seconds. */
  cpuSeconds(): number;
  close(): Promise<void>;
}

/** A page that does not answer a poll within this counts as not answering (the run goes on). */
const POLL_TIMEOUT_MS = 20_000;

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms); });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Null without chromium (where findChromium allows that: outside CI). */
export async function openInspector(url: string): Promise<InspectorPage | null> {
  const path = findChromium();
  if (!path) return null;
  // The browser's first process, found by its command name (the executable's, cut to 15 characters).
  const name = basename(realpathSync(path)).slice(0, 15);
  const before = new Set(childrenNamed(process.pid, name));
  const browser: Browser = await launch(path);
  const roots = childrenNamed(process.pid, name).filter((pid) => !before.has(pid));
  try {
    const page: Page = await desktopPage(browser);
    const seen = watch(page);
    const resets = countLiveResets(page);
    const requests: Record<string, number> = {};
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (!path.startsWith('/api/')) return;
      // Ids folded, so that the counts are per kind of request.
      const kind = path.replace(/\/\d+/g, '/:id');
      requests[kind] = (requests[kind] ?? 0) + 1;
    });
    await page.goto(url, { timeout: 60_000 });
    await page.locator('[data-testid=ws-status]', { hasText: /^live$/ }).waitFor({ timeout: 60_000 });
    const polls: PagePoll[] = [];
    return {
      polls,
      problems: () => [...seen.errors, ...seen.dialogs, ...seen.consoleErrors],
      traffic: () => ({ resets: resets(), requests: { ...requests } }),
      async poll(t) {
        let result: PagePoll;
        try {
          const state = await within(POLL_TIMEOUT_MS, page.evaluate(() => {
            const doc = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null; querySelectorAll(s: string): ArrayLike<{ getAttribute(a: string): string | null }> } }).document;
            let last = -1;
            const rows = doc.querySelectorAll('[data-testid=frame-row][data-pos]');
            for (let i = 0; i < rows.length; i++) last = Math.max(last, Number(rows[i]?.getAttribute('data-pos')));
            return { ws: doc.querySelector('[data-testid=ws-status]')?.textContent ?? '', shown: doc.querySelector('[data-testid=shown]')?.textContent ?? '', last };
          }));
          result = { t, ok: true, ws: state.ws.trim(), shown: Number(state.shown.replace(/[^\d]/g, '')) || 0, lastRow: state.last };
        } catch (error) {
          result = { t, ok: false, ws: '', shown: 0, lastRow: -1, error: (error as Error).message.split('\n')[0] as string };
        }
        polls.push(result);
        return result;
      },
      cpuSeconds: () => roots.reduce((sum, pid) => sum + treeCpuSecondsOf(pid), 0),
      async close() {
        if (browser.isConnected()) await browser.close();
      },
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
