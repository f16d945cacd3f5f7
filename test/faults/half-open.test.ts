// 2,000 half-open connections through the real CLI proxy (a CI-sized version of the 10,000 that
// scripts/faults.ts opens): clients that connect, some sending half a command line, then go silent
// without FIN, while a normal session runs through the same proxy. The session completes byte for byte,
// the proxy records every one of the half-open connections' closes once they go, and exits cleanly.
import { describe, expect, it } from 'vitest';
import { halfOpen } from '../../scripts/faults/half-open.js';

const COUNT = 2_000;

describe('half-open connections', () => {
  it(`${COUNT} silent clients: a session beside them completes, every close is recorded`, async () => {
    const r = await halfOpen(COUNT);
    // Under a low open-file limit the count is capped to what fits (said, not hidden).
    if (r.capped) console.warn(`half-open: only ${r.count} of ${COUNT} connections fit under ulimit -n ${r.fdLimit}`);
    expect(r.count).toBe(Math.min(COUNT, Math.floor((r.fdLimit - 200) / 2)));
    expect(r.count).toBeGreaterThan(0);
    const n = r.count;
    expect(r.captureProblems).toEqual([]);
    expect(r.recordedOpen).toBe(n); // each in the capture, open, while it was
    // Half of them closed with a FIN, half vanished with a reset.
    expect(r.closeReasons).toEqual({ 'client closed': Math.ceil(n / 2), 'client error: ECONNRESET': Math.floor(n / 2) });
    // The half line each odd one sent is in the capture, flagged as cut short.
    expect(r.halfLinesCaptured).toBe(Math.floor(n / 2));
    expect(r.exit).toEqual({ code: 0, signal: null });
    // A figure, not a limit: printed for the record.
    console.log(`half-open: ${r.count} connections, ${(r.rssPerConnection / 1024).toFixed(1)} KiB RSS each; session ${r.sessionAloneMs.toFixed(0)} ms alone, ${r.sessionBesideMs.toFixed(0)} ms beside them; closes recorded in ${r.closesRecordedMs.toFixed(0)} ms`);
  }, 180_000);
});
