// A decoded frame as the decoder produces it and as `decode --json` prints it (one per line).
// The first fields are a contract other tools rely on; the rest are extensions.
import type { Direction, Field } from './types.js';
import type { RenderedView } from './views.js';

export interface ChallengeVerdict {
  verdict: 'valid' | 'invalid' | 'unknown-product';
  scheme: 'md5' | 'msnp11' | null;
  challenge: string;
  productId: string;
  expected?: string;
}

/** Link between a request and its reply, by TrID. */
export interface TrIdLink {
  index: number;
  latencyMs: number;
}

export interface DecodedFrame {
  conn: string;
  dir: Direction;
  /** Position of the frame in its connection, both directions, in capture order. */
  index: number;
  /** `""` for raw bytes that could not be framed; the 3-digit code for an error reply. */
  command: string;
  trId: number | null;
  /** Tokens after the command and TrID. */
  params: string[];
  payloadLength: number | null;
  /** Negotiated version of the connection when this frame passed, e.g. "MSNP12". */
  version: string | null;
  fields: Field[];
  issues: string[];

  // Extensions.
  /** Capture time of the chunk that completed the frame, ms since the epoch (or synthetic). */
  t_ms: number;
  /** Offset of the frame in its direction's byte stream, and its size in bytes. */
  offset: number;
  size: number;
  kind: 'command' | 'error' | 'raw';
  /** What the command is, e.g. 'Version negotiation', or the error's name. */
  title: string;
  /** One-line description (the Info column). */
  summary: string;
  /** For a reply: the request it answers. */
  replyTo?: TrIdLink;
  /** For a request: its first reply. */
  reply?: TrIdLink;
  challenge?: ChallengeVerdict;
  /** Payload view, when asked for. */
  view?: RenderedView;
}
