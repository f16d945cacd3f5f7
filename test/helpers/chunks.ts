// Ways to cut a byte stream into TCP-like reads, for split-invariance tests.

/** Every way of cutting `bytes` in two (offsets 0..length). */
export function* everySplit(bytes: Buffer): Generator<Buffer[]> {
  for (let i = 0; i <= bytes.length; i++) yield [bytes.subarray(0, i), bytes.subarray(i)];
}

/** One read per byte. */
export function byteByByte(bytes: Buffer): Buffer[] {
  return Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
}

/** Reads of pseudo-random sizes (1..maxSize) from a seeded generator: reproducible. */
export function seededChunks(bytes: Buffer, seed: number, maxSize = 64): Buffer[] {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state;
  };
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length;) {
    const size = 1 + (next() % maxSize);
    out.push(bytes.subarray(i, i + size));
    i += size;
  }
  return out;
}
