// For `serve`: another process (a proxy) may be writing the capture file. Its commits raise no events
// here, so the file is polled: new frames by id, changed sessions and connections by their rows, and
// what changed goes to the hub like a commit of our own. A connection seen closing has had its open
// requests flagged (the writer stores those flags before the close): its flagged frames are announced
// again, as they now are.
import type { InspectorContext } from '../context.js';

const FRAMES_PER_POLL = 20_000;

export function watchCapture(ctx: InspectorContext, everyMs = 1000): { poll(): void; stop(): void } {
  const db = ctx.store.readDatabase();
  const connectionRows = db.prepare('SELECT id, label, kind, version, handle, closed_wall, close_reason FROM connections').raw();
  const sessionRows = db.prepare('SELECT id, handle, ended_wall FROM sessions').raw();
  const flaggedOf = db.prepare("SELECT connection_id AS connectionId, idx AS \"index\" FROM frames WHERE connection_id = ? AND issues <> '[]' AND id <= ?");
  const seen = { frames: ctx.queries.maxFrameId(), connections: new Map<number, string>(), sessions: new Map<number, string>() };

  /** Rows that are new or differ from last time. */
  const changed = (rows: unknown[][], known: Map<number, string>): unknown[][] => rows.filter((row) => {
    const id = row[0] as number;
    const text = JSON.stringify(row);
    if (known.get(id) === text) return false;
    known.set(id, text);
    return true;
  });

  const poll = (baseline = false) => {
    const connections = changed(connectionRows.all() as unknown[][], seen.connections);
    const sessions = changed(sessionRows.all() as unknown[][], seen.sessions).map((row) => row[0] as number);
    const announced = seen.frames;
    const frames = ctx.queries.framesAfter(seen.frames, FRAMES_PER_POLL);
    seen.frames = frames.at(-1)?.id ?? seen.frames;
    // A connection that closed since the last poll is among the changed rows (closed_wall is set).
    const closed = baseline ? [] : connections.filter((row) => row[5] !== null);
    const amended = closed.flatMap((row) => flaggedOf.all(row[0], announced) as Array<{ connectionId: number; index: number }>);
    ctx.hub.add({ sessions, connections: connections.map((row) => row[0] as number), frames, updated: ctx.queries.amended(amended) });
  };
  poll(true); // the baseline: what is there now is every subscriber's snapshot
  ctx.hub.beforeJoin = () => poll();
  const timer = setInterval(poll, everyMs).unref();
  return {
    poll: () => poll(),
    stop() {
      clearInterval(timer);
      ctx.hub.beforeJoin = null;
    },
  };
}
