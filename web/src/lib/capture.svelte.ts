// The inspector's state: what is known of the capture, the filter, the filtered frame list (a
// FrameWindow) and the selection. Components read it; only its methods change it (the REST client
// and LiveClient feed it). One instance per app, given through context (see context.ts).
import { SvelteSet } from 'svelte/reactivity';
import type { CaptureInfo, ConnectionSummary, FrameDetail, FramePage, FrameSummary, SessionSummary } from '../../../shared/api/dto.js';
import type { LiveMessage } from '../../../shared/api/live.js';
import type { Api } from './api.js';
import { EMPTY_FILTER, type FrameFilter, couldMatch, filterFromParams, filterParams, frameQuery, isEmptyFilter } from './filters.js';
import { FrameWindow } from './frame-window.svelte.js';

export interface CaptureStateOptions {
  api: Api;
  /** The page URL's search (`?command=MSG&frame=12`), to start from a shared view. */
  search?: string;
  pageSize?: number;
  maxPages?: number;
  /** Sessions listed at first, and added by each `loadOlderSessions()`. */
  sessionPageSize?: number;
}

const DETAIL_CACHE = 64;
/** The most sessions a snapshot reload asks for (one less than the server's page limit: one more is asked for). */
const MAX_SESSION_RELOAD = 999;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

function assertNever(x: never): never {
  throw new Error(`unexpected live message ${JSON.stringify(x)}`);
}

/** Replaces the item with `item`'s id in a list sorted by id, or inserts it in its place. */
function upsertById<T extends { id: number }>(list: T[], item: T): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as T).id < item.id) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo]?.id === item.id) list[lo] = item;
  else list.splice(lo, 0, item);
}

export class CaptureState {
  readonly api: Api;
  capture = $state.raw<CaptureInfo | null>(null);
  /**
   * The newest sessions (those matching `sessionSearch`), oldest first: a page of them, more as the user
   * asks for older ones. A proxy that has run for a day holds tens of thousands; the page lists what
   * someone can read.
   */
  sessions = $state.raw<SessionSummary[]>([]);
  /** Sessions older than those listed exist. */
  olderSessions = $state(false);
  /** Part of a handle the session list is narrowed to ('' for all). */
  sessionSearch = $state('');
  /**
   * Connections of the sessions shown expanded (and any picked as a filter), by id. Not every connection
   * the live stream mentions: a busy proxy announces thousands a minute, and the page would hold and
   * copy them all.
   */
  connections = $state.raw<ReadonlyMap<number, ConnectionSummary>>(new Map());
  /** Sessions shown with their connections. */
  readonly expanded = new SvelteSet<number>();
  filter = $state.raw<FrameFilter>({ ...EMPTY_FILTER });
  /** A snapshot has landed at least once. */
  loaded = $state(false);
  error = $state<string | null>(null);
  selectedIndex = $state<number | null>(null);
  selectedId = $state<number | null>(null);
  detailOpen = $state(false);
  detail = $state.raw<FrameDetail | null>(null);
  detailError = $state<string | null>(null);

  /** The URL search for the current view: filter plus selected frame. */
  readonly search = $derived.by(() => {
    const p = filterParams(this.filter);
    if (this.selectedId !== null) p.set('frame', String(this.selectedId));
    // Commas are fine in a query string and keep `command=MSG,CHG` readable.
    const s = p.toString().replaceAll('%2C', ',');
    return s ? `?${s}` : '';
  });

  readonly #list: FrameWindow;
  readonly #sessionPageSize: number;
  /** How many sessions the list holds at most: a page per page asked for. */
  #sessionLimit: number;
  /** Bumped when the session list is asked for anew: answers for an older request are dropped. */
  #sessionSeq = 0;
  /** Loads and list reloads under way. */
  #busy = $state(0);
  #loadSeq = 0;
  #fullLoad: Promise<void> | null = null;
  #details = new Map<number, FrameDetail>();
  #detailSeq = 0;

