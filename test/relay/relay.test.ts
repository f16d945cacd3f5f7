import { afterEach, describe, expect, it } from 'vitest';
import { CaptureStore } from '../../proxy/capture/store.js';
import { type Harness, startHarness } from '../helpers/proxy-harness.js';
import { SERVERS, scenario } from './scenarios.js';

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.dispose();
  harness = null;
});

describe('a whole session through the proxy', () => {
  // Both places the capture's SQLite writes can run (the default picks one by the number of CPUs).
  // And both times the upstream can be called: as the client connects, or once it first speaks.
  const runs = ([2, 8, 12, 15, 18] as const).flatMap((v) => [
    [v, 'inline', 'eager'] as const, [v, 'thread', 'eager'] as const, [v, 'inline', 'lazy'] as const,
  ]);
  for (const [version, writer, upstreamConnect] of runs) {
    it(`follows MSNP${version}: dispatch → NS → SB (XFR) and SB (RNG), byte for byte, and captures it (${writer} writer, ${upstreamConnect} upstream connect)`, async () => {
      harness = await startHarness(SERVERS, { writer, upstreamConnect });
      const { play, frames } = scenario(version);
      const result = await play.run(harness.servers, harness.address, version);
      const listeners = harness.proxy.referralListeners;
      await harness.stop();

      const store = CaptureStore.open(harness.file, { readonly: true });
      try {
        const sessions = store.listSessions();
        expect(sessions).toHaveLength(1);
        expect(sessions[0]?.handle).toBe('alice@example.com');
        const conns = store.listConnections(sessions[0]?.id);
        expect(conns.map((c) => [c.label, c.kind, c.version])).toEqual([
          ['ds1', 'dispatch', version], ['ns1', 'ns', version], ['sb1', 'sb', version], ['sb2', 'sb', version],
        ]);
        const byLabel = new Map(conns.map((c) => [c.label, c]));
        expect(byLabel.get('ns1')?.referredBy).toBe(byLabel.get('ds1')?.id);
        expect(byLabel.get('sb1')?.referredBy).toBe(byLabel.get('ns1')?.id);
        expect(byLabel.get('sb2')?.referredBy).toBe(byLabel.get('ns1')?.id);
        expect(byLabel.get('sb2')?.cookie).toBe('849102291.520491113');
        expect(byLabel.get('sb1')?.upstream).toBe(harness.servers.get('SB')?.address);

        for (const conn of conns) {
          const rows = store.listFrames(conn.id);
          expect(rows.length, conn.label).toBe(frames[conn.label]);
          expect(rows.every((r) => r.command !== ''), conn.label).toBe(true);
          // The frames hold exactly the bytes each side sent.
          const sent = result.sent.get(conn.label);
          for (const dir of ['c2s', 's2c'] as const) {
            const stored = Buffer.concat(rows.filter((r) => r.dir === dir).map((r) => r.bytes));
            expect(stored.equals(Buffer.concat(sent?.[dir] ?? [])), `${conn.label} ${dir}`).toBe(true);
          }
          // Rewritten frames keep both forms: the original address and the proxy's.
          for (const r of rows.filter((row) => row.rewritten)) {
            expect(['XFR', 'RNG']).toContain(r.command);
            const ours = r.rewritten?.toString('latin1') ?? '';
            expect(r.bytes.toString('latin1')).toMatch(/127\.0\.0\.1:\d+/);
            const listener = listeners.find((l) => r.bytes.toString('latin1').includes(l.target));
            expect(listener).toBeDefined();
            expect(ours).toContain(listener?.listen);
          }
          expect(rows.filter((r) => r.rewritten).length).toBe(conn.label === 'ds1' ? 1 : conn.label === 'ns1' ? 2 : 0);
          expect(conn.closeReason).toMatch(/closed/);
        }
      } finally {
        store.close();
      }
    });
  }
});
