// The live stream (WebSocket /api/live): snapshot-then-deltas. On open the server says `hello`; the
// client loads its snapshot over REST and applies deltas after it. Frames are announced only after
// they are committed to the capture, so a REST read made after an announcement always finds them.
import type { CaptureInfo, ConnectionSummary, FrameSummary, SessionSummary } from './dto.js';

export type LiveMessage =
  | { type: 'hello'; capture: CaptureInfo }
  | { type: 'capture/update'; capture: CaptureInfo }
  | { type: 'sessions/upsert'; session: SessionSummary }
  | { type: 'connections/upsert'; connection: ConnectionSummary }
  /** New frames, batched per tick, in capture order. */
  | { type: 'frames/add'; frames: FrameSummary[] }
  /** The client fell behind (its queue overflowed): drop local state and reload from REST. */
  | { type: 'reset'; reason: string };
