// Stored reads are the ground truth: decoding them, or their chunk JSONL export, gives the same frames.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeSession, sessionAsChunks } from '../../proxy/capture/read-capture.js';
import { CaptureStore } from '../../proxy/capture/store.js';
import { main } from '../../proxy/cli.js';
import { decodeChunks } from '../../proxy/decode/decode-chunks.js';
import { readInput } from '../../proxy/decode/inputs/detect.js';
import { MSNP8_STEPS, type Step, type TempDir, fakeIo, recordSession, stepsAsChunks, tempDir } from './helpers.js';

let tmp: TempDir;
let file: string;
beforeEach(() => {
  tmp = tempDir();
  file = tmp.file('capture.db');
  const store = CaptureStore.open(file, { log: () => {} });
  recordSession(store);
  // A second session whose labels repeat the first one's.
  const msnp12: Step[] = MSNP8_STEPS.map(([conn, dir, read]) => [conn, dir, read.replaceAll('MSNP8', 'MSNP12')]);
  recordSession(store, msnp12, 1_700_000_100_000);
  store.close();
});
afterEach(() => tmp.remove());

async function cli(...argv: string[]) {
  const io = fakeIo();
  const code = await main(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('reading a capture back', () => {
  it("gives back a session's reads and decodes them as the original reads decode", () => {
    const store = CaptureStore.open(file, { readonly: true });
    expect(sessionAsChunks(store, 1)).toEqual(stepsAsChunks(MSNP8_STEPS));
    expect(decodeSession(store, 1).frames).toEqual(decodeChunks(stepsAsChunks(MSNP8_STEPS)).frames);
    const all = sessionAsChunks(store);
    expect(new Set(all.map((c) => c.conn))).toEqual(new Set(['s1:ds1', 's1:ns1', 's1:sb1', 's2:ds1', 's2:ns1', 's2:sb1']));
    expect(decodeSession(store).frames.filter((f) => f.conn === 's2:ns1').at(-1)?.version).toBe('MSNP12');
    expect(() => sessionAsChunks(store, 9)).toThrow(/no session 9/);
    store.close();
  });
});

describe('msnp-inspector export', () => {
  for (const session of [['--session', '2'], []]) {
    it(`exports chunk JSONL that decodes to the exported frames (${session.join(' ') || 'all sessions'})`, async () => {
      const out = tmp.file('chunks.jsonl');
      const chunks = await cli('export', '--capture', file, '--format', 'chunks', ...session, '--out', out);
      expect(chunks).toMatchObject({ code: 0, err: '' });
      const frames = await cli('export', '--capture', file, '--format', 'frames', ...session);
      expect(frames).toMatchObject({ code: 0, err: '' });

      const input = readInput(readFileSync(out), out);
      expect(input.format).toBe('chunks');
      expect(input.issues).toEqual([]);
      expect(input.chunks).toHaveLength(MSNP8_STEPS.length * (session.length ? 1 : 2));
      const redecoded = decodeChunks(input.chunks).frames.map((f) => `${JSON.stringify(f)}\n`).join('');
      expect(frames.out).toBe(redecoded);
      expect(frames.out.split('\n').length).toBeGreaterThan(20);

      // And the decode command reads the export just as well.
      const decoded = await cli('decode', '--json', out);
      expect(decoded.out).toBe(frames.out);
    });
  }

  it('writes to standard output without --out', async () => {
    const { code, out } = await cli('export', '--capture', file, '--format', 'chunks', '--session', '1');
    expect(code).toBe(0);
    const first = JSON.parse(out.split('\n')[0] ?? '');
    expect(first).toEqual({ dir: 'c2s', conn: 'ds1', t_ms: 1_700_000_000_000, b64: Buffer.from('VER 1 MSNP8 CVR0\r\n').toString('base64') });
  });

  it('refuses an unknown session, a missing file, and bad options', async () => {
    expect(await cli('export', '--capture', file, '--format', 'chunks', '--session', '7')).toMatchObject({
      code: 1, out: '', err: expect.stringMatching(/no session 7/),
    });
    expect(await cli('export', '--capture', tmp.file('nope.db'), '--format', 'chunks')).toMatchObject({
      code: 1, err: expect.stringMatching(/nope\.db: no such file/),
    });
    expect((await cli('export', '--capture', file, '--format', 'mp3')).code).toBe(2);
    expect((await cli('export', '--capture', file)).code).toBe(2);
    expect((await cli('export', '--format', 'chunks')).code).toBe(2);
    expect((await cli('export', '--capture', file, '--format', 'chunks', '--session', 'x')).code).toBe(2);
    const unwritable = await cli('export', '--capture', file, '--format', 'chunks', '--out', tmp.file('no/such/dir.jsonl'));
    expect(unwritable).toMatchObject({ code: 1, err: expect.stringMatching(/cannot write/) });
  });
});
