// Positions in a filtered frame list without OFFSET scans. Frames are only ever appended (ids grow), so
// the position of a matching frame never changes once known (a filter on what is rewritten later, a
// frame's issues, is forgotten when that happens): one pass over a filter's matches records
// their count and the id of every STEP-th match ("marks"); later passes cover only the newer frames. A page
// at any offset then starts at a mark and skips fewer than STEP rows, whatever the offset. A filter with
// few matches keeps all their ids instead: its matches may lie far apart, and a page is then read by id.
import type BetterSqlite3 from 'better-sqlite3';
import { type FrameCondition, whereOfKey } from './frame-filter.js';
import { StatementCache } from './statement-cache.js';

export interface Positions {
  /** Matches among frames with id <= scannedTo. */
  total: number;
  scannedTo: number;
  /** marks[k] = id of the match at position k * step. */
  marks: number[];
  /** Every match's id while there are at most `maxIds` of them, else null. */
  ids: number[] | null;
}

/** Where a page's frames are: these ids, or the matches [lo, hi] after skipping `skip`. */
export type PageRange = { ids: number[] } | { lo: number; hi: number; skip: number };

export interface FramePositionsOptions {
  /** Distance between marks, in matches (default 1024): the most a page query skips. */
  step?: number;
  /** Ids scanned per slice (default 65536); the thread is yielded between slices so the relay keeps running. */
  sliceIds?: number;
  /** Filters remembered (default 64). */
  maxEntries?: number;
  /** A filter with at most this many matches keeps all their ids (default 65536). */
  maxIds?: number;
}

const yieldThread = () => new Promise<void>((resolve) => setImmediate(resolve));

export class FramePositions {
  readonly step: number;
  readonly #sliceIds: number;
  readonly #maxEntries: number;
  readonly #maxIds: number;
  readonly #entries = new Map<string, Positions>();
  readonly #scans = new Map<string, Promise<Positions>>();
  readonly #statements: StatementCache;
  /** Filters forgotten while a scan of theirs was under way: that scan may hold matches from before. */
  readonly #stale = new Set<string>();

  constructor(db: BetterSqlite3.Database, options: FramePositionsOptions = {}) {
    this.#statements = new StatementCache(db);
    this.step = Math.max(1, options.step ?? 1024);
    this.#sliceIds = Math.max(1, options.sliceIds ?? 65_536);
    this.#maxEntries = Math.max(1, options.maxEntries ?? 64);
    this.#maxIds = Math.max(0, options.maxIds ?? 65_536);
  }

  /** Positions of the condition's matches among frames with id <= maxId. */
  async positions(condition: FrameCondition, maxId: number): Promise<Positions> {
    for (;;) {
      const running = this.#scans.get(condition.key);
      if (running) await running;
      const known = this.#entries.get(condition.key);
      if (known && known.scannedTo >= maxId) {
        // Most recently used last, so the first key is the one to evict.
        this.#entries.delete(condition.key);
        this.#entries.set(condition.key, known);
        return known;
      }
      if (this.#scans.has(condition.key)) continue; // another caller started a scan meanwhile
      const scan = this.#extend(condition, known ?? { total: 0, scannedTo: 0, marks: [], ids: [] }, maxId);
      this.#scans.set(condition.key, scan);
      try {
        return await scan;
      } finally {
        this.#scans.delete(condition.key);
      }
    }
  }

  /**
   * Drops what is known of the filters whose SQL `depends` says may match differently now (rows were
   * rewritten, not appended): their next query scans afresh. A scan under way finishes for its callers
   * but is not kept.
   */
  forget(depends: (where: string) => boolean): void {
    for (const key of [...this.#entries.keys()]) {
      if (depends(whereOfKey(key))) this.#entries.delete(key);
    }
    for (const key of this.#scans.keys()) {
      if (depends(whereOfKey(key))) this.#stale.add(key);
    }
  }

  /** Where the page [offset, offset + limit) of the matches lies, or null when it is past the end. */
  range(p: Positions, offset: number, limit: number): PageRange | null {
    if (offset >= p.total || limit <= 0) return null;
    const k = Math.floor(offset / this.step);
    const last = Math.min(p.total, offset + limit) - 1;
    const next = Math.floor(last / this.step) + 1;
    if (p.ids) return { ids: p.ids.slice(offset, last + 1) };
    const lo = p.marks[k] as number;
    const hi = next < p.marks.length ? (p.marks[next] as number) - 1 : p.scannedTo;
    return { lo, hi, skip: offset - k * this.step };
  }

  /**
   * Position of frame `id` in the list, given that it matches and `id <= p.scannedTo`: found among the
   * ids, or counted from the last mark at or before it (fewer than `step` matches to count).
   */
  positionOf(condition: FrameCondition, p: Positions, id: number): number {
    if (p.ids) return lastAtOrBefore(p.ids, id);
    const k = lastAtOrBefore(p.marks, id);
    if (k < 0) return 0;
    const before = this.#countStatement(condition.where).get(...condition.params, p.marks[k], id) as number;
    return k * this.step + before;
  }

  async #extend(condition: FrameCondition, from: Positions, maxId: number): Promise<Positions> {
    const select = this.#statement(condition.where);
    const marks = [...from.marks];
    let all = from.ids ? [...from.ids] : null;
    let total = from.total;
    for (let lo = from.scannedTo; lo < maxId; lo += this.#sliceIds) {
      if (lo > from.scannedTo) await yieldThread();
      const ids = select.all(...condition.params, lo, Math.min(maxId, lo + this.#sliceIds)) as number[];
      for (const id of ids) {
        if (total % this.step === 0) marks.push(id);
        total++;
      }
      if (all) all = all.length + ids.length <= this.#maxIds ? all.concat(ids) : null;
    }
    const p: Positions = { total, scannedTo: maxId, marks, ids: all };
    if (this.#stale.delete(condition.key)) return p;
    this.#entries.delete(condition.key);
    this.#entries.set(condition.key, p);
    while (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
    return p;
  }

  #countStatement(where: string): BetterSqlite3.Statement {
    return this.#statements.get(`SELECT count(*) FROM frames f WHERE ${where} AND f.id >= ? AND f.id < ?`, true);
  }

  #statement(where: string): BetterSqlite3.Statement {
    return this.#statements.get(`SELECT f.id FROM frames f WHERE ${where} AND f.id > ? AND f.id <= ? ORDER BY f.id`, true);
  }
}

/** Index of the last element <= `value` in ascending `sorted`, or -1. */
function lastAtOrBefore(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) <= value) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi;
}
