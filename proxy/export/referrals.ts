// Which frame sent the client to a connection: the `XFR … SB`/`RNG` carrying its cookie, or the last
// `XFR … NS` its referring connection received before it opened.
import type { DecodedFrame } from '../../shared/msnp/decoded.js';
import type { ExportConnection, OrderedFrames } from './model.js';

export function isReferral(frame: DecodedFrame): boolean {
  return frame.dir === 's2c' && ((frame.command === 'XFR' && (frame.params[0] === 'NS' || frame.params[0] === 'SB')) || frame.command === 'RNG');
}

/** The referral frame in `frames` (all connections, capture order) that led to `conn`, if any. */
export function referralFrame(conn: ExportConnection, decoded: OrderedFrames, firstSeq: number | undefined): DecodedFrame | undefined {
  if (conn.referredBy === null) return undefined;
  const candidates = decoded.frames
    .map((frame, i) => ({ frame, seq: decoded.seq[i]! }))
    .filter(({ frame }) => frame.conn === conn.referredBy && isReferral(frame));
  if (conn.cookie !== null) {
    const byCookie = candidates.find(({ frame }) => frame.params[3] === conn.cookie);
    if (byCookie) return byCookie.frame;
  }
  const wanted = conn.kind === 'sb' ? 'SB' : 'NS';
  const before = candidates.filter(({ frame, seq }) =>
    (frame.command === 'RNG' ? 'SB' : frame.params[0]) === wanted && (firstSeq === undefined || seq <= firstSeq));
  return before.at(-1)?.frame;
}

/** Index in `chunks` of each connection's first read. */
export function firstReads(chunks: ReadonlyArray<{ conn: string }>): Map<string, number> {
  const first = new Map<string, number>();
  chunks.forEach((c, i) => {
    if (!first.has(c.conn)) first.set(c.conn, i);
  });
  return first;
}
