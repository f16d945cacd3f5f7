// `serve` and `proxy --web` as real processes on ephemeral ports: the ready line names the real URL, the
// inspector answers there, a non-loopback bind demands its token, and SIGTERM stops them cleanly.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureInfo, FramePage, SessionSummary } from '../../shared/api/dto.js';
import { runCli } from '../helpers/cli.js';
import { type TempCapture, recordSession, tempCapture, writeVersion1 } from './fixture.js';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/msnp-inspector.js');

const children: ChildProcess[] = [];
let t: TempCapture | null = null;
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  t?.remove();
  t = null;
});

/** Starts the CLI and resolves with its ready line: the first stdout line, or the first that `ready` accepts. */
function start(args: string[], ready: (line: string) => boolean = () => true): Promise<{ child: ChildProcess; line: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let stderr = '';
  child.stderr?.on('data', (d) => { stderr += String(d); });
  return new Promise((done, fail) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      if (!ready(line)) return;
      lines.removeAllListeners('line');
      done({ child, line, exited });
    });
    void exited.then((code) => fail(new Error(`exited ${code} before ready: ${stderr}`)));
  });
}

const urlIn = (line: string) => /inspector at (http:\/\/\S+)/.exec(line)?.[1] ?? '';

/**
 * A WebSocket handshake on the live stream, by hand (Node 20 has no WebSocket client): the status, and
 * on 101 the first message's text (the server's frames are unmasked; the hello fits one frame).
 */
function liveHandshake(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; first: string }> {
  return new Promise((done, fail) => {
    // A fresh connection each time: a refused upgrade's socket is not one to reuse.
    const req = request(new URL(path, base), {
      agent: false,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64'), ...headers },
    });
    req.on('response', (res) => {
      res.resume();
      done({ status: res.statusCode ?? 0, first: '' });
    });
    req.on('upgrade', (res, socket, head: Buffer) => {
      // Bytes that came with the 101 are in `head`, not in a later 'data' event.
      let got = head;
      const check = () => {
        const len = (got[1] ?? 0) & 0x7f;
        const [start, size] = len === 126 ? [4, got.length >= 4 ? got.readUInt16BE(2) : Infinity] : [2, len];
        if (got.length < start + size) return;
        socket.destroy();
        done({ status: res.statusCode ?? 0, first: got.subarray(start, start + size).toString('utf8') });
      };
      socket.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
        check();
      });
      check();
    });
    req.on('error', fail);
    req.end();
  });
}

/** Off loopback: REST and the live stream refuse requests without the token and take it in each form. */
async function expectTokenGuard(base: string, token: string): Promise<void> {
  for (const path of ['/api/capture', '/api/sessions', '/api/frames', '/']) {
    expect((await fetch(`${base}${path}`)).status, path).toBe(401);
    expect((await fetch(`${base}${path}?token=${token}x`)).status, path).toBe(401);
    expect((await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } })).status, path).not.toBe(401);
  }
    expect((await fetch(`${base}/api/sessions?token=${token}`)).status).toBe(200);
    expect((await liveHandshake(base, '/api/live')).status).toBe(401);
    expect((await liveHandshake(base, `/api/live?token=wrong`)).status).toBe(401);
  for (const accepted of [await liveHandshake(base, `/api/live?token=${token}`), await liveHandshake(base, '/api/live', { authorization: `Bearer ${token}` })]) {
    expect(accepted.status).toBe(101);
    expect(JSON.parse(accepted.first)).toMatchObject({ type: 'hello' });
  }
}

