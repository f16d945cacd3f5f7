// Redaction of a capture's reads: frames each connection with the real decoder, replaces credentials
// frame by frame (rules first, then a sweep for every secret found anywhere), fixes the length token of
// payload commands whose body changed, and cuts the new streams back into the original reads.
import type { Direction } from '../../shared/msnp/types.js';
import { ConnectionDecoder, type DecoderOptions, SessionContext } from '../decode/connection.js';
import type { Chunk } from '../decode/inputs/types.js';
import { redactLine } from './line-rules.js';
import { isBinary, redactPayload, sweep } from './payload-rules.js';
import { Placeholders } from './placeholders.js';
import { type Edit, rechunk } from './rechunk.js';

interface SeenFrame {
  key: string;
  offset: number;
  size: number;
  bytes: Buffer;
  dir: Direction;
  line: string | null;
  payloadLength: number | null;
  payload: Buffer | null;
}

export interface RedactionResult {
  chunks: Chunk[];
  table: Placeholders;
  /** Frames whose bytes changed. */
  changedFrames: number;
}

const streamKey = (conn: string, dir: Direction) => `${conn}\u0000${dir}`;

export interface RedactOptions extends DecoderOptions {
  /** Called as reads are framed (large captures take a while). */
  onProgress?: (done: number, total: number) => void;
}

function frameAll(chunks: readonly Chunk[], options: RedactOptions): SeenFrame[] {
  const session = new SessionContext();
  const decoders = new Map<string, ConnectionDecoder>();
  const frames: SeenFrame[] = [];
  chunks.forEach((chunk, i) => {
    if (i % 1000 === 0) options.onProgress?.(i, chunks.length);
    let decoder = decoders.get(chunk.conn);
    if (!decoder) {
      const conn = chunk.conn;
      decoder = new ConnectionDecoder(conn, session, (decoded, raw) => {
        frames.push({
          key: streamKey(conn, decoded.dir), offset: raw.offset, size: raw.size, bytes: Buffer.from(raw.bytes),
          dir: decoded.dir, line: raw.line, payloadLength: raw.payloadLength, payload: raw.payload && Buffer.from(raw.payload),
        });
      }, options);
      decoders.set(conn, decoder);
    }
    decoder.push(chunk.dir, chunk.bytes, chunk.t_ms);
  });
  options.onProgress?.(chunks.length, chunks.length);
  for (const decoder of decoders.values()) decoder.end();
  return frames;
}

/** A frame split into the parts redaction works on (latin1 text keeps every byte). */
interface Parts {
  frame: SeenFrame;
  line: string | null;
  eol: string;
  payload: string | null;
}

function split(frame: SeenFrame): Parts {
  const text = frame.bytes.toString('latin1');
  if (frame.line === null) return { frame, line: null, eol: '', payload: text };
  const payloadBytes = frame.payload?.length ?? 0;
  const rest = text.slice(frame.line.length, text.length - payloadBytes);
  return { frame, line: frame.line, eol: rest, payload: frame.payload ? text.slice(text.length - payloadBytes) : null };
}

function join(parts: Parts): Buffer {
  if (parts.line === null) return Buffer.from(parts.payload ?? '', 'latin1');
  let line = parts.line;
  const original = parts.frame.payload;
  if (parts.payload !== null && original && parts.payload.length !== original.length) {
    // The line's last token is the payload length (that is how it was framed): shift it by what the
    // payload gained or lost, so a complete payload stays complete and one cut short stays cut short.
    const announced = parts.frame.payloadLength ?? original.length;
    line = line.replace(/\d+$/, String(announced + parts.payload.length - original.length));
  }
  return Buffer.from(line + parts.eol + (parts.payload ?? ''), 'latin1');
}

export function redactChunks(chunks: readonly Chunk[], options: RedactOptions = {}): RedactionResult {
  const table = new Placeholders();
  for (const c of chunks) if (c.bytes.includes('REDACTED-')) table.reserve(c.bytes.toString('latin1'));
  const frames = frameAll(chunks, options);

  // Rules: known places of credentials, which also fills the table.
  const all = frames.map((frame) => {
    const parts = split(frame);
    if (parts.line !== null) {
      const tokens = parts.line.split(' ');
      if (redactLine(tokens, frame.dir, table)) parts.line = tokens.join(' ');
      if (parts.payload !== null) parts.payload = redactPayload(parts.payload, table);
    }
    return parts;
  });

  // Sweep: a secret found in one place is removed from every other place too.
  const secrets = table.sweepable();
  const edits = new Map<string, Edit[]>();
  let changedFrames = 0;
  for (const parts of all) {
    if (secrets.length > 0) {
      const binary = parts.line === null || (parts.payload !== null && isBinary(parts.payload));
      if (parts.line !== null) parts.line = sweep(parts.line, secrets, false);
      if (parts.payload !== null) parts.payload = sweep(parts.payload, secrets, binary);
    }
    const bytes = join(parts);
    if (bytes.equals(parts.frame.bytes)) continue;
    changedFrames++;
    const list = edits.get(parts.frame.key) ?? [];
    list.push({ offset: parts.frame.offset, size: parts.frame.size, bytes });
    edits.set(parts.frame.key, list);
  }
  if (changedFrames === 0) return { chunks: [...chunks], table, changedFrames };

  // Re-cut each changed stream into its reads, then put the reads back in capture order.
  const readsOf = new Map<string, number[]>();
  chunks.forEach((c, i) => {
    const key = streamKey(c.conn, c.dir);
    const list = readsOf.get(key) ?? [];
    list.push(i);
    readsOf.set(key, list);
  });
  const replaced = new Map<number, Buffer>();
  for (const [key, list] of edits) {
    const indices = readsOf.get(key) ?? [];
    list.sort((a, b) => a.offset - b.offset);
    const reads = rechunk(indices.map((i) => chunks[i]!.bytes), list);
    indices.forEach((i, n) => replaced.set(i, reads[n]!));
  }
  const out: Chunk[] = [];
  chunks.forEach((c, i) => {
    const bytes = replaced.get(i) ?? c.bytes;
    if (bytes.length > 0) out.push({ ...c, bytes });
  });
  return { chunks: out, table, changedFrames };
}
