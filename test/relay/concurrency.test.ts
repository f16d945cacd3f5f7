// Many clients through ONE proxy at once, with mixed protocol versions: every client gets its own session,
// every hop of it (dispatch → NS → SB by XFR → SB by RNG) is linked to that session and no other, and
// every byte each end receives is exactly what the other end sent (bar the rewritten referral addresses).
//
// The clients share one set of fake servers (DS, NS, SB, SB2) that answer by content (see
// shared-servers.ts), as a real server would; the proxy has one upstream, the DS.
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureStore } from '../../proxy/capture/store.js';
import { Playbook } from '../helpers/playbook.js';
import { type Harness, startHarness } from '../helpers/proxy-harness.js';
import { SERVERS, scenario } from './scenarios.js';
import { SharedServers, runClient, variant } from './shared-servers.js';

let harness: Harness | null = null;
let shared: SharedServers | null = null;
afterEach(async () => {
  await harness?.dispose();
  await shared?.close();
  harness = null;
  shared = null;
});

type Version = 2 | 8 | 12 | 15 | 18;

// The scenarios all sign in as alice with the same cookies: each client gets its own, of the same
// length so that the payload lengths in the scripts still hold.
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const handleOf = (client: number) => `a${pad(client, 4)}@example.com`;
const replacements = (client: number): Array<[string, string]> => [
  ['alice@example.com', handleOf(client)],
  ['17262740.1050826919.32308', `17262740.1050826919.${pad(client, 5)}`],
  ['849102291.520491113', `849102291.5204${pad(client, 5)}`],
];

interface Client {
  id: number;
  version: Version;
  play: Playbook;
  /** Frames per connection label. */
  frames: Record<string, number>;
}

/** What the script has each side send on each connection, with the fake servers' real addresses. */
function sentBy(play: Playbook, addresses: Map<string, string>): Map<string, { c2s: Buffer; s2c: Buffer }> {
  const out = new Map<string, { c2s: Buffer; s2c: Buffer }>();
  for (const st of play.steps) {
    if (st.op !== 'c2s' && st.op !== 's2c') continue;
    let text = st.bytes.toString('latin1');
    for (const [name, address] of addresses) text = text.replaceAll(`{${name}}`, address);
    const entry = out.get(st.conn) ?? { c2s: Buffer.alloc(0), s2c: Buffer.alloc(0) };
    entry[st.op] = Buffer.concat([entry[st.op], Buffer.from(text, 'latin1')]);
    out.set(st.conn, entry);
  }
  return out;
}

/**
 * Runs every client at once through one proxy, then checks both ends and the capture. `order` may hold
 * a client back before it opens a connection, to force an interleaving.
 */
