// Who may use the inspector: with a token (any non-loopback bind) every REST and WebSocket request needs
// it; without one (loopback) web pages of other sites are kept out by the Host and Origin checks.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieName, isLoopback } from '../../proxy/server/auth.js';
import { startInspector } from '../../proxy/server/serve.js';
import { type TestApp, liveTap, testApp } from './app-helper.js';
import { recordSession, tempCapture } from './fixture.js';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

describe('token', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ token: 'x' }, {}, (c) => recordSession(c.store));
  });
  afterAll(() => t.close());

  it('refuses requests without the token (401), on the API and the page', async () => {
    for (const url of ['/api/capture', '/api/sessions', '/api/frames', '/api/frames/1', '/api/sessions/1', '/']) {
      const r = await t.app.inject(url);
      expect(r.statusCode, url).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer');
      expect(r.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect(r.headers['content-security-policy']).toBe(CSP);
      expect(r.body).not.toContain('alice');
    }
  });

  it('refuses a wrong token', async () => {
    expect((await t.app.inject({ url: '/api/sessions', headers: { authorization: 'Bearer y' } })).statusCode).toBe(401);
    expect((await t.app.inject('/api/sessions?token=xx')).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/sessions', headers: { cookie: `${cookieName('x')}=y` } })).statusCode).toBe(401);
  });

  it('accepts the token as a bearer header', async () => {
    const r = await t.app.inject({ url: '/api/sessions', headers: { authorization: 'Bearer x' } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toHaveLength(1);
  });

  it('accepts ?token= and sets an HttpOnly SameSite=Strict cookie that works afterwards', async () => {
    const first = await t.app.inject('/?token=x');
    expect(first.statusCode).toBe(200);
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/^msnp_inspector_[0-9a-f]{12}=x; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const later = await t.app.inject({ url: '/api/frames?limit=1', headers: { cookie: cookie.split(';')[0] as string } });
    expect(later.statusCode).toBe(200);
    expect(later.json().total).toBeGreaterThan(0);
  });

  it('guards the live stream too', async () => {
    await expect(t.app.injectWS('/api/live')).rejects.toThrow(/401/);
    for (const tap of [await liveTap(t.app, '/api/live?token=x'), await liveTap(t.app, '/api/live', { authorization: 'Bearer x' })]) {
      expect((await tap.next(() => true)).type).toBe('hello');
      tap.ws.terminate();
    }
  });
});

describe('loopback, no token', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(() => t.close());

  it('answers requests naming it by IP or localhost', async () => {
    for (const host of ['127.0.0.1:8080', 'localhost:8080', '[::1]:8080', 'localhost']) {
      expect((await t.app.inject({ url: '/api/capture', headers: { host } })).statusCode, host).toBe(200);
    }
  });

  it('refuses a request for another host name (DNS rebinding)', async () => {
    const r = await t.app.inject({ url: '/api/capture', headers: { host: 'attacker.example:8080' } });
    expect(r.statusCode).toBe(403);
    expect(r.headers['content-security-policy']).toBe(CSP);
  });

  it("refuses a WebSocket from another site's page", async () => {
    await expect(t.app.injectWS('/api/live', { headers: { host: '127.0.0.1:8080', origin: 'http://attacker.example' } })).rejects.toThrow(/403/);
    await expect(t.app.injectWS('/api/live', { headers: { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:9999' } })).rejects.toThrow(/403/);
    const ws = await t.app.injectWS('/api/live', { headers: { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080' } });
    ws.terminate();
  });

  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '192.168.1.2', '::', 'example.com']) expect(isLoopback(host), host).toBe(false);
  });
});

/** Sends a WebSocket upgrade over a raw connection; resolves with all it got once the server closes it. */
function upgradeUntilClosed(port: number, headers: string): Promise<string> {
  return new Promise((done, fail) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.on('data', (d) => { got += String(d); });
    socket.on('error', fail);
    socket.on('close', () => done(got));
    socket.write(`GET /api/live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${headers}\r\n`);
  });
}

describe('refused live-stream upgrades on a real socket', () => {
  it('are answered and closed by the server, so none lingers and the server still closes', async () => {
    const t = tempCapture();
    const guarded = await startInspector({ store: t.store, file: t.file, host: '127.0.0.1', port: 0, token: 'secret' });
    const open = await startInspector({ store: t.store, file: t.file, host: '127.0.0.1', port: 0 });
    try {
      const noToken = await upgradeUntilClosed(guarded.address.port, '');
      expect(noToken).toMatch(/^HTTP\/1\.1 401 /);
      expect(noToken).toMatch(/\r\nconnection: close\r\n/i);
      const otherSite = await upgradeUntilClosed(open.address.port, 'Origin: http://attacker.example\r\n');
      expect(otherSite).toMatch(/^HTTP\/1\.1 403 /);
    } finally {
      await guarded.close();
      await open.close();
      t.remove();
    }
  });

  it('refuses an empty token outright', async () => {
    const t = tempCapture();
    try {
      await expect(startInspector({ store: t.store, file: t.file, host: '0.0.0.0', port: 0, token: '' })).rejects.toThrow(/token must not be empty/);
    } finally {
      t.remove();
    }
  });
});
