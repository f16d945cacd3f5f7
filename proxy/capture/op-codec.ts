// Queued records on their way to the writer thread. Structured cloning records as they are is costly on
// the relay thread: a Buffer drags its whole backing ArrayBuffer along (a 64 KiB read for a 30-byte
// frame, a whole file for a slice of it) and objects are serialised key by key. So a batch travels as
// the numbers of every record in a Float64Array (STRIDE slots each) and all their bytes packed end to
// end in one ArrayBuffer, both transferred, plus their strings in one array.
import type { Direction } from '../../shared/msnp/types.js';
import type { Op } from './batch-writer.js';

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

export function encodeOps(ops: Op[]): EncodedOps {
  let size = 0;
  for (const op of ops) {
    if (op.type === 'chunk') size += op.record.bytes.length;
    else if (op.type === 'frame') size += op.record.bytes.length + (op.record.rewritten?.length ?? 0);
  }
  const numbers = new Float64Array(ops.length * STRIDE);
  const bytes = new Uint8Array(size);
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

export function decodeOps({ numbers, bytes, strings }: EncodedOps): Op[] {
  const all = Buffer.from(bytes);
  const ops: Op[] = new Array(numbers.length / STRIDE);
  let s = 0;
  for (let i = 0; i < ops.length; i++) {
    const n = i * STRIDE;
    const kind = numbers[n + KIND];
    if (kind === OTHER) {
      ops[i] = JSON.parse(strings[s++]!) as Op;
      continue;
    }
    const dir: Direction = numbers[n + DIR] === 0 ? 'c2s' : 's2c';
    const end = numbers[n + END]!;
    const bytesOf = all.subarray(numbers[n + START]!, end);
    if (kind === CHUNK) {
      ops[i] = {
        type: 'chunk',
        record: {
          connectionId: numbers[n + CONNECTION]!, dir, offset: numbers[n + OFFSET]!, length: numbers[n + INDEX]!,
          tsWall: numbers[n + TS_WALL]!, tsMono: numbers[n + TS_MONO]!, bytes: bytesOf,
        },
      };
      continue;
    }
    const trId = numbers[n + TR_ID]!;
    const issues = strings[s + 1]!;
    const record: Extract<Op, { type: 'frame' }>['record'] = {
      connectionId: numbers[n + CONNECTION]!, dir, index: numbers[n + INDEX]!, offset: numbers[n + OFFSET]!,
      tsWall: numbers[n + TS_WALL]!, tsMono: numbers[n + TS_MONO]!, bytes: bytesOf, command: strings[s]!,
      trId: Number.isNaN(trId) ? null : trId, issues: issues === '[]' ? [] : (JSON.parse(issues) as string[]),
    };
    const rewrittenEnd = numbers[n + REWRITTEN_END]!;
    if (rewrittenEnd >= 0) record.rewritten = all.subarray(end, rewrittenEnd);
    const summary = strings[s + 2];
    if (summary !== null && summary !== undefined) record.summary = summary;
    const version = numbers[n + VERSION]!;
    if (!Number.isNaN(version)) record.version = version;
    const session = numbers[n + SESSION]!;
    if (!Number.isNaN(session)) record.sessionId = session;
    s += 3;
    ops[i] = { type: 'frame', record };
  }
  return ops;
}
