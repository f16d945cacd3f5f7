// Stores one planned session the way the proxy stores a live one: a session marked imported, one
// ConnectionCapture per connection (reads stored as chunks, framed and decoded by the same decoder,
// frames stored with their summaries), referral links and cookies, and a close per connection.
import type { ConnectionCapture as Capture } from '../capture/connection-capture.js';
import { ConnectionCapture } from '../capture/connection-capture.js';
import type { CaptureStore } from '../capture/store.js';
import { SessionContext } from '../decode/connection.js';
import type { FixtureConnection, FixtureSession } from '../fixture/schema.js';
import type { PlannedSession } from './plan.js';

/** Read times that are not epoch milliseconds (transcript line numbers) are laid out from `base`. */
const EPOCH_MS = 1e11;

export interface StoreSessionOptions {
  imported: string;
  /** Wall time for inputs without real times (default: now). */
  base?: number;
  /** Connection and session facts from a fixture, when the input is one. */
  fixture?: { session: FixtureSession; connections: Map<string, FixtureConnection> };
  onProgress?: (done: number, total: number) => void;
  log?: (message: string) => void;
}

export interface StoredSession {
  sessionId: number;
  connections: number;
  frames: number;
}

export function storeSession(store: CaptureStore, plan: PlannedSession, options: StoreSessionOptions): StoredSession {
  const base = options.base ?? Date.now();
  const wall = (t: number) => (t >= EPOCH_MS ? t : base + t);
  const firstWall = wall(plan.chunks[0]?.t_ms ?? 0);
  const meta = options.fixture;
  const first = plan.connections[0];
  const sessionId = store.openSession({
    client: meta?.session.client ?? first?.client ?? 'imported', tsWall: meta?.session.startedWall ?? firstWall, imported: options.imported,
  });
  const context = new SessionContext();
  const captures = new Map<string, Capture>();
  const planned = new Map(plan.connections.map((c) => [c.conn, c]));
  let frames = 0;
  let lastWall = firstWall;

  const open = (conn: string, tsWall: number): Capture => {
    const p = planned.get(conn)!;
    const fx = meta?.connections.get(conn);
    const parent = fx?.referredBy ?? p.parent;
    const referredBy = parent === null ? undefined : captures.get(parent)?.id;
    const cookie = fx?.cookie ?? p.cookie;
    const opened = fx?.opened?.t_wall ?? tsWall;
    const capture = new ConnectionCapture(store, {
      sessionId, label: fx?.label ?? p.label, kind: fx?.kind ?? p.kind,
      client: fx?.client ?? p.client ?? 'unknown', upstream: fx?.upstream ?? p.upstream ?? 'unknown',
      listen: fx?.listen ?? 'imported', ...(referredBy !== undefined ? { referredBy } : {}),
      ...(cookie !== null ? { cookie } : {}), tsWall: opened, tsMono: opened - firstWall,
    }, context, {
      learned: (c) => {
        if (c.handle) store.updateSession(sessionId, { handle: c.handle });
      },
      frame: () => {
        frames++;
      },
      error: (message) => options.log?.(message),
    });
    captures.set(conn, capture);
    return capture;
  };

  plan.chunks.forEach((chunk, i) => {
    if (i % 500 === 0) options.onProgress?.(i, plan.chunks.length);
    const tsWall = wall(chunk.t_ms);
    lastWall = Math.max(lastWall, tsWall);
    const capture = captures.get(chunk.conn) ?? open(chunk.conn, tsWall);
    capture.chunk(chunk.dir, chunk.bytes, tsWall, tsWall - firstWall);
  });
  options.onProgress?.(plan.chunks.length, plan.chunks.length);
  for (const [conn, capture] of captures) {
    const closed = meta?.connections.get(conn)?.closed;
    const at = closed?.t_wall ?? lastWall;
    capture.close(closed?.reason ?? 'end of imported input', at, at - firstWall);
  }
  if (meta?.session.handle) store.updateSession(sessionId, { handle: meta.session.handle });
  store.updateSession(sessionId, { endedWall: meta?.session.endedWall ?? lastWall });
  return { sessionId, connections: captures.size, frames };
}
