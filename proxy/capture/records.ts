// What the proxy hands to the capture store. Ids are allocated by the store synchronously (so the relay
// never waits on the database); rows are written later, in batches.
import type { ConnectionKind, Direction } from '../../shared/msnp/types.js';

export interface SessionOpen {
  /** Client address "ip:port" of the connection that started the session. */
  client: string;
  tsWall: number;
  /** Imported from a file rather than captured live. */
  imported?: string;
}

export interface ConnectionOpen {
  sessionId: number;
  /** Human label inside its session: ds1, ns1, sb1, sb2 … (or conn1 while the kind is unknown). */
  label: string;
  kind: ConnectionKind;
  client: string;
  /** The real server this connection is relayed to, "host:port". */
  upstream: string;
  /** Our listener the client connected to, "host:port". */
  listen: string;
  /** The connection whose XFR/RNG referral led here, and the cookie when it was a switchboard. */
  referredBy?: number;
  cookie?: string;
  tsWall: number;
  tsMono: number;
}

export interface ConnectionUpdate {
  kind?: ConnectionKind;
  label?: string;
  /** Negotiated (or inherited) version, e.g. 12. */
  version?: number;
  /** Signed-in handle, learnt from USR. */
  handle?: string;
}

export interface ConnectionClose {
  tsWall: number;
  tsMono: number;
  /** Why it ended: 'client closed', 'upstream refused: ECONNREFUSED', 'proxy shutdown', … */
  reason: string;
}

/** One TCP read, kept so exports can reproduce the exact segmentation and old captures can be re-decoded. */
export interface ChunkRecord {
  connectionId: number;
  dir: Direction;
  /** Offset of the read's first byte in this direction's stream, and its length. */
  offset: number;
  length: number;
  tsWall: number;
  tsMono: number;
  /** The read's bytes, exactly as received: the ground truth for exports and re-decoding. */
  bytes: Buffer;
}

export interface FrameRecord {
  connectionId: number;
  dir: Direction;
  /** Position in the connection, both directions, in capture order (as DecodedFrame.index). */
  index: number;
  /** Offset in this direction's stream. */
  offset: number;
  tsWall: number;
  tsMono: number;
  /** Exactly what the sender sent. */
  bytes: Buffer;
  /** What the proxy forwarded instead, when it rewrote the frame (XFR/RNG addresses). */
  rewritten?: Buffer;
  /** '' for raw unframed bytes. */
  command: string;
  trId: number | null;
  issues: string[];
  /** One-line description (the decoder's summary), stored so lists and searches need no decoding. */
  summary?: string;
  /** Negotiated version when the frame passed, e.g. 12 (absent when unknown). */
  version?: number;
  /** The connection's session; the store looks it up when absent. */
  sessionId?: number;
}

/** A stored frame's issues, grown after it was queued (a request its connection never got a reply to). */
export interface FrameIssues {
  connectionId: number;
  index: number;
  issues: string[];
}

export interface SessionUpdate {
  /** Signed-in handle, once known. */
  handle?: string;
  /** When the session's last connection closed, ms since the epoch. */
  endedWall?: number;
}
