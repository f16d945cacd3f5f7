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
  /**
   * Frames announced before, as they are now: their issues grew after they were written (requests
   * flagged unanswered when their connection ended). Sent after any `frames/add` of the same tick.
   */
  | { type: 'frames/update'; frames: FrameSummary[] }
  /** The client fell behind (its queue overflowed): drop local state and reload from REST. */
  | { type: 'reset'; reason: string };

// ---- on the wire ----
// At tens of thousands of frames a second, `frames/add` dominates the stream: it travels as rows of
// values in FRAME_FIELDS order instead of objects repeating every key (less than half the bytes to
// write, send and parse). Every other message is its JSON.

/** The fields of a FrameSummary row in a `frames/add` on the wire, in order. */
export const FRAME_FIELDS = [
  'id', 'sessionId', 'connectionId', 'conn', 'dir', 'index', 'tsWall', 'command', 'trId', 'version', 'summary', 'size', 'issueCount', 'rewritten',
] as const satisfies ReadonlyArray<keyof FrameSummary>;

type F = FrameSummary;
type FrameRow = [
  F['id'], F['sessionId'], F['connectionId'], F['conn'], F['dir'], F['index'], F['tsWall'], F['command'], F['trId'], F['version'],
  F['summary'], F['size'], F['issueCount'], F['rewritten'],
];

/** `frames/add` as sent: `fields` names the columns of `rows`. */
interface FramesOnWire {
  type: 'frames/add';
  fields: readonly string[];
  rows: FrameRow[];
}

const toRow = (f: FrameSummary): FrameRow => [
  f.id, f.sessionId, f.connectionId, f.conn, f.dir, f.index, f.tsWall, f.command, f.trId, f.version, f.summary, f.size, f.issueCount, f.rewritten,
];

const fromRow = (r: FrameRow): FrameSummary => ({
  id: r[0], sessionId: r[1], connectionId: r[2], conn: r[3], dir: r[4], index: r[5], tsWall: r[6], command: r[7], trId: r[8],
  version: r[9], summary: r[10], size: r[11], issueCount: r[12], rewritten: r[13],
});

const FIELDS_KEY = FRAME_FIELDS.join(',');

export function encodeLive(message: LiveMessage): string {
  if (message.type !== 'frames/add') return JSON.stringify(message);
  return JSON.stringify({ type: 'frames/add', fields: FRAME_FIELDS, rows: message.frames.map(toRow) } satisfies FramesOnWire);
}

/** A message as received (throws on text that is not JSON). Unknown shapes are returned as they are. */
export function decodeLive(text: string): LiveMessage {
  const message = JSON.parse(text) as LiveMessage | FramesOnWire;
  if (message === null || typeof message !== 'object' || message.type !== 'frames/add' || !('rows' in message) || !Array.isArray(message.rows)) {
    return message as LiveMessage;
  }
  const { fields, rows } = message;
  if (Array.isArray(fields) && fields.join(',') === FIELDS_KEY) return { type: 'frames/add', frames: rows.map(fromRow) };
  // Columns in another order (a newer server): by name.
  const names = Array.isArray(fields) ? fields : [];
  const frames = rows.map((row) => Object.fromEntries(names.map((name, i) => [name, (row as unknown as unknown[])[i]])) as unknown as FrameSummary);
  return { type: 'frames/add', frames };
}
