// Typed fetch wrappers over the REST contract (shared/api/dto.ts). The only place that builds URLs.
import type { CaptureInfo, FrameDetail, FrameFilterQuery, FramePage, FramePosition, FrameQuery, SessionDetail, SessionQuery, SessionSummary } from '../../../shared/api/dto.js';

export interface Api {
  capture(): Promise<CaptureInfo>;
  /** Every session, or the page `query` selects (oldest first either way). */
  sessions(query?: SessionQuery): Promise<SessionSummary[]>;
  session(id: number): Promise<SessionDetail>;
  frames(query: FrameQuery): Promise<FramePage>;
  frame(id: number): Promise<FrameDetail>;
  /** Where frame `id` is in the list the filters select (null: they leave it out). */
  framePosition(id: number, filters: FrameFilterQuery): Promise<FramePosition>;
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * A query → `?a=1&b=2`; unset keys left out ('' is kept: it means unframed bytes). Booleans go as
 * `true`, the form the server's schema coerces (it refuses `errors=1` with a 400).
 */
export function queryString(q: FrameQuery | SessionQuery): string {
  const p = new URLSearchParams();
  for (const [key, value] of Object.entries(q) as Array<[string, unknown]>) {
    if (value === undefined || value === null || value === false) continue;
    p.set(key, String(value));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

export function httpApi(base = '', fetchFn: typeof fetch = (...args) => fetch(...args)): Api {
  async function get<T>(path: string): Promise<T> {
    const res = await fetchFn(`${base}${path}`, { headers: { accept: 'application/json' } });
    if (!res.ok) {
      let message = `${res.status} ${res.statusText}`;
      try {
        const body = (await res.json()) as { message?: unknown; error?: unknown };
        if (typeof body.message === 'string') message = `${res.status}: ${body.message}`;
      } catch {
        // Not JSON: keep the status line.
      }
      throw new ApiError(res.status, `GET ${path}: ${message}`);
    }
    return (await res.json()) as T;
  }
  return {
    capture: () => get('/api/capture'),
    sessions: (query = {}) => get(`/api/sessions${queryString(query)}`),
    session: (id) => get(`/api/sessions/${id}`),
    frames: (query) => get(`/api/frames${queryString(query)}`),
    frame: (id) => get(`/api/frames/${id}`),
    framePosition: (id, filters) => get(`/api/frames/${id}/position${queryString(filters)}`),
  };
}
