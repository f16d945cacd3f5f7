// Decodes a whole capture offline: every connection's chunks, in capture order, through one session.
import type { DecodedFrame } from '../../shared/msnp/decoded.js';
import { ConnectionDecoder, type DecoderOptions, SessionContext } from './connection.js';
import type { Chunk } from './inputs/types.js';

export interface DecodedCapture {
  frames: DecodedFrame[];
  connections: ConnectionDecoder[];
}

export function decodeChunks(chunks: Iterable<Chunk>, options: DecoderOptions = {}): DecodedCapture {
  const session = new SessionContext();
  const decoders = new Map<string, ConnectionDecoder>();
  const frames: DecodedFrame[] = [];
  const emit = (frame: DecodedFrame) => frames.push(frame);
  let last = 0;
  for (const chunk of chunks) {
    let decoder = decoders.get(chunk.conn);
    if (!decoder) {
      decoder = new ConnectionDecoder(chunk.conn, session, emit, options);
      decoders.set(chunk.conn, decoder);
    }
    decoder.push(chunk.dir, chunk.bytes, chunk.t_ms);
    last = chunk.t_ms;
  }
  for (const decoder of decoders.values()) decoder.end(last);
  return { frames, connections: [...decoders.values()] };
}
