// JSON schemas of the API, written against shared/api/dto.ts: requests are validated with them and
// replies serialised with them (fields not listed here are not sent). Captured text is attacker-controlled
// and only ever travels as JSON strings.

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const bool = { type: 'boolean' } as const;
const nullable = (type: 'string' | 'integer' | 'number') => ({ type: [type, 'null'] }) as const;
const dir = { type: 'string', enum: ['c2s', 's2c'] } as const;
const kind = { type: 'string', enum: ['dispatch', 'ns', 'sb', 'unknown'] } as const;

/** An object whose listed fields are all present (the DTOs have no optional fields unless marked). */
function object<P extends Record<string, unknown>>(properties: P, optional: readonly string[] = []) {
  return { type: 'object', properties, required: Object.keys(properties).filter((k) => !optional.includes(k)) } as const;
}

export const apiErrorSchema = object({ statusCode: int, error: str, message: str });

export const captureInfoSchema = object({
  name: str,
  live: bool,
  listen: nullable('string'),
  upstream: nullable('string'),
  counts: object({ sessions: int, connections: int, frames: int }),
  storeError: nullable('string'),
  queued: int,
});

const sessionSummaryProperties = {
  id: int,
  handle: nullable('string'),
  client: str,
  startedWall: num,
  endedWall: nullable('number'),
  imported: nullable('string'),
  versions: { type: 'array', items: str },
  connectionCount: int,
  frameCount: int,
  live: bool,
} as const;

export const sessionSummarySchema = object(sessionSummaryProperties);

export const connectionSummarySchema = object({
  id: int,
  sessionId: int,
  label: str,
  kind,
  client: str,
  upstream: str,
  referredBy: nullable('integer'),
  cookie: nullable('string'),
  version: nullable('string'),
  openedWall: num,
  closedWall: nullable('number'),
  closeReason: nullable('string'),
  frameCount: int,
  live: bool,
});

export const sessionDetailSchema = object({ ...sessionSummaryProperties, connections: { type: 'array', items: connectionSummarySchema } });

const frameSummaryProperties = {
  id: int,
  sessionId: int,
  connectionId: int,
  conn: str,
  dir,
  index: int,
  tsWall: num,
  command: str,
  trId: nullable('integer'),
  version: nullable('string'),
  summary: str,
  size: int,
  issueCount: int,
  rewritten: bool,
} as const;

export const frameSummarySchema = object(frameSummaryProperties);

export const framePageSchema = object({ total: int, offset: int, frames: { type: 'array', items: frameSummarySchema } });

const link = object({ index: int, latencyMs: num });

/** DecodedFrame (shared/msnp/decoded.ts). Extensions a newer decoder adds pass through unlisted. */
const decodedFrameSchema = {
  ...object({
    conn: str,
    dir,
    index: int,
    command: str,
    trId: nullable('integer'),
    params: { type: 'array', items: str },
    payloadLength: nullable('integer'),
    version: nullable('string'),
    fields: {
      type: 'array',
      items: {
        ...object({ name: str, value: str, since: nullable('string'), decoded: str, unknown: bool }, ['decoded', 'unknown']),
        additionalProperties: true,
      },
    },
    issues: { type: 'array', items: str },
    t_ms: num,
    offset: int,
    size: int,
    kind: { type: 'string', enum: ['command', 'error', 'raw'] },
    title: str,
    summary: str,
    replyTo: link,
    reply: link,
    challenge: { type: 'object', additionalProperties: true },
    // A tree of text nodes (shared/msnp/views.ts): passed through as it is.
    view: { type: 'object', additionalProperties: true },
  }, ['replyTo', 'reply', 'challenge', 'view']),
  additionalProperties: true,
} as const;

export const frameDetailSchema = object({
  ...frameSummaryProperties,
  bytes: str,
  rewrittenBytes: nullable('string'),
  decoded: decodedFrameSchema,
  partnerId: nullable('integer'),
});

// ---- requests ----

export const idParamsSchema = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1 } },
  required: ['id'],
  additionalProperties: false,
} as const;

export interface IdParams {
  id: number;
}

/** GET /api/sessions (SessionQuery). */
export const sessionQuerySchema = {
  type: 'object',
  properties: {
    before: { type: 'integer', minimum: 1 },
    limit: { type: 'integer', minimum: 1, maximum: 1000 },
    handle: { type: 'string', maxLength: 200 },
  },
  additionalProperties: false,
} as const;

/** GET /api/frames (FrameQuery). Unknown parameters are dropped, not refused. */
export const frameQuerySchema = {
  type: 'object',
  properties: {
    session: { type: 'integer', minimum: 1 },
    connection: { type: 'integer', minimum: 1 },
    command: { type: 'string', maxLength: 400, pattern: '^[A-Za-z0-9, ]*$' },
    dir,
    version: { type: 'string', pattern: '^MSNP[0-9]{1,2}$' },
    trId: { type: 'integer', minimum: 0 },
    // As the page URL writes it (errors=1) or as JSON would (errors=true).
    errors: { type: 'string', enum: ['1', '0', 'true', 'false'] },
    q: { type: 'string', maxLength: 200 },
    offset: { type: 'integer', minimum: 0, default: 0 },
    limit: { type: 'integer', minimum: 0, maximum: 1000, default: 100 },
  },
  additionalProperties: false,
} as const;

/** GET /api/frames/:id/position: FrameQuery's filters (offset and limit are accepted and ignored). */
export const frameFilterQuerySchema = frameQuerySchema;

export const framePositionSchema = object({ position: nullable('integer') });

/** Responses every API route may give besides its 200. */
export const errorResponses = { '4xx': apiErrorSchema, '5xx': apiErrorSchema } as const;
