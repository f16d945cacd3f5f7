// What the inspector's REST API returns. The server maps capture rows to these in one place; the web
// app only ever sees these types. `XSummary` for lists (no bytes), `XDetail` for one item.
import type { DecodedFrame } from '../msnp/decoded.js';
import type { ConnectionKind, Direction } from '../msnp/types.js';

export interface CaptureInfo {
  /** File name of the capture (no directories). */
  name: string;
  /** A proxy is feeding this capture now. */
  live: boolean;
  /** Where clients connect and what it forwards to, when live. */
  listen: string | null;
  upstream: string | null;
  counts: { sessions: number; connections: number; frames: number };
  /** Capture store trouble (locked, full …), null when healthy. */
  storeError: string | null;
  queued: number;
}

export interface SessionSummary {
  id: number;
  handle: string | null;
  client: string;
  startedWall: number;
  endedWall: number | null;
  /** Set when the session was imported from a file. */
  imported: string | null;
  /** Negotiated versions seen in its connections, e.g. ["MSNP8"]. */
  versions: string[];
  connectionCount: number;
  frameCount: number;
  /** Some connection of the session is still open. */
  live: boolean;
}

export interface ConnectionSummary {
  id: number;
  sessionId: number;
  /** ds1, ns1, sb1 … */
  label: string;
  kind: ConnectionKind;
  client: string;
  upstream: string;
  referredBy: number | null;
  cookie: string | null;
  version: string | null;
  openedWall: number;
  closedWall: number | null;
  closeReason: string | null;
  frameCount: number;
  live: boolean;
}

export interface SessionDetail extends SessionSummary {
  connections: ConnectionSummary[];
}

export interface FrameSummary {
  /** Frame row id: unique in the capture, increasing in capture order. */
  id: number;
  sessionId: number;
  connectionId: number;
  /** Connection label (ds1, ns1, sb1 …). */
  conn: string;
  dir: Direction;
  /** Position in its connection. */
  index: number;
  tsWall: number;
  /** '' for unframed bytes, the 3-digit code for errors. */
  command: string;
  trId: number | null;
  version: string | null;
  summary: string;
  size: number;
  issueCount: number;
  /** The proxy forwarded this frame rewritten (XFR/RNG addresses). */
  rewritten: boolean;
}

export interface FrameDetail extends FrameSummary {
  /** Exact bytes as sent, base64. */
  bytes: string;
  /** What the proxy forwarded instead, base64, when it rewrote the frame. */
  rewrittenBytes: string | null;
  /** The frame decoded now, from the stored bytes (a better decoder improves old captures). */
  decoded: DecodedFrame;
  /** Id of the TrID partner (request ↔ reply) in this capture, if any. */
  partnerId: number | null;
}

/** Query of GET /api/frames. All filters combine (AND). */
export interface FrameQuery {
  session?: number;
  connection?: number;
  /** Comma-separated command names, e.g. "MSG,NLN"; '' selects unframed bytes. */
  command?: string;
  dir?: Direction;
  /** e.g. "MSNP12" */
  version?: string;
  trId?: number;
  /** Only frames with issues or error replies. */
  errors?: boolean;
  /** Free text, matched against command, summary and connection label. */
  q?: string;
  /** Paging: position in the filtered list (0-based) and page size (max 1000). */
  offset?: number;
  limit?: number;
}

export interface FramePage {
  /** Number of frames matching the filters. */
  total: number;
  offset: number;
  frames: FrameSummary[];
}

/**
 * Query of GET /api/sessions. Without `limit` the reply is every session (matching `handle`); with it,
 * the newest `limit` of those older than `before`. Either way oldest first.
 */
export interface SessionQuery {
  /** Only sessions with a lower id (the page asking for the ones before those it holds). */
  before?: number;
  /** At most this many (max 1000), the newest of those selected. */
  limit?: number;
  /** Case-insensitive part of the signed-in handle. */
  handle?: string;
}

/** Query of GET /api/frames/:id/position: the filters of a FrameQuery (paging is ignored). */
export type FrameFilterQuery = Omit<FrameQuery, 'offset' | 'limit'>;

/** GET /api/frames/:id/position: where a frame is in the filtered list. */
export interface FramePosition {
  /** 0-based position in the list the filters select; null when they leave the frame out. */
  position: number | null;
}

/** Body of every error response. For 5xx the message is generic: details stay in the server log. */
export interface ApiError {
  statusCode: number;
  /** HTTP reason phrase, e.g. "Not Found". */
  error: string;
  message: string;
}
