// The inspector's per-connection frame counts: a typed array indexed by id, grown as ids arrive.
import { describe, expect, it } from 'vitest';
import { CountsById } from '../../proxy/capture/counts-by-id.js';

describe('CountsById', () => {
  it('agrees with a Map of counts for ids added in any order, across every growth', () => {
    const counts = new CountsById();
    const model = new Map<number, number>();
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20_000; i++) {
      // Mostly near the newest id (as connections come), sometimes far back, sometimes a jump ahead.
      const id = i % 97 === 0 ? Math.floor(random() * 100_000) : Math.max(1, i * 3 - Math.floor(random() * 50));
      const n = 1 + Math.floor(random() * 40);
      counts.add(id, n);
      model.set(id, (model.get(id) ?? 0) + n);
    }
    for (let id = 0; id <= 100_001; id++) expect(counts.get(id)).toBe(model.get(id) ?? 0);
  });

  it('reads 0 for ids never counted, including ones past what it holds', () => {
    const counts = new CountsById();
    counts.add(5, 2);
    expect(counts.get(4)).toBe(0);
    expect(counts.get(5)).toBe(2);
    expect(counts.get(1_000_000)).toBe(0);
    expect(counts.get(-1)).toBe(0);
  });

  it('counts an id far past the dense range without allocating up to it', () => {
    const counts = new CountsById();
    const far = 2 ** 40;
    counts.add(far, 3);
    counts.add(far, 4);
    counts.add(7, 1);
    expect(counts.get(far)).toBe(7);
    expect(counts.get(far - 1)).toBe(0);
    expect(counts.get(7)).toBe(1);
  });

  it('refuses what is not a row id', () => {
    const counts = new CountsById();
    expect(() => counts.add(-1, 1)).toThrow(RangeError);
    expect(() => counts.add(1.5, 1)).toThrow(RangeError);
    expect(() => counts.add(Number.NaN, 1)).toThrow(RangeError);
  });
});