describe('msnp-inspector serve', () => {
  it('serves a capture on an ephemeral port, printing the real URL, until SIGTERM', async () => {
    t = tempCapture();
    recordSession(t.store);
    t.store.flush();
    const { child, line, exited } = await start(['serve', '--capture', t.file, '--web', '127.0.0.1:0']);
    const url = urlIn(line);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:(\d+)\/$/);
    expect(url).not.toMatch(/:0\//);
    const info = await (await fetch(new URL('/api/capture', url))).json() as CaptureInfo;
    expect(info).toMatchObject({ name: 'capture.sqlite', live: false, counts: { sessions: 1, connections: 3 } });
    const sessions = await (await fetch(new URL('/api/sessions', url))).json() as SessionSummary[];
    expect(sessions.map((s) => s.handle)).toEqual(['alice@example.com']);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('upgrades an old capture file before serving it', async () => {
    t = tempCapture();
    const file = join(t.dir, 'old.sqlite');
    writeVersion1(file);
    const { child, line, exited } = await start(['serve', '--capture', file, '--web', '127.0.0.1:0']);
    const page = await (await fetch(new URL('/api/frames', urlIn(line)))).json() as FramePage;
    expect(page.frames.map((f) => f.summary)).toEqual(['VER 1 MSNP12 CVR0']);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('requires a token off loopback, and prints it in the URL', async () => {
    t = tempCapture();
    recordSession(t.store);
    t.store.flush();
    const { child, line, exited } = await start(['serve', '--capture', t.file, '--web', '0.0.0.0:0']);
    const url = new URL(urlIn(line));
    const token = url.searchParams.get('token') ?? '';
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(url.hostname).toBe('0.0.0.0');
    await expectTokenGuard(`http://127.0.0.1:${url.port}`, token);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses an empty token rather than serve off loopback unguarded', async () => {
    t = tempCapture();
    recordSession(t.store);
    t.store.flush();
    for (const token of ['', ' ']) {
      const refused = await runCli(['serve', '--capture', t.file, '--web', '0.0.0.0:0', '--web-token', token]);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/token must not be empty/);
      expect(refused.out).toBe('');
    }
  });

  it('explains a missing file or option', async () => {
    t = tempCapture();
    const missing = await runCli(['serve', '--capture', join(t.dir, 'nope.sqlite')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no such file');
    const usage = await runCli(['serve']);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('--capture FILE is required');
    const bad = await runCli(['serve', '--capture', t.file, '--web', 'nonsense:port']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--web');
  });
});

describe('msnp-inspector demo', () => {
  it('imports the demo captures, serves the inspector beside its replay upstream, and exits 0 on SIGTERM', async () => {
    t = tempCapture();
    const capture = join(t.dir, 'demo.sqlite');
    const { child, line, exited } = await start(
      ['demo', '--listen', '127.0.0.1:0', '--web', '127.0.0.1:0', '--capture', capture],
      (l) => l.includes(' listening on '),
    );
    expect(line).toMatch(/^msnp-inspector proxy listening on 127\.0\.0\.1:\d+, forwarding to 127\.0\.0\.1:\d+, capturing to /);
    const info = await (await fetch(`${new URL(urlIn(line)).origin}/api/capture`)).json() as CaptureInfo;
    expect(info).toMatchObject({ name: 'demo.sqlite', live: true });
    expect(info.counts.sessions).toBeGreaterThanOrEqual(2);
    // The replay server must not keep the process alive once the proxy has shut down.
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);
});

describe('msnp-inspector proxy --web', () => {
  it('serves the live inspector beside the proxy and names it in the ready line', async () => {
    t = tempCapture();
    const capture = join(t.dir, 'live.sqlite');
    const { child, line, exited } = await start([
      'proxy', '--upstream', '127.0.0.1:9', '--listen', '127.0.0.1:0', '--capture', capture, '--web', '127.0.0.1:0', '--web-token', 'secret',
    ]);
    expect(line).toMatch(/^msnp-inspector proxy listening on 127\.0\.0\.1:\d+, forwarding to 127\.0\.0\.1:9, capturing to .*; inspector at http:\/\/127\.0\.0\.1:\d+\/\?token=secret$/);
    const url = new URL(urlIn(line));
    const info = await (await fetch(`${url.origin}/api/capture`, { headers: { authorization: 'Bearer secret' } })).json() as CaptureInfo;
    expect(info).toMatchObject({ name: 'live.sqlite', live: true, upstream: '127.0.0.1:9' });
    expect(info.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url.origin}/api/capture`)).status).toBe(401);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('guards a non-loopback inspector with a generated token, REST and live stream alike', async () => {
    t = tempCapture();
    const { child, line, exited } = await start(['proxy', '--upstream', '127.0.0.1:9', '--listen', '127.0.0.1:0', '--capture', join(t.dir, 'live.sqlite'), '--web', '0.0.0.0:0']);
    const url = new URL(urlIn(line));
    expect(url.hostname).toBe('0.0.0.0');
    const token = url.searchParams.get('token') ?? '';
    expect(token.length).toBeGreaterThanOrEqual(32);
    await expectTokenGuard(`http://127.0.0.1:${url.port}`, token);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses an empty token and does not start the proxy', async () => {
    t = tempCapture();
    const refused = await runCli(['proxy', '--upstream', '127.0.0.1:9', '--listen', '127.0.0.1:0', '--capture', join(t.dir, 'x.sqlite'), '--web', '0.0.0.0:0', '--web-token', '']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/token must not be empty/);
    expect(refused.out).toBe('');
  });

  it('can run without the inspector', async () => {
    t = tempCapture();
    const { child, line, exited } = await start(['proxy', '--upstream', '127.0.0.1:9', '--listen', '127.0.0.1:0', '--capture', join(t.dir, 'x.sqlite'), '--no-web']);
    expect(line).toMatch(/; inspector off$/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