  constructor(options: CaptureStateOptions) {
    this.api = options.api;
    this.#sessionPageSize = this.#sessionLimit = options.sessionPageSize ?? 200;
    this.#list = new FrameWindow({
      api: options.api,
      query: (offset, limit) => frameQuery(this.filter, offset, limit),
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      ...(options.maxPages ? { maxPages: options.maxPages } : {}),
      onError: (error) => (this.error = message(error)),
      onRows: (page) => this.#resolveSelection(page),
    });
    if (options.search) this.#applySearch(options.search);
  }

  /** Length of the filtered list. */
  get total(): number {
    return this.#list.total;
  }

  /** Changes whenever the list is replaced (filter change, reset). */
  get listId(): number {
    return this.#list.listId;
  }

  /** Something is being (re)loaded: a snapshot or a newly filtered list. */
  get loading(): boolean {
    return this.#busy > 0;
  }

  get pageSize(): number {
    return this.#list.pageSize;
  }

  /** Row at a position of the filtered list, or undefined while its page is loading. */
  rowAt(position: number): FrameSummary | undefined {
    return this.#list.rowAt(position);
  }

  /** Asks for the rows [start, end) the viewport shows. */
  ensureRange(start: number, end: number): void {
    this.#list.ensureRange(start, end);
  }

  connectionsOf(sessionId: number): ConnectionSummary[] {
    return [...this.connections.values()].filter((c) => c.sessionId === sessionId).sort((a, b) => a.id - b.id);
  }

  /**
   * Loads the snapshot: the list's first page, then capture and sessions ('full'), or, after a
   * reconnect to the same capture, only what was appended meanwhile ('soft').
   */
  async load(mode: 'full' | 'soft' = 'full'): Promise<void> {
    if (mode === 'soft' && this.#fullLoad) await this.#fullLoad; // its tail is the one to extend
    const run = this.#load(mode);
    if (mode === 'full') this.#fullLoad = run;
    await run;
    if (this.#fullLoad === run) this.#fullLoad = null;
  }

  async #load(mode: 'full' | 'soft'): Promise<void> {
    const gen = mode === 'full' ? this.#list.replace() : this.#list.generation;
    if (mode === 'full') {
      this.connections = new Map();
      this.#details.clear();
    }
    // Capture and sessions do not depend on the filter: only a newer load supersedes them.
    const seq = ++this.#loadSeq;
    const latest = () => seq === this.#loadSeq;
    this.#busy++;
    try {
      // The list first, alone: the server shares one thread between queries, and a big capture's
      // session summaries would otherwise delay the rows the user is waiting for.
      const frames = mode === 'full' ? this.#list.loadFirst(gen) : this.#list.syncTail();
      if (mode === 'full') await frames;
      await Promise.all([
        frames,
        this.api.capture().then((capture) => {
          if (latest()) this.capture = capture;
        }),
        this.#reloadSessions(latest),
      ]);
      if (!latest()) return;
      this.loaded = true;
      this.error = null;
      for (const id of this.expanded) void this.loadSession(id);
      if (mode === 'full' && this.selectedId !== null && this.detailOpen) void this.#loadDetail(this.selectedId);
      if (mode === 'full' && this.selectedId !== null && this.selectedIndex === null) void this.#locate(this.selectedId);
    } catch (error) {
      if (latest()) this.error = message(error);
    } finally {
      this.#busy--;
    }
  }

  /** Narrows the session list to handles containing `text` (case-insensitive); '' lists them all. */
  async searchSessions(text: string): Promise<void> {
    if (text === this.sessionSearch) return;
    this.sessionSearch = text;
    this.#sessionLimit = this.#sessionPageSize;
    try {
      await this.#reloadSessions(() => true);
    } catch (error) {
      this.error = message(error);
    }
  }

  /** Adds the page of sessions before the oldest listed. */
  async loadOlderSessions(): Promise<void> {
    const oldest = this.sessions[0];
    if (!oldest || !this.olderSessions) return;
    const seq = this.#sessionSeq;
    this.#sessionLimit += this.#sessionPageSize; // live additions must not push the listed ones out meanwhile
    try {
      const older = await this.#newestSessions(this.#sessionPageSize, oldest.id);
      if (seq !== this.#sessionSeq) return;
      const sessions = [...this.sessions];
      for (const session of older.sessions) upsertById(sessions, session);
      this.sessions = sessions;
      this.olderSessions = older.more;
    } catch (error) {
      this.error = message(error);
    }
  }

  /** The newest sessions again, as many as are listed now (up to a reload's limit). */
  async #reloadSessions(current: () => boolean): Promise<void> {
    const seq = ++this.#sessionSeq;
    const limit = Math.min(this.#sessionLimit, MAX_SESSION_RELOAD);
    const newest = await this.#newestSessions(limit);
    if (seq !== this.#sessionSeq || !current()) return;
    this.#sessionLimit = limit;
    this.sessions = newest.sessions;
    this.olderSessions = newest.more;
  }

  /** The newest `n` sessions matching the search (before `before`), and whether there are more: asks for one extra. */
  async #newestSessions(n: number, before?: number): Promise<{ sessions: SessionSummary[]; more: boolean }> {
    const query = { ...(before === undefined ? {} : { before }), ...(this.sessionSearch ? { handle: this.sessionSearch } : {}), limit: n + 1 };
    const page = [...(await this.api.sessions(query))].sort((a, b) => a.id - b.id);
    return { sessions: page.slice(-n), more: page.length > n };
  }

  /** A live session update belongs in the list: already listed, or matching the search and newer than the cut. */
  #lists(session: SessionSummary, list: readonly SessionSummary[]): boolean {
    const oldest = list[0];
    if (oldest && session.id < oldest.id && this.olderSessions) return false;
    if (list.some((s) => s.id === session.id)) return true;
    const needle = this.sessionSearch.toLowerCase();
    return needle === '' || (session.handle ?? '').toLowerCase().includes(needle);
  }

  /** Loads one session's connections (shown when it is expanded). */
  async loadSession(id: number): Promise<void> {
    try {
      const detail = await this.api.session(id);
      const next = new Map(this.connections);
      for (const c of detail.connections) next.set(c.id, c);
      this.connections = next;
    } catch (error) {
      this.error = message(error);
    }
  }

  toggleSession(id: number): void {
    if (this.expanded.has(id)) this.expanded.delete(id);
    else {
      this.expanded.add(id);
      void this.loadSession(id);
    }
  }

  setFilter(patch: Partial<FrameFilter>): void {
    const next = { ...this.filter, ...patch };
    if (filterParams(next).toString() === filterParams(this.filter).toString()) return;
    this.filter = next;
    this.selectedIndex = null;
    void this.#reloadList();
  }

  clearFilter(): void {
    this.setFilter({ ...EMPTY_FILTER });
  }

  /** Back/forward navigation or a pasted URL: take filter and selection from it. */
  navigate(search: string): void {
    const before = filterParams(this.filter).toString();
    this.#applySearch(search);
    if (filterParams(this.filter).toString() !== before) void this.#reloadList();
  }

  /** Applies a batch of live messages (LiveClient flushes them once per animation frame). */
  applyLive(batch: readonly LiveMessage[]): void {
    let sessions: SessionSummary[] | null = null;
    let connections: Map<number, ConnectionSummary> | null = null;
    const frames: FrameSummary[] = [];
    const updated: FrameSummary[] = [];
    for (const m of batch) {
      switch (m.type) {
        case 'hello':
        case 'capture/update':
          this.capture = m.capture;
          break;
        case 'sessions/upsert':
          if (this.#lists(m.session, sessions ?? this.sessions)) upsertById((sessions ??= [...this.sessions]), m.session);
          break;
        case 'connections/upsert':
          if (!this.expanded.has(m.connection.sessionId) && !this.connections.has(m.connection.id)) break;
          (connections ??= new Map(this.connections)).set(m.connection.id, m.connection);
          break;
        case 'frames/add':
          for (const f of m.frames) frames.push(f);
          break;
        case 'frames/update':
          for (const f of m.frames) updated.push(f);
          break;
        case 'reset':
          break; // LiveClient reloads the snapshot.
        default:
          assertNever(m);
      }
    }
    if (sessions) {
      // The newest are kept: the oldest leave the list (and can be asked for again).
      if (sessions.length > this.#sessionLimit) {
        sessions.splice(0, sessions.length - this.#sessionLimit);
        this.olderSessions = true;
      }
      this.sessions = sessions;
    }
    if (connections) this.connections = connections;
    this.addFrames(frames);
    this.updateFrames(updated);
  }

  /** Frames announced before, as they are now (their issues grew when their connection ended). */
  updateFrames(frames: readonly FrameSummary[]): void {
    if (frames.length === 0) return;
    // Listing errors only, the list may have gained them among rows already held: read those again.
    if (this.filter.errors && frames.some((f) => couldMatch(this.filter, f))) this.#list.reread();
    else this.#list.update(frames);
    for (const f of frames) this.#details.delete(f.id);
    if (this.selectedId !== null && this.detailOpen && frames.some((f) => f.id === this.selectedId)) void this.#loadDetail(this.selectedId);
  }

  /** New frames in capture order. The server judges the filter; frames that cannot match are skipped. */
  addFrames(frames: readonly FrameSummary[]): void {
    if (isEmptyFilter(this.filter)) this.#list.add(frames, true);
    else if (frames.some((f) => couldMatch(this.filter, f))) this.#list.add(frames, false);
  }

  /** Selects a frame by id (a click, a partner link) and opens its detail. */
  select(id: number, position?: number): void {
    this.selectedId = id;
    const pos = position ?? this.#list.positionOf(id);
    this.selectedIndex = pos >= 0 ? pos : null;
    this.detailOpen = true;
    void this.#loadDetail(id);
    if (pos < 0) void this.#locate(id);
  }

  /** Moves the selection by `delta` rows (keyboard); the detail follows when it is open. */
  move(delta: number): void {
    if (this.total === 0) return;
    const from = this.selectedIndex ?? (delta > 0 ? -1 : this.total);
    const index = Math.min(Math.max(0, from + delta), this.total - 1);
    this.selectedIndex = index;
    const row = this.#list.rowAt(index);
    this.selectedId = row?.id ?? null; // resolved when its page lands
    if (row && this.detailOpen) void this.#loadDetail(row.id);
  }

  open(): void {
    if (this.selectedId === null) return;
    this.detailOpen = true;
    void this.#loadDetail(this.selectedId);
  }

  clearSelection(): void {
    this.#detailSeq++; // a detail still loading must not reopen
    this.detailOpen = false;
    this.selectedId = null;
    this.selectedIndex = null;
    this.detail = null;
  }

  followPartner(): void {
    const partner = this.detail?.partnerId;
    if (partner !== null && partner !== undefined) this.select(partner);
  }

  #applySearch(search: string): void {
    const params = new URLSearchParams(search);
    this.filter = filterFromParams(params);
    const frame = params.get('frame');
    const id = frame !== null && /^\d{1,15}$/.test(frame) ? Number(frame) : null;
    if (id !== this.selectedId) {
      this.selectedId = id;
      this.selectedIndex = null;
      this.detailOpen = id !== null;
      if (id !== null && this.loaded) void this.#loadDetail(id);
    }
  }

  async #reloadList(): Promise<void> {
    const gen = this.#list.replace();
    this.#busy++;
    try {
      await this.#list.loadFirst(gen);
      if (gen === this.#list.generation && this.selectedId !== null && this.selectedIndex === null) void this.#locate(this.selectedId);
    } catch (error) {
      if (gen === this.#list.generation) this.error = message(error);
    } finally {
      this.#busy--;
    }
  }

  /**
   * A selected frame outside the rows held (a shared URL, a partner link deep in a big list): the server
   * says where it is in the current list, and the table scrolls there (its rows load as they come into
   * view). Left unplaced when the filter excludes it or the selection or list changed meanwhile.
   */
  async #locate(id: number): Promise<void> {
    const gen = this.#list.generation;
    const { offset: _offset, limit: _limit, ...filters } = frameQuery(this.filter, 0, 0);
    try {
      const { position } = await this.api.framePosition(id, filters);
      if (gen !== this.#list.generation || this.selectedId !== id || this.selectedIndex !== null || position === null) return;
      if (position >= this.#list.total) await this.#list.syncTail(); // newer than the list's end as known here
      if (gen === this.#list.generation && this.selectedId === id && position < this.#list.total) this.selectedIndex = position;
    } catch (error) {
      if (this.selectedId === id) this.error = message(error);
    }
  }

  /** A selection waiting for its row: the keyboard moved onto an unloaded row, or a shared URL. */
  #resolveSelection(page: FramePage): void {
    if (this.selectedIndex === null && this.selectedId !== null) {
      const i = page.frames.findIndex((f) => f.id === this.selectedId);
      if (i >= 0) this.selectedIndex = page.offset + i;
    } else if (this.selectedIndex !== null && this.selectedId === null) {
      const row = this.#list.rowAt(this.selectedIndex);
      if (row) {
        this.selectedId = row.id;
        if (this.detailOpen) void this.#loadDetail(row.id);
      }
    }
  }

  async #loadDetail(id: number): Promise<void> {
    const seq = ++this.#detailSeq;
    const cached = this.#details.get(id);
    if (cached) {
      this.detail = cached;
      this.detailError = null;
      return;
    }
    try {
      const detail = await this.api.frame(id);
      this.#details.set(id, detail);
      if (this.#details.size > DETAIL_CACHE) this.#details.delete(this.#details.keys().next().value as number);
      if (seq !== this.#detailSeq) return;
      this.detail = detail;
      this.detailError = null;
    } catch (error) {
      if (seq !== this.#detailSeq) return;
      this.detail = null;
      this.detailError = message(error);
    }
  }
}
