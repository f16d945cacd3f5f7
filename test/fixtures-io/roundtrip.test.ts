// Capture (scenarios through the real proxy) → export in each format → decode and import → the same
// frames: commands, TrIDs and parameters (modulo redaction placeholders), directions, per-connection order.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureStore } from '../../proxy/capture/store.js';
import { modelFromStore } from '../../proxy/export/from-store.js';
import { decodeModel } from '../../proxy/export/model.js';
import type { DecodedFrame } from '../../shared/msnp/decoded.js';
import {
  VERSIONS, byConnection, captureScenario, cli, decodeFile, type FrameShape, matchesModuloPlaceholders, type TempDir, tempDir,
} from './helpers.js';

let tmp: TempDir;
beforeAll(async () => {
  tmp = tempDir();
  for (const v of VERSIONS) await captureScenario(v, tmp.file(`msnp${v}.db`));
}, 120_000);
afterAll(() => tmp.remove());

function originalFrames(file: string): DecodedFrame[] {
  const store = CaptureStore.open(file, { readonly: true });
  try {
    return decodeModel(modelFromStore(store, { sessionId: 1, redact: false })).frames;
  } finally {
    store.close();
  }
}

/** The round-tripped frames must be the original ones, secrets aside. */
function expectSameFrames(got: FrameShape[][], want: FrameShape[][], what: string): void {
  expect(got.map((c) => c.length), `${what}: frames per connection`).toEqual(want.map((c) => c.length));
  want.forEach((conn, i) => conn.forEach((w, j) => {
    const g = got[i]![j]!;
    const where = `${what}: connection ${i + 1} frame ${j} (${w.command})`;
    expect([g.dir, g.command, g.trId, g.params.length], where).toEqual([w.dir, w.command, w.trId, w.params.length]);
    w.params.forEach((p, k) => expect(matchesModuloPlaceholders(p, g.params[k]!), `${where} param ${k}: ${p} → ${g.params[k]}`).toBe(true));
  }));
}

