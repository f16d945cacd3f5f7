// Queued records on their way to the writer thread. Structured cloning records as they are is costly on
// the relay thread: a Buffer drags its whole backing ArrayBuffer along (a 64 KiB read for a 30-byte
// frame, a whole file for a slice of it) and objects are serialised key by key. So a batch travels as
// the numbers of every record in a Float64Array (STRIDE slots each) and all their bytes packed end to
// end in one ArrayBuffer, both transferred, plus their strings in one array. The thread sends the bytes'
// buffer back with its answer, and later batches are packed into it.
import type { Op } from './batch-writer.js';
import type { ChunkRecord, FrameRecord } from './records.js';

export interface EncodedOps {
  numbers: Float64Array;
  bytes: ArrayBuffer;
  /** Per frame: command, issues as JSON, summary; per record that is neither a read nor a frame: its JSON. */
  strings: Array<string | null>;
}

const STRIDE = 13;
// Slots: every record has a KIND; reads and frames the rest, frames all of it.
const KIND = 0, CONNECTION = 1, DIR = 2, OFFSET = 3, TS_WALL = 4, TS_MONO = 5;
/** Where the record's bytes start and end in `bytes`, and where a frame's rewritten bytes end (-1: none). */
const START = 6, END = 7, REWRITTEN_END = 8;
/** A frame's index (a read's length), TrID, version and session (NaN when missing). */
const INDEX = 9, TR_ID = 10, VERSION = 11, SESSION = 12;
const CHUNK = 0, FRAME = 1, OTHER = 2;

/**
 * `buffer(size)` gives the ArrayBuffer the bytes are packed into, of at least `size` bytes (a spare one
 * the writer thread gave back, say); by default a new one of exactly that size.
 */
export function encodeOps(ops: Op[], buffer: (size: number) => ArrayBuffer = (size) => new ArrayBuffer(size)): EncodedOps {
  let size = 0;
  for (const op of ops) {
    if (op.type === 'chunk') size += op.record.bytes.length;
    else if (op.type === 'frame') size += op.record.bytes.length + (op.record.rewritten?.length ?? 0);
  }
  const numbers = new Float64Array(ops.length * STRIDE);
  const bytes = new Uint8Array(buffer(size));
  const strings: Array<string | null> = [];
  let at = 0;
  const put = (piece: Uint8Array): number => {
    bytes.set(piece, at);
    return (at += piece.length);
  };
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const n = i * STRIDE;
    if (op.type !== 'chunk' && op.type !== 'frame') {
      numbers[n + KIND] = OTHER;
      strings.push(JSON.stringify(op));
      continue;
    }
    const r = op.record;
    numbers[n + CONNECTION] = r.connectionId;
    numbers[n + DIR] = r.dir === 'c2s' ? 0 : 1;
    numbers[n + OFFSET] = r.offset;
    numbers[n + TS_WALL] = r.tsWall;
    numbers[n + TS_MONO] = r.tsMono;
    numbers[n + START] = at;
    numbers[n + END] = put(r.bytes);
    if (op.type === 'chunk') {
      numbers[n + KIND] = CHUNK;
      numbers[n + INDEX] = op.record.length;
      continue;
    }
    const f = op.record;
    numbers[n + KIND] = FRAME;
    numbers[n + REWRITTEN_END] = f.rewritten ? put(f.rewritten) : -1;
    numbers[n + INDEX] = f.index;
    numbers[n + TR_ID] = f.trId ?? NaN;
    numbers[n + VERSION] = f.version ?? NaN;
    numbers[n + SESSION] = f.sessionId ?? NaN;
    strings.push(f.command, f.issues.length === 0 ? '[]' : JSON.stringify(f.issues), f.summary ?? null);
  }
  return { numbers, bytes: bytes.buffer, strings };
}

