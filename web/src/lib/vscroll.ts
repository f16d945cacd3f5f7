// Fixed-height virtual scrolling as pure arithmetic (after mitmproxy's calcVScroll), so the table
// renders only the rows in view whatever the frame count.
//
// Browsers cap an element's height (Firefox near 17.9M px, Chrome near 33.5M px): a million 24 px rows
// would not fit. Past `maxHeight` the scroll area is capped and scroll positions map linearly onto
// the real content, so the first row stays at the top and the last row at the bottom.

/** Largest scroll area we ask a browser for, in px. */
export const MAX_SCROLL_HEIGHT = 8_000_000;

export interface VScrollInput {
  /** The scroll container's scrollTop. */
  scrollTop: number;
  /** The scroll container's clientHeight. */
  viewportHeight: number;
  rowHeight: number;
  /** Number of rows in the list. */
  total: number;
  /** Extra rows rendered above and below the viewport. */
  overscan?: number;
  /** Cap of the scroll area in px (default MAX_SCROLL_HEIGHT). */
  maxHeight?: number;
}

export interface VScrollWindow {
  /** First row to render; always even so zebra stripes do not flicker while scrolling. */
  start: number;
  /** One past the last row to render. */
  end: number;
  /** Where the first rendered row goes, in px from the top of the scroll area. */
  offset: number;
  /** Height of the scroll area in px. */
  height: number;
}

interface Geometry {
  rowHeight: number;
  total: number;
  viewport: number;
  /** Height of the scroll area and of the real content. */
  height: number;
  real: number;
  /** Largest scrollTop, in the scroll area and in the real content. */
  maxScroll: number;
  realMax: number;
}

function geometry(i: Omit<VScrollInput, 'scrollTop' | 'overscan'>): Geometry {
  const rowHeight = Math.max(1, i.rowHeight);
  const total = Math.max(0, Math.floor(i.total));
  const viewport = Math.max(0, i.viewportHeight);
  const real = total * rowHeight;
  const height = Math.min(real, Math.max(1, i.maxHeight ?? MAX_SCROLL_HEIGHT));
  return { rowHeight, total, viewport, height, real, maxScroll: Math.max(0, height - viewport), realMax: Math.max(0, real - viewport) };
}

/** Scroll position → position in the real content (identity unless the area is capped). */
function toReal(g: Geometry, scrollTop: number): number {
  if (g.height === g.real) return scrollTop;
  return g.maxScroll > 0 ? (scrollTop / g.maxScroll) * g.realMax : 0;
}

function toScroll(g: Geometry, realTop: number): number {
  if (g.height === g.real) return realTop;
  return g.realMax > 0 ? (realTop / g.realMax) * g.maxScroll : 0;
}

export function calcVScroll(input: VScrollInput): VScrollWindow {
  const g = geometry(input);
  const overscan = Math.max(0, Math.floor(input.overscan ?? 0));
  // A list that shrank under a scrolled viewport (or an elastic overscroll) re-clamps here.
  const scrollTop = Math.min(Math.max(0, Number.isFinite(input.scrollTop) ? input.scrollTop : 0), g.maxScroll);
  const realTop = toReal(g, scrollTop);
  const first = Math.min(Math.floor(realTop / g.rowHeight), g.total);
  const lastVisible = Math.ceil((realTop + g.viewport) / g.rowHeight);
  let start = Math.max(0, first - overscan);
  start -= start % 2;
  const end = Math.max(start, Math.min(g.total, lastVisible + overscan));
  // Row `first` must appear exactly where it sits in the real content, relative to the viewport.
  const offset = scrollTop + start * g.rowHeight - realTop;
  return { start, end, offset, height: g.height };
}

/**
 * The scrollTop that brings row `index` into view with the least movement (unchanged when it is
 * already fully visible).
 */
export function scrollTopFor(index: number, input: VScrollInput): number {
  const g = geometry(input);
  const scrollTop = Math.min(Math.max(0, input.scrollTop), g.maxScroll);
  if (g.total === 0) return 0;
  const row = Math.min(Math.max(0, Math.floor(index)), g.total - 1) * g.rowHeight;
  const realTop = toReal(g, scrollTop);
  let next: number;
  // Round away from the row so a capped (scaled) area never leaves it half hidden.
  if (row < realTop) next = Math.floor(toScroll(g, row));
  else if (row + g.rowHeight > realTop + g.viewport) next = Math.ceil(toScroll(g, Math.max(0, row + g.rowHeight - g.viewport)));
  else return scrollTop;
  return Math.min(Math.max(0, next), g.maxScroll);
}

/** True when the viewport shows the end of the list (within `slack` px). */
export function isAtBottom(scrollTop: number, viewportHeight: number, height: number, slack = 4): boolean {
  return scrollTop + viewportHeight >= height - slack;
}
