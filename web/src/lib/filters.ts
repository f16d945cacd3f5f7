// The frame filter as plain data, its REST query (GET /api/frames, FrameQuery) and its URL form, so
// a filtered view can be shared and reloaded. The URL uses the REST parameter names.
import type { FrameQuery, FrameSummary } from '../../../shared/api/dto.js';
import type { Direction } from '../../../shared/msnp/types.js';

export interface FrameFilter {
  session: number | null;
  connection: number | null;
  /** Command names, upper case; '' stands for unframed bytes. Empty list: any command. */
  commands: string[];
  dir: Direction | null;
  /** e.g. "MSNP12"; '' for any. */
  version: string;
  trId: number | null;
  errors: boolean;
  q: string;
}

export const EMPTY_FILTER: Readonly<FrameFilter> = Object.freeze({
  session: null, connection: null, commands: [], dir: null, version: '', trId: null, errors: false, q: '',
});

export function isEmptyFilter(f: FrameFilter): boolean {
  return filterParams(f).toString() === '';
}

/** What the user typed in the command box ("msg, chg raw") → command list ('raw' means unframed). */
export function parseCommands(text: string): string[] {
  const out: string[] = [];
  for (const token of text.split(/[\s,]+/)) {
    if (!token) continue;
    const name = token.toLowerCase() === 'raw' ? '' : token.toUpperCase();
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

export function formatCommands(commands: readonly string[]): string {
  return commands.map((c) => (c === '' ? 'raw' : c)).join(',');
}

function nonNegativeInt(text: string | null): number | null {
  if (text === null || !/^\d{1,15}$/.test(text)) return null;
  return Number(text);
}

/** Filter → query parameters (only the ones set), in REST names. */
export function filterParams(f: FrameFilter): URLSearchParams {
  const p = new URLSearchParams();
  if (f.session !== null) p.set('session', String(f.session));
  if (f.connection !== null) p.set('connection', String(f.connection));
  if (f.commands.length > 0) p.set('command', f.commands.join(','));
  if (f.dir) p.set('dir', f.dir);
  if (f.version) p.set('version', f.version);
  if (f.trId !== null) p.set('trId', String(f.trId));
  if (f.errors) p.set('errors', '1');
  if (f.q.trim()) p.set('q', f.q.trim());
  return p;
}

/** Query parameters (a URL's search) → filter; anything malformed is ignored. */
export function filterFromParams(p: URLSearchParams): FrameFilter {
  const dir = p.get('dir');
  const version = p.get('version') ?? '';
  return {
    session: nonNegativeInt(p.get('session')),
    connection: nonNegativeInt(p.get('connection')),
    commands: p.has('command') ? [...new Set((p.get('command') ?? '').split(',').map((c) => c.trim().toUpperCase()))] : [],
    dir: dir === 'c2s' || dir === 's2c' ? dir : null,
    version: /^MSNP\d{1,2}$/.test(version) ? version : '',
    trId: nonNegativeInt(p.get('trId')),
    errors: p.get('errors') === '1',
    q: p.get('q') ?? '',
  };
}

/** The REST query for one page of the filtered list. */
export function frameQuery(f: FrameFilter, offset: number, limit: number): FrameQuery {
  const q: FrameQuery = { offset, limit };
  if (f.session !== null) q.session = f.session;
  if (f.connection !== null) q.connection = f.connection;
  if (f.commands.length > 0) q.command = f.commands.join(',');
  if (f.dir) q.dir = f.dir;
  if (f.version) q.version = f.version;
  if (f.trId !== null) q.trId = f.trId;
  if (f.errors) q.errors = true;
  if (f.q.trim()) q.q = f.q.trim();
  return q;
}

/**
 * False when a frame certainly does not match (checked on exact fields only). The server stays the
 * judge of text and error matching; this only spares a request when a live frame cannot matter.
 */
export function couldMatch(f: FrameFilter, frame: FrameSummary): boolean {
  if (f.session !== null && frame.sessionId !== f.session) return false;
  if (f.connection !== null && frame.connectionId !== f.connection) return false;
  if (f.dir && frame.dir !== f.dir) return false;
  if (f.version && frame.version !== f.version) return false;
  if (f.trId !== null && frame.trId !== f.trId) return false;
  if (f.commands.length > 0 && !f.commands.includes(frame.command)) return false;
  return true;
}
