// Before an input is stored: which session each connection belongs to, its role and label (ds1, ns1,
// sb1 … as the proxy names them), and which referral led to it — the same cookie logic the proxy
// uses: a switchboard by the cookie it signs in with, a notification server by the last `XFR … NS`
// handed out before it opened.
import type { ConnectionKind } from '../../shared/msnp/types.js';
import type { ConnectionInfo, Chunk } from '../decode/inputs/types.js';
import { decodeOrdered } from '../export/model.js';
import { parseReferral } from '../relay/rewriter.js';

export interface PlannedConnection {
  /** The input's label for it. */
  conn: string;
  /** The label it is stored under. */
  label: string;
  kind: ConnectionKind;
  client: string | null;
  upstream: string | null;
  /** Input label of the connection whose referral led here. */
  parent: string | null;
  cookie: string | null;
}

export interface PlannedSession {
  /** Input labels of its connections, in the order they opened. */
  connections: PlannedConnection[];
  chunks: Chunk[];
}

const PREFIX = { dispatch: 'ds', ns: 'ns', sb: 'sb', unknown: 'conn' } as const;

/** Chunk JSONL exported across sessions labels connections `s<id>:<label>`: keep those sessions apart. */
function groups(chunks: Chunk[]): Array<[prefix: string, chunks: Chunk[]]> {
  const prefixed = chunks.length > 0 && chunks.every((c) => /^s\d+:/.test(c.conn));
  if (!prefixed) return chunks.length > 0 ? [['', chunks]] : [];
  const by = new Map<string, Chunk[]>();
  for (const c of chunks) {
    const key = /^s\d+:/.exec(c.conn)![0];
    const list = by.get(key) ?? [];
    list.push({ ...c, conn: c.conn.slice(key.length) });
    by.set(key, list);
  }
  return [...by.entries()];
}

function planOne(prefix: string, chunks: Chunk[], infos: Map<string, ConnectionInfo>): PlannedSession {
  const decoded = decodeOrdered(chunks);
  const first = new Map<string, number>();
  chunks.forEach((c, i) => {
    if (!first.has(c.conn)) first.set(c.conn, i);
  });
  const order = [...first.keys()];
  const referrals = decoded.frames
    .map((frame, i) => ({ frame, seq: decoded.seq[i]!, used: false }))
    .filter(({ frame }) => frame.dir === 's2c' && (frame.command === 'XFR' || frame.command === 'RNG'));
  const counters: Record<string, number> = {};
  const connections = order.map((conn): PlannedConnection => {
    const kind = decoded.kinds.get(conn) ?? 'unknown';
    const role = PREFIX[kind];
    counters[role] = (counters[role] ?? 0) + 1;
    const info = infos.get(prefix + conn);
    const opened = first.get(conn)!;
    const hello = decoded.frames.find((f) => f.conn === conn && f.dir === 'c2s');
    let parent: string | null = null;
    let cookie: string | null = null;
    let target: string | null = null;
    const take = (r: (typeof referrals)[number]) => {
      r.used = true;
      parent = r.frame.conn;
      const line = [r.frame.command, ...(r.frame.trId === null ? [] : [String(r.frame.trId)]), ...r.frame.params].join(' ');
      target = parseReferral(line)?.referral.target ?? null;
    };
    const signsInWithCookie = hello && ((hello.command === 'USR' && hello.params.length === 2 && hello.params[0]?.includes('@')) || (hello.command === 'ANS' && hello.params.length === 3));
    if (signsInWithCookie) {
      cookie = hello.params[1] ?? null;
      const r = referrals.find((x) => x.frame.conn !== conn && x.seq < opened && x.frame.params[3] === cookie);
      if (r) take(r);
    } else {
      const r = [...referrals].reverse().find((x) => !x.used && x.frame.conn !== conn && x.seq < opened && x.frame.command === 'XFR' && x.frame.params[0] === 'NS');
      if (r) take(r);
    }
    return {
      conn, label: `${role}${counters[role]}`, kind, client: info?.client ?? null,
      upstream: info?.server ?? target, parent, cookie,
    };
  });
  return { connections, chunks };
}

export function planSessions(chunks: Chunk[], connections: ConnectionInfo[]): PlannedSession[] {
  const infos = new Map(connections.map((c) => [c.conn, c]));
  return groups(chunks).map(([prefix, g]) => planOne(prefix, g, infos));
}
