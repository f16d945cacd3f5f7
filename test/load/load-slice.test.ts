// A one-minute slice of the load test (scripts/load.ts, the same engine): scripted clients of mixed
// protocol versions through the real proxy (CLI child, capture and live inspector on) with the inspector
// open in chromium. Behaviour only, never timing: nothing lost at either end or in the capture, every
// client completed its script, the capture is intact, the page stayed alive and showed the frames.
import { describe, expect, it } from 'vitest';
import { runLoad } from '../../scripts/load/engine.js';
import { findChromium } from '../browser/browser.js';

// CI installs chromium (findChromium throws there without it); elsewhere the slice runs without the page.
const chromium = findChromium();
if (!chromium) console.warn('test/load: no chromium found (apt-get install chromium, or set CHROMIUM_PATH); the slice runs without the inspector page');

/** Clients the slice runs; see docs/hardening.md (Load) for why and for the full-size run. */
const CLIENTS = Number(process.env.LOAD_SLICE_CLIENTS ?? 1000);

describe('load slice', () => {
  it(`${CLIENTS} clients for 60 s through the proxy: nothing lost, every script completed, capture intact, inspector alive`, async () => {
    const report = await runLoad({
      clients: CLIENTS, durationS: 60, rampS: 20, thinkMs: 2000, rounds: 1, messages: 2, directClients: 10, sampleS: 5,
      browser: chromium !== null, log: (line) => console.log(`[load] ${line}`),
    });
    console.log(`[load] ${report.clients.sessions} sign-ins, ${report.traffic.c2sFrames + report.traffic.s2cFrames} frames in ${report.loadS.toFixed(0)} s; `
      + `latency p50/p99 proxied ${report.latency.proxied.p50.toFixed(1)}/${report.latency.proxied.p99.toFixed(1)} ms, direct ${report.latency.direct.p50.toFixed(1)}/${report.latency.direct.p99.toFixed(1)} ms; `
      + `proxy RSS ${(report.memory.startRss / 1048576).toFixed(0)} → ${(report.memory.endRss / 1048576).toFixed(0)} MiB`);

    expect(report.failures).toEqual([]);
    // Zero lost: both ends' counts equal the capture's, each way, in bytes and frames.
    for (const check of report.checks) expect(check, check.what).toMatchObject({ ok: true });
    expect(report.lost).toEqual({ frames: 0, bytes: 0 });
    expect(report.handleMismatches).toEqual([]);
    // Every client ran its script to the end, at least one whole sign-in each, in every version.
    expect(report.clients).toMatchObject({ started: CLIENTS, completed: CLIENTS, failed: 0 });
    expect(report.clients.minSessions).toBeGreaterThanOrEqual(1);
    expect(Object.keys(report.clients.byVersion).sort()).toEqual(['MSNP12', 'MSNP15', 'MSNP18', 'MSNP2', 'MSNP8']);
    expect(report.capture.sessions).toBe(report.clients.sessions);
    expect(report.capture.integrity).toBe('ok');
    expect(report.capture.unclosed).toBe(0);
    expect(report.proxy.exit).toEqual({ code: 0, signal: null });
    if (chromium) {
      const page = report.browser;
      expect(page?.failedPolls).toBe(0);
      expect(page?.polls).toBeGreaterThan(0);
      expect(page?.finalShown).toBeGreaterThan(0);
      expect(page?.problems).toEqual([]);
      expect(page?.lastPolls.at(-1)).toMatchObject({ ok: true, ws: 'live' });
    }
  }, 300_000);
});
