import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/reference.js';

const dir = mkdtempSync(join(tmpdir(), 'msnp-decode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const line = (dir: 'c2s' | 's2c', conn: string, t: number, text: string) =>
  JSON.stringify({ dir, conn, t_ms: t, b64: Buffer.from(text, 'latin1').toString('base64') });

/** An MSNP12 notification session and the switchboard it refers to, as chunk JSONL. */
function writeCapture(): string {
  const file = join(dir, 'capture.jsonl');
  writeFileSync(file, [
    line('c2s', 'ns1', 1000, 'VER 1 MSNP12 MSNP11 CVR0\r\n'),
    line('s2c', 'ns1', 1010, 'VER 1 MSNP12\r\n'),
    line('c2s', 'ns1', 1020, 'CHG 2 NLN 1342177280\r\nXFR 3 SB\r\n'),
    line('s2c', 'ns1', 1031, 'CHG 2 NLN 1342177280\r\nILN 2 AWY bob@example.com Bob%20B 1342177312\r\nLST N=bob@example.com F=Bob C=bob@example.com 11 1\r\n'),
    line('s2c', 'ns1', 1040, 'XFR 3 SB 192.0.2.9:1863 CKI 123.456\r\nCHL 0 22210219642164014968\r\n'),
    line('c2s', 'ns1', 1050, 'QRY 4 PROD0090YUAUV{2B 32\r\n85ecb0db8f32113df79ce0892b9a102c'),
    line('s2c', 'ns1', 1060, 'QRY 4\r\n911 5\r\n'),
    line('c2s', 'sb1', 1070, 'USR 1 alice@example.com 123.456\r\n'),
    line('s2c', 'sb1', 1080, 'USR 1 OK alice@example.com Alice\r\nJOI bob@example.com Bob 1342177312\r\n'),
    line('c2s', 'sb1', 1090, 'MSG 2 N 5\r\nhello\x00\x01garbage\r\n'),
  ].join('\n'));
  return file;
}

describe('decode --json', () => {
  it('prints one frame per line with the documented fields', async () => {
    const { code, out, err } = await runCli(['decode', '--json', writeCapture()]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const frames = out.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(frames).toHaveLength(17);
    for (const f of frames) {
      expect(Object.keys(f).slice(0, 11)).toEqual(['conn', 'dir', 'index', 'command', 'trId', 'params', 'payloadLength', 'version', 'fields', 'issues', 't_ms']);
      expect(['c2s', 's2c']).toContain(f.dir);
      for (const field of f.fields) expect(typeof field.name === 'string' && typeof field.value === 'string' && (field.since === null || /^MSNP\d+$/.test(field.since))).toBe(true);
    }
    const [ver, verReply] = frames;
    expect(ver).toMatchObject({ conn: 'ns1', dir: 'c2s', index: 0, command: 'VER', trId: 1, params: ['MSNP12', 'MSNP11', 'CVR0'], payloadLength: null, version: null });
    expect(verReply).toMatchObject({ command: 'VER', version: 'MSNP12', replyTo: { index: 0, latencyMs: 10 } });

    const lst = frames.find((f) => f.command === 'LST');
    expect(lst.trId).toBeNull();
    expect(lst.fields.map((f: { name: string; since: string | null }) => [f.name, f.since])).toEqual([
      ['handle', 'MSNP10'], ['friendlyName', 'MSNP10'], ['contactGuid', 'MSNP10'], ['listBits', 'MSNP8'], ['networkId', 'MSNP12'],
    ]);
    const iln = frames.find((f) => f.command === 'ILN');
    expect(iln.fields.find((f: { name: string }) => f.name === 'friendlyName').decoded).toBe('Bob B');
    expect(iln.fields.find((f: { name: string }) => f.name === 'status').decoded).toMatch(/away/i);

    const qry = frames.find((f) => f.command === 'QRY' && f.dir === 'c2s');
    expect(qry).toMatchObject({ payloadLength: 32, challenge: { verdict: 'valid', scheme: 'msnp11' }, reply: { latencyMs: 10 } });
    const error = frames.find((f) => f.command === '911');
    expect(error).toMatchObject({ kind: 'error', trId: 5, params: [] });
    expect(error.title).toMatch(/Authentication failed/i);

    // The switchboard inherits MSNP12 through the cookie handed out by XFR SB.
    const joi = frames.find((f) => f.command === 'JOI');
    expect(joi).toMatchObject({ conn: 'sb1', version: 'MSNP12' });
    expect(joi.fields.at(-1)).toMatchObject({ name: 'capabilities', since: 'MSNP12' });

    const raw = frames.at(-1);
    expect(raw).toMatchObject({ conn: 'sb1', command: '', trId: null, params: [], payloadLength: null, kind: 'raw' });
    expect(raw.issues[0]).toMatch(/^garbage/);
  });

  it('prints a readable listing without --json, with payload views on request', async () => {
    const { code, out } = await runCli(['decode', '--views', writeCapture()]);
    expect(code).toBe(0);
    expect(out).toContain('networkId: 1');
    expect(out).toContain('[since MSNP12]');
    expect(out).toContain('challenge: valid (msnp11)');
    expect(out).not.toContain('\x1b['); // no colour when not asked for
    expect(out).toContain('\\x00\\x01garbage'); // control bytes are shown, never sent to the terminal
  });

  it('reports unreadable files and bad usage with exit codes', async () => {
    expect((await runCli(['decode'])).code).toBe(2);
    expect((await runCli(['decode', '--max-line', 'abc', 'x'])).code).toBe(2);
    const missing = await runCli(['decode', join(dir, 'nope.jsonl')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot read/);
    const garbage = join(dir, 'garbage.bin');
    writeFileSync(garbage, Buffer.from([0, 1, 2, 3, 255, 254]));
    const bad = await runCli(['decode', garbage]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/no MSNP data/);
  });

  it('has --help for every command', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    const names = [...top.out.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1] as string);
    expect(names).toContain('decode');
    for (const name of names) {
      const help = await runCli([name, '--help']);
      expect(help.code).toBe(0);
      expect(help.out).toContain(`msnp-inspector ${name}`);
    }
    expect((await runCli(['frobnicate'])).code).toBe(2);
  });

  it('runs as `npx msnp-inspector` from the repository', async () => {
    const { stdout } = await promisify(execFile)('npx', ['--no-install', 'msnp-inspector', 'decode', '--json', writeCapture()], { cwd: REPO_ROOT });
    expect(stdout.trimEnd().split('\n')).toHaveLength(17);
  });
});
