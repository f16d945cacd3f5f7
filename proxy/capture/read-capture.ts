// Stored reads back as decoder input. The decoded view is computed on read, never stored, so a better
// decoder also improves old captures.
import { type DecodedCapture, decodeChunks } from '../decode/decode-chunks.js';
import type { DecoderOptions } from '../decode/connection.js';
import type { Chunk } from '../decode/inputs/types.js';
import type { CaptureStore } from './store.js';

/**
 * A session's reads in capture order, labelled by connection. Without a session, every session's reads,
 * labelled `s<id>:<label>` since labels (ds1, ns1 …) repeat from session to session.
 */
export function sessionAsChunks(store: CaptureStore, sessionId?: number): Chunk[] {
  if (sessionId !== undefined && !store.getSession(sessionId)) {
    throw new RangeError(`no session ${sessionId} in ${store.file}`);
  }
  return store.sessionChunks(sessionId).map((c) => ({
    conn: sessionId === undefined ? `s${c.sessionId}:${c.label}` : c.label,
    dir: c.dir,
    t_ms: c.tsWall,
    bytes: c.bytes,
  }));
}

export function decodeSession(store: CaptureStore, sessionId?: number, options: DecoderOptions = {}): DecodedCapture {
  return decodeChunks(sessionAsChunks(store, sessionId), options);
}
