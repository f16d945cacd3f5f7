import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SCROLL_HEIGHT, calcVScroll, isAtBottom, scrollTopFor } from '../../web/src/lib/vscroll.js';

const base = { rowHeight: 24, viewportHeight: 240, overscan: 0 };

describe('calcVScroll', () => {
  it('renders nothing for an empty list', () => {
    expect(calcVScroll({ ...base, scrollTop: 0, total: 0 })).toEqual({ start: 0, end: 0, offset: 0, height: 0 });
    expect(calcVScroll({ ...base, scrollTop: 500, total: 0, overscan: 10 })).toEqual({ start: 0, end: 0, offset: 0, height: 0 });
  });

  it('renders every row of a list shorter than the viewport', () => {
    expect(calcVScroll({ ...base, scrollTop: 0, total: 3, overscan: 5 })).toEqual({ start: 0, end: 3, offset: 0, height: 72 });
  });

  it('renders the rows in view plus overscan on both sides', () => {
    const w = calcVScroll({ ...base, scrollTop: 2400, total: 1000, overscan: 4 });
    // Rows 100..109 are visible.
    expect(w).toEqual({ start: 96, end: 114, offset: 96 * 24, height: 24_000 });
  });

  it('starts on an even row so zebra stripes stay put', () => {
    const w = calcVScroll({ ...base, scrollTop: 101 * 24, total: 1000, overscan: 0 });
    expect(w.start).toBe(100);
    expect(w.offset).toBe(100 * 24);
    expect(w.end).toBe(111);
  });

  it('covers a viewport that shows a partial row at each edge', () => {
    const w = calcVScroll({ ...base, scrollTop: 10, total: 1000 });
    expect(w.start).toBe(0);
    expect(w.end).toBe(11); // rows 0 (partly) … 10 (partly)
  });

  it('re-clamps when the list shrank under a scrolled viewport', () => {
    const w = calcVScroll({ ...base, scrollTop: 100_000, total: 50, overscan: 2 });
    expect(w.end).toBe(50);
    expect(w.start).toBe(38); // last 10 rows visible from 40, minus overscan 2
    expect(w.height).toBe(1200);
  });

  it('treats negative (elastic) and non-finite scroll positions as the top', () => {
    expect(calcVScroll({ ...base, scrollTop: -80, total: 100 }).start).toBe(0);
    expect(calcVScroll({ ...base, scrollTop: Number.NaN, total: 100 }).start).toBe(0);
  });

  it('handles a viewport of zero height (hidden pane)', () => {
    const w = calcVScroll({ ...base, viewportHeight: 0, scrollTop: 0, total: 100, overscan: 3 });
    expect(w.start).toBe(0);
    expect(w.end).toBe(3);
  });

  describe('a million rows: the scroll area is capped and scaled', () => {
    const big = { ...base, total: 1_000_000, overscan: 5 };

    it('caps the height', () => {
      expect(calcVScroll({ ...big, scrollTop: 0 }).height).toBe(MAX_SCROLL_HEIGHT);
      expect(calcVScroll({ ...big, scrollTop: 0, maxHeight: 1_000_000 }).height).toBe(1_000_000);
    });

    it('shows the first row at the top and the last row at the bottom', () => {
      const top = calcVScroll({ ...big, scrollTop: 0 });
      expect(top.start).toBe(0);
      expect(top.offset).toBe(0);
      const maxScroll = MAX_SCROLL_HEIGHT - 240;
      const bottom = calcVScroll({ ...big, scrollTop: maxScroll });
      expect(bottom.end).toBe(1_000_000);
      // The last row ends exactly at the bottom of the scroll area.
      expect(bottom.offset + (bottom.end - bottom.start) * 24).toBeCloseTo(MAX_SCROLL_HEIGHT, 6);
    });

    it('maps the middle of the scroll area to the middle of the list', () => {
      const mid = calcVScroll({ ...big, scrollTop: (MAX_SCROLL_HEIGHT - 240) / 2 });
      expect(Math.abs(mid.start - 500_000)).toBeLessThan(20);
    });
  });

  it('always covers the viewport with rendered rows (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3_000_000 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 0, max: 30 }),
        fc.double({ min: -1000, max: 1e9, noNaN: true }),
        (total, viewportHeight, rowHeight, overscan, scrollTop) => {
          const w = calcVScroll({ total, viewportHeight, rowHeight, overscan, scrollTop });
          expect(w.start % 2).toBe(0);
          expect(w.start).toBeGreaterThanOrEqual(0);
          expect(w.end).toBeGreaterThanOrEqual(w.start);
          expect(w.end).toBeLessThanOrEqual(total);
          expect(w.height).toBeLessThanOrEqual(MAX_SCROLL_HEIGHT);
          const top = Math.min(Math.max(0, scrollTop), Math.max(0, w.height - viewportHeight));
          if (w.end > w.start) {
            // The rendered block starts at or above the viewport and reaches its bottom (or the list's end).
            expect(w.offset).toBeLessThanOrEqual(top + 1e-6);
            const bottom = w.offset + (w.end - w.start) * rowHeight;
            if (w.end < total) expect(bottom).toBeGreaterThanOrEqual(top + Math.min(viewportHeight, w.height) - 1e-6);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('scrollTopFor', () => {
  const list = { ...base, total: 1000 };

  it('leaves a visible row alone', () => {
    expect(scrollTopFor(105, { ...list, scrollTop: 2400 })).toBe(2400);
  });

  it('scrolls up to a row above the viewport (aligned to the top)', () => {
    expect(scrollTopFor(50, { ...list, scrollTop: 2400 })).toBe(1200);
  });

  it('scrolls down to a row below the viewport (aligned to the bottom)', () => {
    expect(scrollTopFor(200, { ...list, scrollTop: 2400 })).toBe(201 * 24 - 240);
  });

  it('clamps indexes out of range', () => {
    expect(scrollTopFor(-5, { ...list, scrollTop: 2400 })).toBe(0);
    expect(scrollTopFor(5000, { ...list, scrollTop: 0 })).toBe(24_000 - 240);
    expect(scrollTopFor(3, { ...base, total: 0, scrollTop: 100 })).toBe(0);
  });

  it('brings any row fully into view in a capped area', () => {
    const big = { ...base, total: 1_000_000 };
    for (const [index, from] of [[0, 4_000_000], [999_999, 0], [123_457, 0], [654_321, 7_000_000]] as const) {
      const scrollTop = scrollTopFor(index, { ...big, scrollTop: from });
      const w = calcVScroll({ ...big, scrollTop });
      const rowTop = w.offset + (index - w.start) * 24 - scrollTop; // in viewport coordinates
      expect(index).toBeGreaterThanOrEqual(w.start);
      expect(index).toBeLessThan(w.end);
      expect(rowTop).toBeGreaterThanOrEqual(-1e-6);
      expect(rowTop + 24).toBeLessThanOrEqual(240 + 1e-6);
    }
  });
});

describe('isAtBottom', () => {
  it('allows a few pixels of slack', () => {
    expect(isAtBottom(760, 240, 1000)).toBe(true);
    expect(isAtBottom(757, 240, 1000)).toBe(true);
    expect(isAtBottom(700, 240, 1000)).toBe(false);
    expect(isAtBottom(0, 240, 0)).toBe(true);
  });
});
