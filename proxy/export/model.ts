// What every export format writes from: a capture's (or an input file's) sessions, connections and
// reads, redacted unless asked not to be. Frames are decoded from the (redacted) reads on demand, so
// every format shows exactly the bytes it would ship.
import type { DecodedFrame } from '../../shared/msnp/decoded.js';
import type { ConnectionKind } from '../../shared/msnp/types.js';
import { ConnectionDecoder, type DecoderOptions, SessionContext } from '../decode/connection.js';
import type { Chunk } from '../decode/inputs/types.js';

export interface ExportSession {
  id: number | null;
  client: string | null;
  handle: string | null;
  startedWall: number | null;
  endedWall: number | null;
  imported: string | null;
}

export interface ExportConnection {
  /** The label its reads and frames carry in this export (`s<id>:` prefixed across sessions). */
  key: string;
  /** Store ids, when exported from a capture. */
  id: number | null;
  sessionId: number | null;
  kind: ConnectionKind;
  version: number | null;
  client: string | null;
  upstream: string | null;
  listen: string | null;
  /** Key of the connection whose referral led here. */
  referredBy: string | null;
  /** Switchboard cookie it authenticated with (redacted like the frames). */
  cookie: string | null;
  handle: string | null;
  openedWall: number | null;
  closedWall: number | null;
  closeReason: string | null;
}

export interface ExportModel {
  /** Where it came from (a capture file or input file name), for headers and narration. */
  source: string;
  sessions: ExportSession[];
  connections: ExportConnection[];
  /** Every read of the selected sessions in capture order (all connections: decoding needs them). */
  chunks: Chunk[];
  /** Only this connection's reads and frames are written (`--connection`), or null. */
  only: string | null;
  redacted: boolean;
  /** Secrets replaced, per kind. */
  redaction: Record<string, number>;
}

export interface OrderedFrames {
  frames: DecodedFrame[];
  /** For each frame, the index in `chunks` of the read that completed it (capture order across connections). */
  seq: number[];
}

/** Decodes reads in capture order; frames carry the index of the read that completed them. */
export function decodeOrdered(chunks: readonly Chunk[], options: DecoderOptions = {}): OrderedFrames & { kinds: Map<string, ConnectionKind> } {
  const session = new SessionContext();
  const decoders = new Map<string, ConnectionDecoder>();
  const frames: DecodedFrame[] = [];
  const seq: number[] = [];
  let current = 0;
  const emit = (frame: DecodedFrame) => {
    frames.push(frame);
    seq.push(current);
  };
  let last = 0;
  chunks.forEach((chunk, i) => {
    current = i;
    let decoder = decoders.get(chunk.conn);
    if (!decoder) {
      decoder = new ConnectionDecoder(chunk.conn, session, emit, options);
      decoders.set(chunk.conn, decoder);
    }
    decoder.push(chunk.dir, chunk.bytes, chunk.t_ms);
    last = chunk.t_ms;
  });
  current = Math.max(0, chunks.length - 1);
  for (const decoder of decoders.values()) decoder.end(last);
  return { frames, seq, kinds: new Map([...decoders].map(([conn, d]) => [conn, d.kind])) };
}

/** Decodes the model's reads (all of them: switchboards inherit their version through referrals). */
export function decodeModel(model: ExportModel, options: DecoderOptions = {}): OrderedFrames {
  const { frames, seq } = decodeOrdered(model.chunks, options);
  if (model.only === null) return { frames, seq };
  const keep = frames.map((f) => f.conn === model.only);
  return { frames: frames.filter((_, i) => keep[i]), seq: seq.filter((_, i) => keep[i]) };
}

/** The reads the export writes (one connection's with `--connection`). */
export function selectedChunks(model: ExportModel): Chunk[] {
  return model.only === null ? model.chunks : model.chunks.filter((c) => c.conn === model.only);
}

export function selectedConnections(model: ExportModel): ExportConnection[] {
  return model.only === null ? model.connections : model.connections.filter((c) => c.key === model.only);
}

/** Each connection's byte stream per direction, to cut frames from (`key dir` → bytes). */
export function modelStreams(model: ExportModel): Map<string, Buffer> {
  const parts = new Map<string, Buffer[]>();
  for (const c of model.chunks) {
    const key = `${c.conn} ${c.dir}`;
    const list = parts.get(key) ?? [];
    list.push(c.bytes);
    parts.set(key, list);
  }
  return new Map([...parts].map(([key, list]) => [key, Buffer.concat(list)]));
}

export function frameBytes(streams: Map<string, Buffer>, frame: DecodedFrame): Buffer {
  const stream = streams.get(`${frame.conn} ${frame.dir}`) ?? Buffer.alloc(0);
  return stream.subarray(frame.offset, frame.offset + frame.size);
}
