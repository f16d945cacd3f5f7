// Out-of-order TCP segments waiting for the hole before them: a binary min-heap ordered by sequence
// number (32-bit wrap-around aware), ties in arrival order. Each segment is added and taken once in
// O(log n), so thousands of segments queued behind a lost one cost n log n, not n².

export interface PendingSegment {
  seq: number;
  bytes: Buffer;
}

interface Entry extends PendingSegment {
  /** Arrival number: equal sequence numbers leave in the order they came. */
  order: number;
}

/** Signed distance a - b in 32-bit sequence space. */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

function before(x: Entry, y: Entry): boolean {
  const d = seqDiff(x.seq, y.seq);
  return d < 0 || (d === 0 && x.order < y.order);
}

export class PendingSegments {
  readonly #heap: Entry[] = [];
  #arrivals = 0;

  get size(): number {
    return this.#heap.length;
  }

  add(seq: number, bytes: Buffer): void {
    const heap = this.#heap;
    heap.push({ seq, bytes, order: this.#arrivals++ });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  /** The segment with the lowest sequence number (the earliest of equals), without removing it. */
  first(): PendingSegment | undefined {
    return this.#heap[0];
  }

  /** Removes and returns `first()`. */
  take(): PendingSegment | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < heap.length && before(heap[l]!, heap[min]!)) min = l;
      if (r < heap.length && before(heap[r]!, heap[min]!)) min = r;
      if (min === i) break;
      [heap[i], heap[min]] = [heap[min]!, heap[i]!];
      i = min;
    }
    return top;
  }
}
