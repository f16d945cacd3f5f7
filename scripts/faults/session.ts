// A normal session through a proxy for the fault suite: the MSNP8 sign-in-and-chat playbook of the relay
// tests (dispatch → NS → two switchboards) against fresh fake servers, checked byte for byte by the
// playbook as it runs, and then compared with what the capture file holds.
import { CaptureStore, type FrameRow } from '../../proxy/capture/store.js';
import type { Direction } from '../../shared/msnp/types.js';
import { FakeServer, type PlaybookResult } from '../../test/helpers/playbook.js';
import { SERVERS, scenario } from '../../test/relay/scenarios.js';

export interface Servers {
  servers: Map<string, FakeServer>;
  /** The dispatch server, the proxy's upstream. */
  upstream: string;
  close(): Promise<void>;
}

export async function startServers(): Promise<Servers> {
  const servers = new Map<string, FakeServer>();
  for (const name of SERVERS) servers.set(name, await FakeServer.start());
  return {
    servers,
    upstream: (servers.get('DS') as FakeServer).address,
    async close() {
      for (const s of servers.values()) await s.close();
    },
  };
}

export interface Played {
  result: PlaybookResult;
  /** Frames per connection label, as the script sends them. */
  frames: Record<string, number>;
  total: number;
}

/** Plays the session through `proxyAddress`; throws at the first byte out of place at either end. */
export async function playSession(servers: Map<string, FakeServer>, proxyAddress: string, seed = 1): Promise<Played> {
  const { play, frames } = scenario(8);
  const result = await play.run(servers, proxyAddress, seed);
  return { result, frames, total: Object.values(frames).reduce((a, b) => a + b, 0) };
}

const stream = (rows: FrameRow[], dir: Direction) => Buffer.concat(rows.filter((r) => r.dir === dir).map((r) => r.bytes));

/**
 * What the capture holds of a played session, against what each end sent: a list of mismatches (empty
 * when every connection has every frame, each direction's bytes are exactly what was sent, and each
 * connection's close is recorded).
 */
export function compareCapture(store: CaptureStore, played: Played, sessionId?: number): string[] {
  const problems: string[] = [];
  const session = sessionId === undefined ? store.listSessions().find((s) => s.handle === 'alice@example.com') : store.getSession(sessionId);
  if (!session) return ['no session of alice@example.com in the capture'];
  const conns = store.listConnections(session.id);
  const labels = conns.map((c) => c.label).join(',');
  if (labels !== Object.keys(played.frames).join(',')) problems.push(`connections ${labels}, expected ${Object.keys(played.frames).join(',')}`);
  for (const conn of conns) {
    const rows = store.listFrames(conn.id);
    if (rows.length !== played.frames[conn.label]) problems.push(`${conn.label}: ${rows.length} frames, expected ${played.frames[conn.label]}`);
    const sent = played.result.sent.get(conn.label);
    for (const dir of ['c2s', 's2c'] as const) {
      if (!stream(rows, dir).equals(Buffer.concat(sent?.[dir] ?? []))) problems.push(`${conn.label} ${dir}: captured bytes differ from those sent`);
    }
    if (!conn.closeReason) problems.push(`${conn.label}: no close recorded`);
  }
  return problems;
}

/** Opens the capture file read-only for `check` (the writer may still be running: WAL). */
export function readCapture<T>(file: string, check: (store: CaptureStore) => T): T {
  const store = CaptureStore.open(file, { readonly: true });
  try {
    return check(store);
  } finally {
    store.close();
  }
}
