// Who may talk to the inspector. On a loopback bind anyone on this machine may, but a web page must not:
// requests must name the inspector by IP or localhost (a DNS-rebinding page sends its own host name), and
// WebSocket upgrades must come from the inspector's own origin (browsers let any page open a WebSocket).
// On any other bind a token is required on every request: `Authorization: Bearer <token>`, `?token=` (the
// browser's first load and its WebSocket), or the HttpOnly cookie set after a valid `?token=`.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from './routes/errors.js';

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Constant-time comparison (hashing first makes the lengths equal). */
function same(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** Cookie name per token, so inspectors on other ports of the same host do not overwrite each other's. */
export function cookieName(token: string): string {
  return `msnp_inspector_${digest(token).toString('hex').slice(0, 12)}`;
}

function cookies(request: FastifyRequest): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return '';
  }
}

function queryToken(request: FastifyRequest): string | null {
  const q = request.url.indexOf('?');
  return q < 0 ? null : new URLSearchParams(request.url.slice(q + 1)).get('token');
}

/** The host name of a Host header ("[::1]:8080" → "::1"), null when it is not one. */
function hostname(host: string | undefined): string | null {
  const url = parse(`http://${host ?? ''}`);
  return url && host ? url.hostname.replace(/^\[|\]$/g, '') : null;
}

/** A WebSocket's Origin must be the inspector itself: same host and port as the request's Host. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  const from = parse(origin);
  const to = parse(`http://${host ?? ''}`);
  return from !== null && to !== null && host !== undefined && from.host === to.host;
}

function parse(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null; // "null" (sandboxed or opaque origins) and garbage
  }
}

function refuse(request: FastifyRequest, reply: FastifyReply, status: 401 | 403, message: string): FastifyReply {
  if (status === 401) reply.header('www-authenticate', 'Bearer');
  if (isUpgrade(request)) {
    // The socket of an upgrade request has left Node's HTTP handling, and @fastify/websocket closes only
    // sockets its own onRequest hook saw, which this refusal skips: unclosed, every refused attempt
    // would stay open for good (and keep the server from ever closing).
    reply.header('connection', 'close');
    reply.raw.once('finish', () => request.raw.socket?.destroy());
  }
  return reply.code(status).send(apiError(status, message));
}

function isUpgrade(request: FastifyRequest): boolean {
  return request.headers.upgrade?.toLowerCase() === 'websocket';
}

export function registerAuth(app: FastifyInstance, token: string | null): void {
  // An empty token would be matched by an empty `?token=` or cookie: no guard at all.
  if (token !== null && token.trim() === '') throw new Error('the inspector token must not be empty');
  const name = token === null ? '' : cookieName(token);
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (isUpgrade(request) && origin !== undefined && !sameOrigin(origin, request.headers.host)) {
      return refuse(request, reply, 403, 'live stream refused: request from another origin');
    }
    if (token === null) {
      // Browsers always send Host; a request without one is not from a web page.
      if (request.headers.host === undefined) return;
      const host = hostname(request.headers.host);
      if (host === null || !(host === 'localhost' || host.endsWith('.localhost') || isIP(host) !== 0)) {
        return refuse(request, reply, 403, 'open the inspector by IP address or localhost');
      }
      return;
    }
    const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer !== undefined && same(bearer, token)) return;
    const cookie = cookies(request).get(name);
    if (cookie !== undefined && same(decode(cookie), token)) return;
    const query = queryToken(request);
    if (query !== null && same(query, token)) {
      // The page's own later requests (fetch, WebSocket) then carry the token without it in any URL.
      reply.header('set-cookie', `${name}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`);
      return;
    }
    return refuse(request, reply, 401, 'this inspector needs its token: open the URL it printed at start, or send "Authorization: Bearer <token>"');
  });
}
