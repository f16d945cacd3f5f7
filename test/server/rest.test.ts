// The REST API over a real capture file filled through ConnectionCapture: sessions, frames (paging, every
// filter, combined), frame detail decoded from the stored reads, errors, and the headers on every reply.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, CaptureInfo, FrameDetail, FramePage, FrameSummary, SessionDetail, SessionSummary } from '../../shared/api/dto.js';
import { CONTENT_SECURITY_POLICY } from '../../proxy/server/security.js';
import { type TestApp, getJson, testApp } from './app-helper.js';
import { HELLO, STEPS, XFR_SB, XFR_SB_REWRITTEN, recordSession } from './fixture.js';

const EXPECTED_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

function expectSecurityHeaders(headers: Record<string, unknown>) {
  expect(headers['content-security-policy']).toBe(EXPECTED_CSP);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
}

/** Session 1: the whole fixture, closed. Session 2: its first six reads, still open. */
function fill(t: { store: import('../../proxy/capture/store.js').CaptureStore }) {
  recordSession(t.store);
  recordSession(t.store, { steps: STEPS.slice(0, 6), close: false, start: 1_700_000_100_000 });
}

const base = { live: { listen: '127.0.0.1:1863', upstream: '192.0.2.1:1863' } };

describe('REST API', () => {
  let t: TestApp;
  let all: FrameSummary[];
  beforeAll(async () => {
    t = await testApp(base, {}, fill);
    all = (await getJson<FramePage>(t.app, '/api/frames?limit=1000')).body.frames;
  });
  afterAll(() => t.close());

  it('describes the capture', async () => {
    const { status, body, headers } = await getJson<CaptureInfo>(t.app, '/api/capture');
    expect(status).toBe(200);
    expect(body).toEqual({
      name: 'capture.sqlite', live: true, listen: '127.0.0.1:1863', upstream: '192.0.2.1:1863',
      counts: { sessions: 2, connections: 5, frames: all.length }, storeError: null, queued: 0,
    });
    expect(headers['cache-control']).toBe('no-store');
    expectSecurityHeaders(headers);
  });

  it('lists sessions with versions, counts and the live flag', async () => {
    const { body } = await getJson<SessionSummary[]>(t.app, '/api/sessions');
    expect(body).toEqual([
      {
        id: 1, handle: 'alice@example.com', client: '127.0.0.1:50000', startedWall: 1_700_000_000_000, endedWall: 1_700_000_001_000,
        imported: null, versions: ['MSNP8'], connectionCount: 3, frameCount: all.filter((f) => f.sessionId === 1).length, live: false,
      },
      {
        id: 2, handle: null, client: '127.0.0.1:50000', startedWall: 1_700_000_100_000, endedWall: null,
        imported: null, versions: ['MSNP8'], connectionCount: 2, frameCount: all.filter((f) => f.sessionId === 2).length, live: true,
      },
    ]);
  });

  it('pages the sessions: newest first chosen, oldest first sent; bad paging refused', async () => {
    const all = (await getJson<SessionSummary[]>(t.app, '/api/sessions')).body;
    const ids = async (url: string) => (await getJson<SessionSummary[]>(t.app, url)).body.map((s) => s.id);
    await expect(ids('/api/sessions?limit=1')).resolves.toEqual([2]);
    await expect(ids('/api/sessions?limit=5')).resolves.toEqual([1, 2]);
    await expect(ids('/api/sessions?before=2')).resolves.toEqual([1]);
    await expect(ids('/api/sessions?before=1&limit=5')).resolves.toEqual([]);
    await expect(ids('/api/sessions?handle=ALICE%40example')).resolves.toEqual([1]);
    await expect(ids('/api/sessions?handle=bob')).resolves.toEqual([]);
    expect((await getJson<SessionSummary[]>(t.app, '/api/sessions?limit=1')).body).toEqual(all.slice(1));
    for (const url of ['/api/sessions?limit=0', '/api/sessions?limit=1001', '/api/sessions?before=0', '/api/sessions?limit=x', `/api/sessions?handle=${'a'.repeat(201)}`]) {
      const r = await getJson<ApiError>(t.app, url);
      expect(r.status, url).toBe(400);
    }
  });

  it('gives a session with its connections', async () => {
    const { status, body } = await getJson<SessionDetail>(t.app, '/api/sessions/1');
    expect(status).toBe(200);
    expect(body.connections.map((c) => [c.label, c.kind, c.version, c.referredBy, c.cookie, c.closeReason, c.live])).toEqual([
      ['ds1', 'dispatch', 'MSNP8', null, null, 'client closed', false],
      ['ns1', 'ns', 'MSNP8', 1, null, 'client closed', false],
      ['sb1', 'sb', 'MSNP8', 2, '17262740.1063045201.32308', 'client closed', false],
    ]);
    expect(body.connections.map((c) => c.frameCount)).toEqual(['ds1', 'ns1', 'sb1'].map((l) => all.filter((f) => f.sessionId === 1 && f.conn === l).length));
    expect(body.frameCount).toBe(body.connections.reduce((n, c) => n + c.frameCount, 0));
    const open = await getJson<SessionDetail>(t.app, '/api/sessions/2');
    expect(open.body.connections.map((c) => c.live)).toEqual([true, true]);
  });

  it('answers 404 for unknown ids and 400 for malformed ones', async () => {
    for (const url of ['/api/sessions/99', '/api/frames/9999']) {
      const r = await getJson<ApiError>(t.app, url);
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      expectSecurityHeaders(r.headers);
    }
    for (const url of ['/api/sessions/abc', '/api/sessions/0', '/api/frames/1.5', '/api/frames/-1']) {
      const r = await getJson<ApiError>(t.app, url);
      expect(r.status, url).toBe(400);
      expect(r.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
    const plain = await getJson<ApiError>(t.app, '/api/live');
    expect(plain.status).toBe(426);
    expect(plain.body.message).toMatch(/WebSocket/);
    const none = await getJson<ApiError>(t.app, '/api/nothing');
    expect(none.status).toBe(404);
    expect(none.body.error).toBe('Not Found');
  });

  it('refuses malformed frame queries with 400', async () => {
    for (const query of ['limit=1001', 'limit=-1', 'offset=-5', 'offset=x', 'dir=up', 'version=MSN8', 'session=abc', 'trId=1.5', 'command=%3Cscript%3E', `q=${'x'.repeat(201)}`]) {
      const r = await getJson<ApiError>(t.app, `/api/frames?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.statusCode).toBe(400);
      expectSecurityHeaders(r.headers);
    }
  });
});

// Run the frame list twice: with all ids of a filter kept (the default for small captures) and with
// marks every 2 matches (what large captures use), so both paging paths are checked against a plain filter.
describe.each([
  ['ids kept', {}],
  ['marks every 2 matches', { step: 2, maxIds: 0, sliceIds: 3 }],
])('GET /api/frames (%s)', (_name, positions) => {
  let t: TestApp;
  let all: FrameSummary[];
  beforeAll(async () => {
    t = await testApp({ ...base, positions }, {}, fill);
    // The unfiltered list reads frames by id directly; check it first, then use it as the reference.
    all = (await getJson<FramePage>(t.app, '/api/frames?limit=1000')).body.frames;
  });
  afterAll(() => t.close());

  const page = async (query: string) => (await getJson<FramePage>(t.app, `/api/frames?${query}`)).body;

  it('lists every frame once, in capture order, with summaries', () => {
    expect(all.length).toBeGreaterThan(20);
    expect(all.map((f) => f.id)).toEqual(all.map((_, i) => i + 1));
    expect(all[0]).toEqual({
      id: 1, sessionId: 1, connectionId: 1, conn: 'ds1', dir: 'c2s', index: 0, tsWall: 1_700_000_000_000, command: 'VER', trId: 1,
      version: null, summary: 'VER #1 dialects=MSNP8 CVR0', size: 18, issueCount: 0, rewritten: false,
    });
    expect(all.find((f) => f.command === 'XFR' && f.dir === 's2c' && f.conn === 'ns1')).toMatchObject({ rewritten: true, version: 'MSNP8' });
  });

  it('pages: offsets and limits cover the list exactly', async () => {
    for (const limit of [1, 4, 7]) {
      const seen: FrameSummary[] = [];
      for (let offset = 0; offset < all.length + limit; offset += limit) {
        const p = await page(`offset=${offset}&limit=${limit}`);
        expect(p.total).toBe(all.length);
        expect(p.offset).toBe(offset);
        seen.push(...p.frames);
      }
      expect(seen).toEqual(all);
    }
    expect((await page('offset=100000')).frames).toEqual([]);
    expect((await page('limit=0')).frames).toEqual([]);
    expect((await page('')).frames).toHaveLength(Math.min(100, all.length));
  });

  const isError = (f: FrameSummary) => f.issueCount > 0 || /^\d{3}$/.test(f.command);
  const has = (f: FrameSummary, text: string) => [f.command, f.summary, f.conn].some((s) => s.toLowerCase().includes(text.toLowerCase()));
  const cases: Array<[string, (f: FrameSummary) => boolean]> = [
    ['session=2', (f) => f.sessionId === 2],
    ['connection=3', (f) => f.connectionId === 3],
    ['command=MSG', (f) => f.command === 'MSG'],
    ['command=VER,USR', (f) => f.command === 'VER' || f.command === 'USR'],
    ['command=msg,%20ack', (f) => f.command === 'MSG' || f.command === 'ACK'],
    ['command=201', (f) => f.command === '201'],
    ['dir=s2c', (f) => f.dir === 's2c'],
    ['version=MSNP8', (f) => f.version === 'MSNP8'],
    ['version=MSNP12', () => false],
    ['trId=9', (f) => f.trId === 9],
    ['errors=true', isError],
    ['errors=1', isError],
    ['q=alice', (f) => has(f, 'alice')],
    ['q=SB1', (f) => has(f, 'sb1')],
    // LIKE's wildcards are matched literally.
    ['q=50%25', (f) => has(f, '50%')],
    ['q=_', (f) => has(f, '_')],
    ['session=1&dir=c2s&command=USR,XFR', (f) => f.sessionId === 1 && f.dir === 'c2s' && (f.command === 'USR' || f.command === 'XFR')],
    ['session=1&errors=true&q=9', (f) => f.sessionId === 1 && isError(f) && has(f, '9')],
    ['connection=2&version=MSNP8&trId=8', (f) => f.connectionId === 2 && f.version === 'MSNP8' && f.trId === 8],
  ];

  it.each(cases)('filters %s', async (query, keep) => {
    const expected = all.filter(keep);
    const first = await page(`${query}&limit=1000`);
    expect(first.total).toBe(expected.length);
    expect(first.frames).toEqual(expected);
    // …and the same through small pages.
    const seen: FrameSummary[] = [];
    for (let offset = 0; offset < expected.length; offset += 3) seen.push(...(await page(`${query}&offset=${offset}&limit=3`)).frames);
    expect(seen).toEqual(expected);
  });

  it('finds the error reply and frames with no command (unframed bytes)', async () => {
    expect((await page('command=201')).frames.map((f) => f.summary)).toEqual([expect.stringMatching(/^Error 201/)]);
    expect((await page('errors=true')).total).toBeGreaterThan(0);
    expect((await page('command=')).total).toBe(0);
  });

  it('sees frames committed after an earlier query of the same filter', async () => {
    const before = await page('command=MSG&limit=1000');
    recordSession(t.store, { start: 1_700_000_200_000 });
    t.store.flush();
    const after = await page('command=MSG&limit=1000');
    expect(after.total).toBe(before.total + 1);
    expect(after.frames.slice(0, before.total)).toEqual(before.frames);
    expect(after.frames.at(-1)?.sessionId).toBe(3);
    expect((await page('limit=1')).total).toBeGreaterThan(all.length);
  });
});

describe('GET /api/frames/:id', () => {
  let t: TestApp;
  let all: FrameSummary[];
  beforeAll(async () => {
    t = await testApp(base, {}, fill);
    all = (await getJson<FramePage>(t.app, '/api/frames?session=1&limit=1000')).body.frames;
  });
  afterAll(() => t.close());

  const detail = async (f: FrameSummary | undefined) => {
    const r = await getJson<FrameDetail>(t.app, `/api/frames/${f?.id}`);
    expect(r.status).toBe(200);
    return r.body;
  };
  const find = (conn: string, command: string, dir: 'c2s' | 's2c') => all.find((f) => f.conn === conn && f.command === command && f.dir === dir);

  it('gives the bytes and the frame decoded now, with fields and the versions that introduced them', async () => {
    const frame = find('ns1', 'USR', 's2c');
    const d = await detail(frame);
    expect(d).toMatchObject({ ...frame, rewrittenBytes: null });
    expect(Buffer.from(d.bytes, 'base64').toString()).toBe('USR 5 OK alice@example.com Alice 1 0\r\n');
    expect(d.decoded).toMatchObject({ conn: 'ns1', dir: 's2c', index: frame?.index, command: 'USR', trId: 5, version: 'MSNP8', kind: 'command' });
    expect(d.decoded.fields).toContainEqual(expect.objectContaining({ name: 'verified', value: '1', since: 'MSNP6' }));
    expect(d.decoded.fields).toContainEqual(expect.objectContaining({ name: 'restricted', value: '0', since: 'MSNP8' }));
    expectSecurityHeaders((await t.app.inject(`/api/frames/${frame?.id}`)).headers);
  });

  it('links request and reply by TrID, both ways', async () => {
    const add = find('ns1', 'ADD', 'c2s');
    const error = find('ns1', '201', 's2c');
    const a = await detail(add);
    const e = await detail(error);
    expect(a.partnerId).toBe(error?.id);
    expect(e.partnerId).toBe(add?.id);
    expect(e.decoded).toMatchObject({ kind: 'error', replyTo: { index: add?.index } });
    expect((await detail(find('sb1', 'OUT', 'c2s'))).partnerId).toBeNull();
  });

  it('gives the rewritten bytes the proxy forwarded instead', async () => {
    const xfr = find('ns1', 'XFR', 's2c');
    const d = await detail(xfr);
    expect(d.rewritten).toBe(true);
    expect(Buffer.from(d.bytes, 'base64').toString()).toBe(XFR_SB);
    expect(Buffer.from(d.rewrittenBytes ?? '', 'base64').toString()).toBe(XFR_SB_REWRITTEN);
  });

  it('renders the payload view, in a switchboard that inherited its version through the cookie', async () => {
    const msg = find('sb1', 'MSG', 'c2s');
    const d = await detail(msg);
    expect(d.decoded.payloadLength).toBe(Buffer.byteLength(HELLO));
    expect(d.decoded.version).toBe('MSNP8');
    expect(d.decoded.view?.view).toBe('mime');
    expect(JSON.stringify(d.decoded.view)).toContain('Hello Bob!');
    expect((await detail(find('sb1', 'ACK', 's2c'))).partnerId).toBe(msg?.id);
  });

  it('decodes a still-open connection without inventing unanswered requests', async () => {
    const open = (await getJson<FramePage>(t.app, '/api/frames?session=2&limit=1000')).body.frames;
    const d = await detail(open.at(-1));
    expect(d.decoded.issues).toEqual([]);
  });
});

describe('errors and static files', () => {
  it('hides the details of a server error', async () => {
    const t = await testApp();
    t.store.close(); // every query now fails inside SQLite
    const r = await getJson<ApiError>(t.app, '/api/sessions');
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'internal error (details are in the inspector log)' });
    expectSecurityHeaders(r.headers);
    await t.close();
  });

  it('says how to build the web app when it is missing', async () => {
    const t = await testApp();
    const r = await t.app.inject('/');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.body).toContain('npm run build:web');
    expectSecurityHeaders(r.headers);
    await t.close();
  });

  it('serves the built web app, falling back to index.html for its routes, with the headers', async () => {
    const t = await testApp();
    const root = join(t.dir, 'dist');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>inspector</title><script type="module" src="/assets/app.js"></script>');
    writeFileSync(join(root, 'assets', 'app.js'), 'export {};');
    const app = await (await import('../../proxy/server/app.js')).buildApp({ store: t.store, file: t.file, webRoot: root });
    for (const [url, type] of [['/', /text\/html/], ['/assets/app.js', /javascript/], ['/sessions/1', /text\/html/]] as const) {
      const r = await app.inject({ url, headers: { accept: 'text/html,*/*' } });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type']).toMatch(type);
      expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expectSecurityHeaders(r.headers);
    }
    expect((await app.inject({ url: '/api/nothing', headers: { accept: 'text/html' } })).statusCode).toBe(404);
    expect((await app.inject('/assets/missing.js')).statusCode).toBe(404);
    await app.close();
    await t.close();
  });
});
