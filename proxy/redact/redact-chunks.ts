// Redaction of a capture's reads: frames each connection with the real decoder, replaces credentials
// frame by frame (rules first, then a sweep for every secret found anywhere), fixes the length token of
// payload commands whose body changed, and cuts the new streams back into the original reads. A frame
// that placeholders would push over the framer's limits (line length, payload cap) is masked
// same-length instead, so the redacted streams frame exactly as the originals did.
import type { Direction } from '../../shared/msnp/types.js';
import { ConnectionDecoder, type DecoderOptions, SessionContext } from '../decode/connection.js';
import { DEFAULT_LIMITS, type FramerLimits } from '../decode/framer.js';
import type { Chunk } from '../decode/inputs/types.js';
import { redactLine } from './line-rules.js';
import { isBinary, redactPayload, sweep } from './payload-rules.js';
import { masking, Placeholders, type SecretNamer } from './placeholders.js';
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

/** The rules' replacements in one frame. */
function redactRules(frame: SeenFrame, names: SecretNamer): Parts {
  const parts = split(frame);
  if (parts.line !== null) {
    const tokens = parts.line.split(' ');
    if (redactLine(tokens, frame.dir, names)) parts.line = tokens.join(' ');
    if (parts.payload !== null) parts.payload = redactPayload(parts.payload, names);
  }
  return parts;
}

/** The sweep: every secret of the table, wherever it is in the frame. */
function sweepParts(parts: Parts, secrets: Array<[string, string]>, mask: boolean): void {
  if (secrets.length === 0) return;
  const binary = mask || parts.line === null || (parts.payload !== null && isBinary(parts.payload));
  if (parts.line !== null) parts.line = sweep(parts.line, secrets, mask);
  if (parts.payload !== null) parts.payload = sweep(parts.payload, secrets, binary);
}

/** The frame's new bytes, and whether they still frame the same way under `limits`. */
function join(parts: Parts, limits: FramerLimits): { bytes: Buffer; fits: boolean } {
  if (parts.line === null) return { bytes: Buffer.from(parts.payload ?? '', 'latin1'), fits: true };
  let line = parts.line;
  let fits = true;
  const original = parts.frame.payload;
  if (parts.payload !== null && original && parts.payload.length !== original.length) {
    // The line's last token is the payload length (that is how it was framed): shift it by what the
    // payload gained or lost, so a complete payload stays complete and one cut short stays cut short.
    const announced = (parts.frame.payloadLength ?? original.length) + parts.payload.length - original.length;
    line = line.replace(/\d+$/, String(announced));
    fits = announced <= limits.maxPayload;
  }
  fits &&= line.length + parts.eol.length <= limits.maxLine;
  return { bytes: Buffer.from(line + parts.eol + (parts.payload ?? ''), 'latin1'), fits };
}

/** Placeholders would make the line over-long or the payload oversize: the frame masked in place. */
function maskedBytes(frame: SeenFrame, table: Placeholders, secrets: Array<[string, string]>, limits: FramerLimits): Buffer {
  const parts = redactRules(frame, masking(table));
  sweepParts(parts, secrets, true);
  return join(parts, limits).bytes;
}

export function redactChunks(chunks: readonly Chunk[], options: RedactOptions = {}): RedactionResult {
  const table = new Placeholders();
  for (const c of chunks) if (c.bytes.includes('REDACTED-')) table.reserve(c.bytes.toString('latin1'));
  const limits: FramerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const frames = frameAll(chunks, options);

  // Rules: known places of credentials, which also fills the table.
  const all = frames.map((frame) => redactRules(frame, table));

  // Sweep: a secret found in one place is removed from every other place too.
  const secrets = table.sweepable();
  const edits = new Map<string, Edit[]>();
  let changedFrames = 0;
  for (const parts of all) {
    sweepParts(parts, secrets, false);
    const joined = join(parts, limits);
    const bytes = joined.fits ? joined.bytes : maskedBytes(parts.frame, table, secrets, limits);
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
  // Reads left empty are dropped, except a connection's first: decoders (and exports) take
  // connections in order of their first read, and so emit end-of-stream frames in that order.
  const out: Chunk[] = [];
  const seen = new Set<string>();
  chunks.forEach((c, i) => {
    const bytes = replaced.get(i) ?? c.bytes;
    if (bytes.length > 0 || !seen.has(c.conn)) out.push({ ...c, bytes });
    seen.add(c.conn);
  });
  return { chunks: out, table, changedFrames };
}
