// One frame in full: its stored bytes and the frame decoded now from the stored reads of its connection
// (so a better decoder also improves old captures). Decoding a connection is the costly part, and the
// inspector asks for neighbouring frames one after another: decoded connections are kept in a small LRU,
// each as a window of frames around the one asked for, so a huge connection never sits in memory whole.
import type { FrameDetail } from '../../shared/api/dto.js';
import type { DecodedFrame } from '../../shared/msnp/decoded.js';
import type { CaptureQueries, ConnectionSource, StoredRead } from '../capture/queries.js';
import { ConnectionDecoder, SessionContext } from '../decode/connection.js';
import { decodeChunks } from '../decode/decode-chunks.js';

export interface FrameDetailsOptions {
  /** Decoded connections kept (default 8). */
  cacheSize?: number;
  /** Frames kept either side of the one asked for (default 500). */
  window?: number;
}

interface Decoded {
  lastChunkId: number;
  closed: boolean;
  /** frames[i] has index first + i. */
  first: number;
  frames: DecodedFrame[];
}

/** Referral chains are short (ds → ns → sb); this only guards against a corrupt file's cycle. */
const MAX_CHAIN = 8;

export class FrameDetails {
  readonly #queries: CaptureQueries;
  readonly #cacheSize: number;
  readonly #window: number;
  readonly #cache = new Map<number, Decoded>();

  constructor(queries: CaptureQueries, options: FrameDetailsOptions = {}) {
    this.#queries = queries;
    this.#cacheSize = Math.max(1, options.cacheSize ?? 8);
    this.#window = Math.max(1, options.window ?? 500);
  }

  detail(id: number): FrameDetail | null {
    const stored = this.#queries.frame(id);
    if (!stored) return null;
    const s = stored.summary;
    const decoded = this.#decoded(s.connectionId, s.index)
      // The stored reads do not give this frame back (a decoder change moved frame boundaries):
      // decode its own bytes, without the connection's context.
      ?? decodeChunks([{ conn: s.conn, dir: s.dir, t_ms: s.tsWall, bytes: stored.bytes }], { views: true }).frames[0]
      ?? null;
    if (!decoded) return null;
    const partner = decoded.replyTo?.index ?? decoded.reply?.index;
    return {
      ...s,
      bytes: stored.bytes.toString('base64'),
      rewrittenBytes: stored.rewritten ? stored.rewritten.toString('base64') : null,
      decoded,
      partnerId: partner === undefined ? null : this.#queries.frameIdAt(s.connectionId, partner),
    };
  }

  #decoded(connectionId: number, index: number): DecodedFrame | undefined {
    const source = this.#queries.connectionSource(connectionId);
    if (!source) return undefined;
    let entry = this.#cache.get(connectionId);
    const fresh = entry && entry.lastChunkId === source.lastChunkId && entry.closed === source.closed
      && index >= entry.first && index < entry.first + entry.frames.length;
    if (!entry || !fresh) {
      entry = this.#decode(source, index);
      this.#cache.delete(connectionId);
      this.#cache.set(connectionId, entry);
      while (this.#cache.size > this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value as number);
    }
    return entry.frames[index - entry.first];
  }

  /**
   * Decodes the connection with the connections that referred it to (their reads before its first
   * one): a switchboard learns its version from the cookie its notification connection handed out.
   */
  #decode(target: ConnectionSource, index: number): Decoded {
    const own = this.#queries.reads(target.id, target.lastChunkId);
    const firstRead = own[0]?.id ?? 0;
    const reads: StoredRead[] = [...own];
    const seen = new Set([target.id]);
    for (let up = target.referredBy, depth = 0; up !== null && depth < MAX_CHAIN && !seen.has(up); depth++) {
      seen.add(up);
      reads.push(...this.#queries.reads(up, firstRead - 1));
      up = this.#queries.connectionSource(up)?.referredBy ?? null;
    }
    reads.sort((a, b) => a.id - b.id);

    const first = Math.max(0, index - this.#window);
    const last = index + this.#window;
    const frames: DecodedFrame[] = [];
    const session = new SessionContext();
    const decoders = new Map<number, ConnectionDecoder>();
    const decoderOf = (read: StoredRead) => {
      let decoder = decoders.get(read.connectionId);
      if (!decoder) {
        const mine = read.connectionId === target.id;
        const emit = mine ? (f: DecodedFrame) => { if (f.index >= first && f.index <= last) frames.push(f); } : () => {};
        decoder = new ConnectionDecoder(mine ? target.label : `c${read.connectionId}`, session, emit, { views: mine });
        decoders.set(read.connectionId, decoder);
      }
      return decoder;
    };
    for (const read of reads) decoderOf(read).push(read.dir, read.bytes, read.tsWall);
    // Only a closed connection has seen its end (unanswered requests are flagged then, as live).
    if (target.closed) decoders.get(target.id)?.end(own.at(-1)?.tsWall);
    return { lastChunkId: target.lastChunkId, closed: target.closed, first: frames[0]?.index ?? first, frames };
  }
}