describe.each(VERSIONS)('MSNP%i capture', (version) => {
  const capture = () => tmp.file(`msnp${version}.db`);

  it('exports as chunks, fixture, transcript and pcapng that decode to the captured frames', async () => {
    const want = byConnection(originalFrames(capture()));
    expect(want).toHaveLength(4);
    for (const format of ['chunks', 'fixture', 'transcript', 'pcapng']) {
      const out = tmp.file(`v${version}.${format}`);
      expect(await cli('export', '--capture', capture(), '--session', '1', '--format', format, '--out', out)).toMatchObject({ code: 0 });
      const decoded = decodeFile(out);
      expect(decoded.issues, format).toEqual([]);
      expectSameFrames(byConnection(decoded.frames), want, format);
      // And `decode` (the command) reads every one of them.
      const result = await cli('decode', '--json', out);
      expect(result.code, format).toBe(0);
      expect(result.out.trim().split('\n')).toHaveLength(want.flat().length);
    }
    const frames = await cli('export', '--capture', capture(), '--session', '1', '--format', 'frames');
    const lines = frames.out.trim().split('\n').map((l) => JSON.parse(l) as DecodedFrame);
    expectSameFrames(byConnection(lines), want, 'frames');
  });

  it('the transcript is msnp-wiki text with narration saying how the client got to each connection', async () => {
    const out = tmp.file(`v${version}.narrated.txt`);
    await cli('export', '--capture', capture(), '--session', '1', '--format', 'transcript', '--out', out);
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/^# Client opens a connection to 127\.0\.0\.1:\d+ \(ds1, dispatch, MSNP\d+; first connection of its session\)\.$/m);
    expect(text).toMatch(/^# Client opens a connection to 127\.0\.0\.1:\d+ \(ns1, ns, MSNP\d+; referred by ds1: XFR 3 NS\)\.$/m);
    expect(text).toMatch(/^# Client opens a connection to 127\.0\.0\.1:\d+ \(sb1, sb, MSNP\d+; referred by ns1: XFR 10 SB\)\.$/m);
    expect(text).toMatch(/^# Client opens a connection to 127\.0\.0\.1:\d+ \(sb2, sb, MSNP\d+; referred by ns1: RNG 11752013\)\.$/m);
    expect(text).toMatch(/^C: MSG 4 A \d+\r?\nMIME-Version: 1\.0$/m);
    expect(text).not.toMatch(/Frame omitted/);
  });

  it('imports every export back as an imported session, linked and labelled like the live one', async () => {
    const want = byConnection(originalFrames(capture()));
    for (const format of ['chunks', 'fixture', 'transcript', 'pcapng']) {
      const input = tmp.file(`v${version}.${format}`);
      const target = tmp.file(`v${version}-imported-${format}.db`);
      const result = await cli('import', '--capture', target, input);
      expect(result, format).toMatchObject({ code: 0, err: '' });
      expect(result.out).toMatch(new RegExp(`session 1: 4 connections, ${want.flat().length} frames`));
      const store = CaptureStore.open(target, { readonly: true });
      try {
        const [session] = store.listSessions();
        expect(session?.imported).toBe(`v${version}.${format}`);
        expect(session?.handle).toBe('alice@example.com');
        const conns = store.listConnections(1);
        expect(conns.map((c) => [c.label, c.kind, c.version]), format).toEqual([
          ['ds1', 'dispatch', version], ['ns1', 'ns', version], ['sb1', 'sb', version], ['sb2', 'sb', version],
        ]);
        const id = (label: string) => conns.find((c) => c.label === label)?.id;
        expect(conns.map((c) => c.referredBy), format).toEqual([null, id('ds1'), id('ns1'), id('ns1')]);
        expect(conns[3]?.cookie, format).toMatch(/^REDACTED-COOKIE-\d+$/);
        // Frames are stored as live capture stores them (decoded summaries included).
        const stored = store.listFrames(id('ns1')!);
        expect(stored.length).toBe(want[1]!.length);
        expect(stored.every((f) => f.summary !== null && f.summary !== '')).toBe(true);
      } finally {
        store.close();
      }
      const back = await cli('export', '--capture', target, '--session', '1', '--format', 'frames', '--no-redact');
      expectSameFrames(byConnection(back.out.trim().split('\n').map((l) => JSON.parse(l) as DecodedFrame)), want, `import of ${format}`);
    }
  });
});

describe('export options', () => {
  it('--connection exports one connection, decoded within its session', async () => {
    const store = CaptureStore.open(tmp.file('msnp12.db'), { readonly: true });
    const sb1 = store.listConnections().find((c) => c.label === 'sb1')!;
    store.close();
    const out = tmp.file('sb1.jsonl');
    expect(await cli('export', '--capture', tmp.file('msnp12.db'), '--connection', String(sb1.id), '--format', 'chunks', '--out', out)).toMatchObject({ code: 0 });
    const decoded = decodeFile(out);
    expect(new Set(decoded.frames.map((f) => f.conn))).toEqual(new Set(['sb1']));
    const frames = await cli('export', '--capture', tmp.file('msnp12.db'), '--connection', String(sb1.id), '--format', 'frames');
    expect(frames.out.split('\n').filter(Boolean).every((l) => (JSON.parse(l) as DecodedFrame).version === 'MSNP12')).toBe(true);
    const fixture = await cli('export', '--capture', tmp.file('msnp12.db'), '--connection', String(sb1.id), '--format', 'fixture');
    expect((JSON.parse(fixture.out) as { connections: unknown[] }).connections).toHaveLength(1);
    expect(await cli('export', '--capture', tmp.file('msnp12.db'), '--connection', '99', '--format', 'chunks')).toMatchObject({ code: 1, err: expect.stringMatching(/no connection 99/) });
  });

  it('fixture and vitest need one session; binary output goes to --out or a pipe', async () => {
    const both = tmp.file('two.db');
    await cli('import', '--capture', both, tmp.file('v8.chunks'), tmp.file('v12.chunks'));
    const refused = await cli('export', '--capture', both, '--format', 'fixture');
    expect(refused).toMatchObject({ code: 1, out: '', err: expect.stringMatching(/one session/) });
    expect((await cli('export', '--capture', both, '--format', 'fixture', '--session', '2')).code).toBe(0);
    const bytes: Uint8Array[] = [];
    const code = await import('../../proxy/cli.js').then(({ main }) => main(['export', '--capture', both, '--format', 'pcapng'], {
      out: () => {}, err: () => {}, color: false, outBytes: (b) => void bytes.push(b),
    }));
    expect(code).toBe(0);
    expect(Buffer.concat(bytes).readUInt32LE(0)).toBe(0x0a0d0d0a);
  });
});
