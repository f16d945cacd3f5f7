// Puts a rewritten byte stream back into the original reads. A read boundary outside every changed
// frame keeps its place (shifted by the size changes before it); one that falls inside a changed frame
// moves to that frame's start, so the frame arrives whole with the read that completed it — every frame
// still completes in the same read as before, which keeps timestamps and frame order unchanged. The
// caller drops reads left empty by the move (but a connection's first read, which fixes its order).

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
  // New offset of each edit's start, to map boundaries.
  const starts: number[] = [];
  let at = 0;
  let shift = 0;
  for (const e of edits) {
    parts.push(original.subarray(at, e.offset), e.bytes);
    starts.push(e.offset + shift);
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
    if (e && e.offset < x) return starts[k]!; // inside a changed frame
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