/** A frame of an encoded batch as SQLite binds it: its issues as JSON, what is absent as null. */
export type BoundFrame = Omit<FrameRecord, 'rewritten' | 'issues' | 'summary' | 'version' | 'sessionId'> & {
  rewritten: Buffer | null;
  issues: string;
  summary: string | null;
  version: number | null;
  sessionId: number | null;
};

/** A BoundFrame to fill in (one is reused for every frame of a batch). */
export function boundFrame(): BoundFrame {
  return {
    connectionId: 0, dir: 'c2s', index: 0, offset: 0, tsWall: 0, tsMono: 0, bytes: Buffer.alloc(0), rewritten: null, command: '',
    trId: null, issues: '[]', summary: null, version: null, sessionId: null,
  };
}

export interface RowVisitor {
  /** The row object is reused for the next read: copy what must outlive the call. */
  chunk(row: ChunkRecord): void;
  /** The row object is reused for the next frame: copy what must outlive the call. */
  frame(row: BoundFrame): void;
  other(op: Op): void;
}

const orNull = (n: number): number | null => (Number.isNaN(n) ? null : n);

/**
 * Walks an encoded batch in order. The writer binds reads and frames straight from here, so a batch
 * becomes rows without a record object (and its garbage) per read and frame.
 */
export function readRows({ numbers, bytes, strings }: EncodedOps, visit: RowVisitor): void {
  const all = Buffer.from(bytes);
  const chunk: ChunkRecord = { connectionId: 0, dir: 'c2s', offset: 0, length: 0, tsWall: 0, tsMono: 0, bytes: all };
  const frame = boundFrame();
  let s = 0;
  for (let n = 0; n < numbers.length; n += STRIDE) {
    const kind = numbers[n + KIND];
    if (kind === OTHER) {
      visit.other(JSON.parse(strings[s++]!) as Op);
      continue;
    }
    const row = kind === CHUNK ? chunk : frame;
    row.connectionId = numbers[n + CONNECTION]!;
    row.dir = numbers[n + DIR] === 0 ? 'c2s' : 's2c';
    row.offset = numbers[n + OFFSET]!;
    row.tsWall = numbers[n + TS_WALL]!;
    row.tsMono = numbers[n + TS_MONO]!;
    const end = numbers[n + END]!;
    row.bytes = all.subarray(numbers[n + START]!, end);
    if (kind === CHUNK) {
      chunk.length = numbers[n + INDEX]!;
      visit.chunk(chunk);
      continue;
    }
    const rewrittenEnd = numbers[n + REWRITTEN_END]!;
    frame.rewritten = rewrittenEnd >= 0 ? all.subarray(end, rewrittenEnd) : null;
    frame.index = numbers[n + INDEX]!;
    frame.trId = orNull(numbers[n + TR_ID]!);
    frame.version = orNull(numbers[n + VERSION]!);
    frame.sessionId = orNull(numbers[n + SESSION]!);
    frame.command = strings[s]!;
    frame.issues = strings[s + 1]!;
    frame.summary = strings[s + 2] ?? null;
    s += 3;
    visit.frame(frame);
  }
}

/** The records of an encoded batch, as the store queued them. */
export function decodeOps(encoded: EncodedOps): Op[] {
  const ops: Op[] = [];
  readRows(encoded, {
    chunk: (c) => ops.push({ type: 'chunk', record: { ...c } }),
    frame: (f) => {
      const record: Extract<Op, { type: 'frame' }>['record'] = {
        connectionId: f.connectionId, dir: f.dir, index: f.index, offset: f.offset, tsWall: f.tsWall, tsMono: f.tsMono,
        bytes: f.bytes, command: f.command, trId: f.trId, issues: f.issues === '[]' ? [] : (JSON.parse(f.issues) as string[]),
      };
      if (f.rewritten) record.rewritten = f.rewritten;
      if (f.summary !== null) record.summary = f.summary;
      if (f.version !== null) record.version = f.version;
      if (f.sessionId !== null) record.sessionId = f.sessionId;
      ops.push({ type: 'frame', record });
    },
    other: (op) => ops.push(op),
  });
  return ops;
}
