// The quick rows of the fault matrix (scripts/faults.ts) as tests, so the script's checks stay honest:
// each runs against the real CLI and must come out ok with its figures.
import { describe, expect, it } from 'vitest';
import { termDuringBurst } from '../../scripts/faults/bursts.js';
import { clientVanishes, upstreamReset } from '../../scripts/faults/peers.js';
import { run } from '../../scripts/faults/result.js';
import { storeOutage } from '../../scripts/faults/store-outage.js';

describe('fault matrix rows', () => {
  it('upstream reset mid-payload', async () => {
    const r = await run('reset', upstreamReset);
    expect(r.failures).toEqual([]);
    expect(r.figures['close reason']).toBe('upstream error: ECONNRESET');
  });

  it('client vanishing mid-payload', async () => {
    const r = await run('vanish', clientVanishes);
    expect(r.failures).toEqual([]);
    expect(r.figures['close reason']).toBe('client error: ECONNRESET');
  });

  it('SIGTERM during a burst loses nothing', async () => {
    const r = await run('term', (c) => termDuringBurst(c, 3000));
    expect(r.failures).toEqual([]);
    expect(r.figures['frames lost']).toBe(0);
  });

  for (const kind of ['full', 'locked'] as const) {
    it(`capture file ${kind}: relayed byte for byte, every frame in after release`, async () => {
      const r = await run(kind, (c) => storeOutage(c, kind, 300));
      expect(r.failures).toEqual([]);
      expect(r.figures['frames in the capture']).toBe('40 of 40');
      expect(r.figures['failed write attempts (retried)']).toBeGreaterThan(0);
    });
  }

  it('a failed check or an exception is a failed row, not the end of the matrix', async () => {
    const r = await run('broken', async (c) => {
      c.check(false, 'first');
      throw new Error('second\nmore');
    });
    expect(r).toMatchObject({ fault: 'broken', ok: false, failures: ['first', 'threw: second'] });
  });
});
