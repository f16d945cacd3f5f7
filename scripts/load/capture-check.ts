// What the capture file holds after a load run, in the terms both scripted ends count in: bytes of the
// reads (chunks) and of the frames, frames, per direction, in total and per client handle (through the
// session each connection was linked to). Read through the store's read-only connection.
import { CaptureStore } from '../../proxy/capture/store.js';
import { type Counts, zeroCounts } from './wire.js';

export interface CaptureTotals {
  integrity: string;
  sessions: number;
  connections: number;
  /** Connections with no close recorded. */
  unclosed: number;
  closeReasons: Record<string, number>;
  /** Bytes of the reads per direction (what each end sent), and the frames' bytes and count. */
  chunks: { c2s: number; s2c: number };
  frames: Counts;
  /** Bytes the rewritten referrals added to what the client got (rewritten − original). */
  rewriteDelta: number;
  rewrites: number;
  /** Per session handle: chunk bytes (as c2sBytes/s2cBytes) and frames. */
  byHandle: Record<string, Counts & { sessions: number; rewriteDelta: number }>;
  /** Frames the decoder flagged with issues, by issue text (top few). */
  issues: Record<string, number>;
}

type Row = Record<string, number | string | null>;

export function readCapture(file: string): CaptureTotals {
  const store = CaptureStore.open(file, { readonly: true });
  try {
    const db = store.readDatabase();
    const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ');
    const counts = store.counts();
    const all = (sql: string) => db.prepare(sql).all() as Row[];
    const chunks = { c2s: 0, s2c: 0 };
    for (const r of all('SELECT dir, sum(length) AS bytes FROM chunks GROUP BY dir')) chunks[r.dir as 'c2s' | 's2c'] = Number(r.bytes);
    const frames = zeroCounts();
    let rewriteDelta = 0;
    let rewrites = 0;
    for (const r of all(`SELECT dir, count(*) AS n, sum(length(bytes)) AS bytes, count(rewritten) AS rewrites,
        sum(CASE WHEN rewritten IS NULL THEN 0 ELSE length(rewritten) - length(bytes) END) AS delta FROM frames GROUP BY dir`)) {
      if (r.dir === 'c2s') {
        frames.c2sFrames = Number(r.n);
        frames.c2sBytes = Number(r.bytes);
      } else {
        frames.s2cFrames = Number(r.n);
        frames.s2cBytes = Number(r.bytes);
      }
      rewriteDelta += Number(r.delta);
      rewrites += Number(r.rewrites);
    }
    const byHandle: CaptureTotals['byHandle'] = {};
    const entry = (handle: unknown) => {
      const key = String(handle ?? '(none)');
      byHandle[key] ??= { ...zeroCounts(), sessions: 0, rewriteDelta: 0 };
      return byHandle[key];
    };
    for (const r of all('SELECT handle, count(*) AS n FROM sessions GROUP BY handle')) entry(r.handle).sessions = Number(r.n);
    for (const r of all(`SELECT s.handle AS handle, k.dir AS dir, sum(k.length) AS bytes FROM chunks k
        JOIN connections c ON c.id = k.connection_id JOIN sessions s ON s.id = c.session_id GROUP BY s.handle, k.dir`)) {
      entry(r.handle)[r.dir === 'c2s' ? 'c2sBytes' : 's2cBytes'] = Number(r.bytes);
    }
    for (const r of all(`SELECT s.handle AS handle, f.dir AS dir, count(*) AS n,
        sum(CASE WHEN f.rewritten IS NULL THEN 0 ELSE length(f.rewritten) - length(f.bytes) END) AS delta FROM frames f
        JOIN connections c ON c.id = f.connection_id JOIN sessions s ON s.id = c.session_id GROUP BY s.handle, f.dir`)) {
      const e = entry(r.handle);
      e[r.dir === 'c2s' ? 'c2sFrames' : 's2cFrames'] = Number(r.n);
      e.rewriteDelta += Number(r.delta);
    }
    const closeReasons: Record<string, number> = {};
    let unclosed = 0;
    for (const r of all('SELECT close_reason AS reason, count(*) AS n FROM connections GROUP BY close_reason')) {
      if (r.reason === null) unclosed += Number(r.n);
      else closeReasons[String(r.reason)] = Number(r.n);
    }
    const issues: Record<string, number> = {};
    for (const r of all(`SELECT issues, count(*) AS n FROM frames WHERE issues <> '[]' GROUP BY issues ORDER BY n DESC LIMIT 10`)) issues[String(r.issues)] = Number(r.n);
    return {
      integrity, sessions: counts.sessions, connections: counts.connections, unclosed, closeReasons,
      chunks, frames, rewriteDelta, rewrites, byHandle, issues,
    };
  } finally {
    store.close();
  }
}
