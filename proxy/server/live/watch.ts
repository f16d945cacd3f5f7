// For `serve`: another process (a proxy) may be writing the capture file. Its commits raise no events
// here, so the file is polled: new frames by id, changed sessions and connections by their rows, and
// what changed goes to the hub like a commit of our own.
import type { InspectorContext } from '../context.js';

const FRAMES_PER_POLL = 20_000;

export function watchCapture(ctx: InspectorContext, everyMs = 1000): { poll(): void; stop(): void } {
  const db = ctx.store.readDatabase();
  const connectionRows = db.prepare('SELECT id, label, kind, version, handle, closed_wall, close_reason FROM connections').raw();
  const sessionRows = db.prepare('SELECT id, handle, ended_wall FROM sessions').raw();
  const seen = { frames: ctx.queries.maxFrameId(), connections: new Map<number, string>(), sessions: new Map<number, string>() };

  /** Ids whose row is new or differs from last time. */
  const changed = (rows: unknown[][], known: Map<number, string>): number[] => {
    const ids: number[] = [];
    for (const row of rows) {
      const id = row[0] as number;
      const text = JSON.stringify(row);
      if (known.get(id) !== text) {
        known.set(id, text);
        ids.push(id);
      }
    }
    return ids;
  };

  const poll = () => {
    const connections = changed(connectionRows.all() as unknown[][], seen.connections);
    const sessions = changed(sessionRows.all() as unknown[][], seen.sessions);
    const frames = ctx.queries.framesAfter(seen.frames, FRAMES_PER_POLL);
    seen.frames = frames.at(-1)?.id ?? seen.frames;
    ctx.hub.add({ sessions, connections, frames });
  };
  poll(); // the baseline: what is there now is every subscriber's snapshot
  ctx.hub.beforeJoin = poll;
  const timer = setInterval(poll, everyMs).unref();
  return {
    poll,
    stop() {
      clearInterval(timer);
      ctx.hub.beforeJoin = null;
    },
  };
}
