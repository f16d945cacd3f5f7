// Puts a rewritten byte stream back into the original reads. A read boundary outside every changed
// frame keeps its place (shifted by the size changes before it). One inside a changed frame keeps its
// place within the bytes the frame begins with unchanged (all of them when its size is unchanged), and
// beyond those moves back to their end: each frame still completes in the same read, and the framer
// still sees the start of a line (which decides garbage gathering) in the same read, which keeps
// timestamps and frame order unchanged. The caller drops reads left empty by the move (but a
// connection's first read, which fixes its order).

export interface Edit {
  /** Offset and size of the original frame in its direction's stream. */
  offset: number;
  size: number;
  /** Its new bytes. */
  bytes: Buffer;
}

/** The new reads, one per original read (possibly empty), with `edits` applied (sorted by offset). */
export function rechunk(reads: readonly Buffer[], edits: readonly Edit[]): Buffer[] {
  if (edits.length === 0) return [...reads];
  const original = Buffer.concat(reads as Buffer[]);
  const parts: Buffer[] = [];
  // New offset of each edit's start, and how many of its first bytes stay as they were.
  const starts: number[] = [];
  const kept: number[] = [];
  let at = 0;
  let shift = 0;
  for (const e of edits) {
    parts.push(original.subarray(at, e.offset), e.bytes);
    starts.push(e.offset + shift);
    kept.push(e.bytes.length === e.size ? e.size : commonPrefix(original.subarray(e.offset, e.offset + e.size), e.bytes));
    shift += e.bytes.length - e.size;
    at = e.offset + e.size;
  }
  parts.push(original.subarray(at));
  const stream = Buffer.concat(parts);

  let k = 0; // first edit not wholly before the boundary
  let delta = 0;
  const map = (x: number): number => {
    while (k < edits.length && edits[k]!.offset + edits[k]!.size <= x) {
      delta += edits[k]!.bytes.length - edits[k]!.size;
      k++;
    }
    const e = edits[k];
    if (e && e.offset < x) return starts[k]! + Math.min(x - e.offset, kept[k]!); // inside a changed frame
    return x + delta;
  };

  const out: Buffer[] = [];
  let end = 0;
  let newStart = 0;
  for (const read of reads) {
    end += read.length;
    const newEnd = end === original.length ? stream.length : map(end);
    out.push(stream.subarray(newStart, Math.max(newStart, newEnd)));
    newStart = Math.max(newStart, newEnd);
  }
  return out;
}

function commonPrefix(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
