// For an inspector on its own thread: the relay thread's store tells it, after each commit, which
// sessions and connections changed and the last frame id written. The frames themselves are read back
// from the file (they are committed, so this thread's connection sees them), never copied across.
import type { InspectorContext } from '../context.js';

const FRAMES_PER_READ = 20_000;

/** What one commit of the writing store changed (ids only). */
export interface CommitNotice {
  sessions: number[];
  connections: number[];
  /** Highest frame id the commit wrote; 0 when it wrote none. */
  lastFrameId: number;
  /** Frames written earlier whose issues the commit rewrote. */
  amended: Array<{ connectionId: number; index: number }>;
}

export interface CommitFollower {
  commit(notice: CommitNotice): void;
  stop(): void;
}

export function followCommits(ctx: InspectorContext): CommitFollower {
  let seen = ctx.queries.maxFrameId();

  /** Every committed frame after `seen`, up to at least `upTo` (later ones too if already there). */
  const framesUpTo = (upTo: number) => {
    const frames = [];
    while (seen < upTo) {
      const page = ctx.queries.framesAfter(seen, FRAMES_PER_READ);
      if (page.length === 0) break;
      frames.push(...page);
      seen = (page.at(-1) as { id: number }).id;
    }
    return frames;
  };

  // A new subscriber's snapshot (REST, after its hello) holds everything committed so far: announce it
  // now, to the others only, so that the notices still on their way add nothing twice.
  ctx.hub.beforeJoin = () => ctx.hub.add({ frames: framesUpTo(Number.MAX_SAFE_INTEGER) });

  return {
    commit(notice) {
      // Even with nobody listening: the queries' positions must learn of it.
      const updated = ctx.queries.amended(notice.amended);
      if (ctx.hub.clientCount === 0) {
        seen = Math.max(seen, notice.lastFrameId); // nobody to tell; a new subscriber starts from REST
        return;
      }
      ctx.hub.add({ sessions: notice.sessions, connections: notice.connections, frames: framesUpTo(notice.lastFrameId), updated });
    },
    stop() {
      ctx.hub.beforeJoin = null;
    },
  };
}
