// Queued records on their way to the writer thread. Structured cloning a Buffer copies its whole backing
// ArrayBuffer (a 64 KiB read for a 30-byte frame, a whole file for a slice of it), and cloning records
// field by field is slow; so reads and frames travel as flat rows, their bytes packed into one
// transferred ArrayBuffer per batch.
import type { Op } from './batch-writer.js';
import type { Direction } from '../../shared/msnp/types.js';

export interface EncodedOps {
  /** One row per op: a flat array for reads and frames, the op itself for the rest (they hold no bytes). */
  rows: unknown[];
  bytes: ArrayBuffer;
}

const CHUNK = 0;
const FRAME = 1;

export function encodeOps(ops: Op[]): EncodedOps {
  let size = 0;
  for (const op of ops) {
    if (op.type === 'chunk') size += op.record.bytes.length;
    else if (op.type === 'frame') size += op.record.bytes.length + (op.record.rewritten?.length ?? 0);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  const put = (b: Uint8Array): number => {
    bytes.set(b, at);
    at += b.length;
    return at;
  };
  const rows = ops.map((op): unknown => {
    if (op.type === 'chunk') {
      const c = op.record;
      const start = at;
      return [CHUNK, c.connectionId, c.dir, c.offset, c.length, c.tsWall, c.tsMono, start, put(c.bytes)];
    }
    if (op.type === 'frame') {
      const f = op.record;
      const start = at;
      const end = put(f.bytes);
      const rewrittenEnd = f.rewritten ? put(f.rewritten) : -1;
      return [FRAME, f.connectionId, f.dir, f.index, f.offset, f.tsWall, f.tsMono, start, end, rewrittenEnd, f.command,
        f.trId, f.issues, f.summary, f.version, f.sessionId];
    }
    return op;
  });
  return { rows, bytes: bytes.buffer };
}

export function decodeOps({ rows, bytes }: EncodedOps): Op[] {
  const view = (start: number, end: number) => Buffer.from(bytes, start, end - start);
  return rows.map((row): Op => {
    if (!Array.isArray(row)) return row as Op;
    if (row[0] === CHUNK) {
      const [, connectionId, dir, offset, length, tsWall, tsMono, start, end] = row as [number, number, Direction, number, number, number, number, number, number];
      return { type: 'chunk', record: { connectionId, dir, offset, length, tsWall, tsMono, bytes: view(start, end) } };
    }
    const [, connectionId, dir, index, offset, tsWall, tsMono, start, end, rewrittenEnd, command, trId, issues, summary, version, sessionId] =
      row as [number, number, Direction, number, number, number, number, number, number, number, string, number | null, string[], string | undefined, number | undefined, number | undefined];
    return {
      type: 'frame',
      record: {
        connectionId, dir, index, offset, tsWall, tsMono, bytes: view(start, end), command, trId, issues,
        ...(rewrittenEnd >= 0 ? { rewritten: view(end, rewrittenEnd) } : {}),
        ...(summary !== undefined ? { summary } : {}),
        ...(version !== undefined ? { version } : {}),
        ...(sessionId !== undefined ? { sessionId } : {}),
      },
    };
  });
}
