// The filtered frame list as the client sees it: its length (FramePage.total) and the pages of it
// read so far. Pages are fetched as the viewport asks for them, a couple at a time; live frames are
// appended locally when the list's last frame is known, else the list's end is re-read. A list is
// replaced (new generation) when its filter changes; responses for an older one are dropped.
import { untrack } from 'svelte';
import type { FramePage, FrameQuery, FrameSummary } from '../../../shared/api/dto.js';
import type { Api } from './api.js';
import { FramePages } from './frame-pages.js';

/** Page requests in flight at once while the viewport moves. */
const MAX_INFLIGHT = 2;

export interface FrameWindowOptions {
  api: Api;
  /** The REST query for rows [offset, offset + limit) of the current list. */
  query: (offset: number, limit: number) => FrameQuery;
  pageSize?: number;
  maxPages?: number;
  onError?: (error: unknown) => void;
  /** Rows landed (after they are stored). */
  onRows?: (page: FramePage) => void;
}

export class FrameWindow {
  /** Length of the list. */
  total = $state(0);
  /** Changes whenever the list is replaced. */
  listId = $state(0);

  /** Bumped when rows land, so `rowAt` readers re-render. */
  #rev = $state(0);
  readonly #options: FrameWindowOptions;
  readonly #pages: FramePages;
  #gen = 0;
  /** Id of the row at position total-1, when known: live frames after it are appended locally. */
  #lastId: number | null = null;
  #wanted: [number, number] = [0, 0];
  #inflight = new Set<number>();
  #tailBusy = false;
  #tailAgain = false;

  constructor(options: FrameWindowOptions) {
    this.#options = options;
    this.#pages = new FramePages(options.pageSize ?? 500, options.maxPages ?? 200);
  }

  get pageSize(): number {
    return this.#pages.pageSize;
  }

  /** Row at a position, or undefined while its page is loading. */
  rowAt(position: number): FrameSummary | undefined {
    void this.#rev;
    return this.#pages.get(position);
  }

  /** Position of a frame among the rows held, or -1. */
  positionOf(id: number): number {
    return this.#pages.positionOf(id);
  }

  /** Forgets the list (new filter, reset); returns the new generation. */
  replace(): number {
    this.#forget();
    this.total = 0;
    this.listId++;
    return this.#gen;
  }

  /** Drops the rows held and every read under way (their answers are for the old generation). */
  #forget(): void {
    this.#gen++;
    this.#pages.clear();
    this.#inflight.clear();
    this.#lastId = null;
    this.#tailBusy = false;
    this.#tailAgain = false;
  }

  get generation(): number {
    return this.#gen;
  }

  /** Reads the first page of list generation `gen`. */
  async loadFirst(gen: number): Promise<void> {
    const page = await this.#options.api.frames(this.#options.query(0, this.pageSize));
    this.#absorb(page, gen);
  }

  /** Asks for rows [start, end); missing pages are fetched. */
  ensureRange(start: number, end: number): void {
    this.#wanted = [start, end];
    untrack(() => this.#pump());
  }

  /**
   * Live frames, in capture order. `certain`: every one of them belongs to the list (no filter), so
   * they can be appended without asking; otherwise the list's end is re-read.
   */
  add(frames: readonly FrameSummary[], certain: boolean): void {
    if (frames.length === 0) return;
    if (certain && this.#lastId !== null) {
      const after = this.#lastId;
      const fresh = frames.filter((f) => f.id > after);
      if (fresh.length === 0) return;
      this.#pages.put(this.total, fresh);
      this.total += fresh.length;
      this.#lastId = (fresh[fresh.length - 1] as FrameSummary).id;
      this.#rev++;
      return;
    }
    void this.syncTail();
  }

  /** Frames announced before, as they are now: the rows held of them are replaced in place. */
  update(frames: readonly FrameSummary[]): void {
    let changed = false;
    for (const f of frames) {
      const position = this.#pages.positionOf(f.id);
      if (position < 0) continue;
      this.#pages.put(position, [f]);
      changed = true;
    }
    if (changed) this.#rev++;
  }

  /**
   * Rows may have joined the list among those held (a frame's issues grew, and the list is the errors
   * only): the held pages are dropped and the rows in view read again, keeping the list's place.
   */
  reread(): void {
    this.#forget();
    this.#rev++;
    untrack(() => this.#pump());
    void this.syncTail();
  }

  /** Re-reads the end of the list (one read at a time; calls meanwhile coalesce into one more). */
  async syncTail(): Promise<void> {
    if (this.#tailBusy) {
      this.#tailAgain = true;
      return;
    }
    this.#tailBusy = true;
    const gen = this.#gen;
    const { api, query } = this.#options;
    try {
      do {
        this.#tailAgain = false;
        let page = await api.frames(query(this.total, this.pageSize));
        if (gen !== this.#gen) return;
        if (page.offset + page.frames.length < page.total) {
          // More than a page behind: read the real tail; the rows between load when scrolled to.
          page = await api.frames(query(Math.max(0, page.total - this.pageSize), this.pageSize));
          if (gen !== this.#gen) return;
        }
        this.#absorb(page, gen);
      } while (this.#tailAgain);
    } catch (error) {
      if (gen === this.#gen) this.#options.onError?.(error);
    } finally {
      if (gen === this.#gen) this.#tailBusy = false;
    }
  }

  #pump(): void {
    const gen = this.#gen;
    const [start, end] = this.#wanted;
    this.#pages.touch(start, end);
    for (const no of this.#pages.missing(start, end, this.total)) {
      if (this.#inflight.size >= MAX_INFLIGHT) break;
      if (this.#inflight.has(no)) continue;
      this.#inflight.add(no);
      void this.#fetchPage(no, gen);
    }
  }

  async #fetchPage(no: number, gen: number): Promise<void> {
    let ok = false;
    try {
      const page = await this.#options.api.frames(this.#options.query(no * this.pageSize, this.pageSize));
      // While the list's end is known, live frames extend it: a page read meanwhile may count frames
      // whose announcement is still on its way, and growing to its total would forget that end (each
      // announcement would then re-read the tail over REST).
      this.#absorb(page, gen, this.#lastId === null);
      ok = true;
    } catch (error) {
      if (gen === this.#gen) this.#options.onError?.(error);
    } finally {
      if (gen === this.#gen) {
        this.#inflight.delete(no);
        // After a failure wait for the next scroll or live change instead of retrying in a loop.
        if (ok) this.#pump();
      }
    }
  }

  /** Stores a page read; `grow`: the list takes the page's total, else rows past its end are left out. */
  #absorb(read: FramePage, gen: number, grow = true): void {
    if (gen !== this.#gen) return;
    const page = grow || read.offset + read.frames.length <= this.total
      ? read
      : { ...read, frames: read.frames.slice(0, Math.max(0, this.total - read.offset)) };
    this.#pages.put(page.offset, page.frames);
    if (grow && page.total > this.total) {
      this.total = page.total;
      this.#lastId = null;
    }
    if (page.offset + page.frames.length === page.total && page.total === this.total) {
      const last = page.total === 0 ? null : this.#pages.get(page.total - 1);
      if (page.total === 0) this.#lastId = -1;
      else if (last) this.#lastId = last.id;
    }
    this.#rev++;
    this.#options.onRows?.(page);
  }
}