async function runAtOnce(versions: Version[], seed: number, order?: (client: number, conn: string) => Promise<void>): Promise<void> {
  shared = await SharedServers.start(SERVERS, seed);
  harness = await startHarness([], { upstream: shared.addresses.get('DS') as string });
  const clients: Client[] = versions.map((version, i) => {
    const { play, frames } = scenario(version);
    return { id: i + 1, version, frames, play: variant(play, replacements(i + 1), () => new Playbook(SERVERS)) };
  });
  for (const c of clients) shared.load(c.id, c.play);

  const results = await Promise.allSettled(clients.map((c) => runClient(
    c.play, shared as SharedServers, harness?.address as string, seed * 100 + c.id, async (conn) => order?.(c.id, conn),
  )));
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`client ${i + 1} (MSNP${versions[i]}): ${(r.reason as Error).message}`] : []));
  expect([...failed, ...shared.errors]).toEqual([]);
  await harness.stop();

  // The servers: each client's connection reached the right server once, and the server got exactly
  // the bytes the client sent.
  for (const c of clients) {
    const sent = sentBy(c.play, shared.addresses);
    for (const [name, label] of [['DS', 'ds1'], ['NS', 'ns1'], ['SB', 'sb1'], ['SB2', 'sb2']] as const) {
      const got = shared.served.get(name)?.filter((s) => s.client === c.id && s.conn === label) ?? [];
      expect(got, `client ${c.id} ${label}`).toHaveLength(1);
      expect(got[0]?.received.equals(sent.get(label)?.c2s as Buffer), `client ${c.id} ${label} c2s`).toBe(true);
      expect(Buffer.concat(got[0]?.sent ?? []).equals(sent.get(label)?.s2c as Buffer), `client ${c.id} ${label} s2c`).toBe(true);
    }
  }
  const accepted = [...shared.served.values()].flat();
  expect(accepted).toHaveLength(4 * clients.length);

  // The capture: one session per client, holding that client's four connections and nothing else.
  const store = CaptureStore.open(harness.file, { readonly: true });
  try {
    const sessions = store.listSessions();
    expect(sessions.map((s) => s.handle).sort()).toEqual(clients.map((c) => handleOf(c.id)).sort());
    expect(store.listConnections()).toHaveLength(4 * clients.length);
    for (const c of clients) {
      const session = sessions.find((s) => s.handle === handleOf(c.id));
      const conns = store.listConnections(session?.id);
      const what = `client ${c.id} (MSNP${c.version})`;
      expect(conns.map((x) => [x.label, x.kind, x.version]), what).toEqual([
        ['ds1', 'dispatch', c.version], ['ns1', 'ns', c.version], ['sb1', 'sb', c.version], ['sb2', 'sb', c.version],
      ]);
      const byLabel = new Map(conns.map((x) => [x.label, x]));
      expect(byLabel.get('ns1')?.referredBy, what).toBe(byLabel.get('ds1')?.id);
      expect(byLabel.get('sb1')?.referredBy, what).toBe(byLabel.get('ns1')?.id);
      expect(byLabel.get('sb2')?.referredBy, what).toBe(byLabel.get('ns1')?.id);
      expect(byLabel.get('sb1')?.cookie, what).toBe(`17262740.1050826919.${pad(c.id, 5)}`);
      expect(byLabel.get('sb2')?.cookie, what).toBe(`849102291.5204${pad(c.id, 5)}`);
      expect(byLabel.get('ds1')?.upstream).toBe(shared.addresses.get('DS'));
      expect(byLabel.get('ns1')?.upstream).toBe(shared.addresses.get('NS'));
      expect(byLabel.get('sb1')?.upstream).toBe(shared.addresses.get('SB'));
      expect(byLabel.get('sb2')?.upstream).toBe(shared.addresses.get('SB2'));

      // Every frame of every connection is this client's, and the frames hold exactly what each side sent.
      const sent = sentBy(c.play, shared.addresses);
      for (const conn of conns) {
        const rows = store.listFrames(conn.id);
        expect(rows.length, `${what} ${conn.label}`).toBe(c.frames[conn.label]);
        expect(rows.every((r) => r.command !== ''), `${what} ${conn.label}`).toBe(true);
        for (const dir of ['c2s', 's2c'] as const) {
          const stored = Buffer.concat(rows.filter((r) => r.dir === dir).map((r) => r.bytes));
          expect(stored.equals(sent.get(conn.label)?.[dir] as Buffer), `${what} ${conn.label} ${dir}`).toBe(true);
        }
        const text = rows.map((r) => r.bytes.toString('latin1')).join('');
        const handles = new Set(text.match(/a\d{4}@example\.com/g));
        expect([...handles], `${what} ${conn.label}`).toEqual([handleOf(c.id)]);
        expect(rows.filter((r) => r.rewritten).length).toBe(conn.label === 'ds1' ? 1 : conn.label === 'ns1' ? 2 : 0);
        expect(conn.closeReason, `${what} ${conn.label}`).toMatch(/closed/);
      }
    }
  } finally {
    store.close();
  }
}

describe('concurrent clients through one proxy', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`MSNP2, 8, 12, 15 and 18 clients at once, every read split at random offsets (seed ${seed})`, async () => {
      await runAtOnce([2, 8, 12, 15, 18], seed);
    });
  }

  it('links each NS connection to its own session when two clients follow their referrals in the other order', async () => {
    // Client 1 gets its XFR NS first, then client 2 gets its own; client 2 connects to the NS (and signs
    // in) before client 1 does. Both come from 127.0.0.1, so the client address cannot tell them apart.
    let referred = () => {};
    const oneReferred = new Promise<void>((resolve) => { referred = resolve; });
    let signedIn = () => {};
    const twoSignedIn = new Promise<void>((resolve) => { signedIn = resolve; });
    await runAtOnce([12, 12], 1, async (client, conn) => {
      if (client === 1 && conn === 'ns1') {
        referred();
        await twoSignedIn;
      }
      if (client === 2 && conn === 'ds1') await oneReferred;
      if (client === 2 && conn === 'sb1') signedIn();
    });
  });

  it('twenty clients at once, four of each version (same-version clients differ only by handle and cookies)', async () => {
    await runAtOnce([2, 8, 12, 15, 18, 2, 8, 12, 15, 18, 2, 8, 12, 15, 18, 2, 8, 12, 15, 18], 7);
  });
});
