// A sparse cache of the filtered frame list, by position, in pages of `pageSize` rows. Only the pages
// the viewport has asked for are held; the least recently used are dropped past `maxPages`, so
// scrolling through a million frames keeps memory bounded. Plain data: CaptureState makes it reactive.
import type { FrameSummary } from '../../../shared/api/dto.js';

export class FramePages {
  readonly pageSize: number;
  readonly maxPages: number;
  /** Page number → rows (holes where a row is not loaded). Map order is recency: oldest first. */
  #pages = new Map<number, Array<FrameSummary | undefined>>();

  constructor(pageSize = 500, maxPages = 200) {
    this.pageSize = pageSize;
    this.maxPages = maxPages;
  }

  get size(): number {
    return this.#pages.size;
  }

  get(position: number): FrameSummary | undefined {
    return this.#pages.get(Math.floor(position / this.pageSize))?.[position % this.pageSize];
  }

  /** Stores rows read from position `offset` on. */
  put(offset: number, frames: readonly FrameSummary[]): void {
    for (let i = 0; i < frames.length; i++) {
      const pos = offset + i;
      const no = Math.floor(pos / this.pageSize);
      let page = this.#pages.get(no);
      if (!page) {
        page = [];
        this.#pages.set(no, page);
      }
      page[pos % this.pageSize] = frames[i];
    }
  }

  /** Pages with a hole in rows [start, end) of a list of `total` rows, nearest `start` first. */
  missing(start: number, end: number, total: number): number[] {
    const out: number[] = [];
    const last = Math.min(end, total);
    for (let no = Math.floor(start / this.pageSize); no * this.pageSize < last; no++) {
      const page = this.#pages.get(no);
      const from = Math.max(start, no * this.pageSize);
      const to = Math.min(last, (no + 1) * this.pageSize);
      if (!page) {
        out.push(no);
        continue;
      }
      for (let pos = from; pos < to; pos++) {
        if (page[pos % this.pageSize] === undefined) {
          out.push(no);
          break;
        }
      }
    }
    return out;
  }

  /** Marks the pages over rows [start, end) as recently used and drops the oldest others. */
  touch(start: number, end: number): void {
    const keep = new Set<number>();
    for (let no = Math.floor(start / this.pageSize); no * this.pageSize < end; no++) {
      const page = this.#pages.get(no);
      if (!page) continue;
      keep.add(no);
      this.#pages.delete(no);
      this.#pages.set(no, page);
    }
    for (const no of this.#pages.keys()) {
      if (this.#pages.size <= this.maxPages) break;
      if (!keep.has(no)) this.#pages.delete(no);
    }
  }

  /** Position of frame `id` among the cached rows, or -1. */
  positionOf(id: number): number {
    for (const [no, page] of this.#pages) {
      const i = page.findIndex((f) => f?.id === id);
      if (i >= 0) return no * this.pageSize + i;
    }
    return -1;
  }

  clear(): void {
    this.#pages.clear();
  }
}
