// The pcapng export read by Wireshark's own dissector: every MSNP frame shows up as msnms with our
// summary as its packet comment, the TCP streams are well formed, and frames over 65 000 bytes are
// split into several segments. Needs tshark (installed by .ci/run); skipped, loudly, without it.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureStore } from '../../proxy/capture/store.js';
import { pcapngWriter } from '../../proxy/export/pcapng.js';
import { decodeModel, type ExportModel } from '../../proxy/export/model.js';
import { modelFromStore } from '../../proxy/export/from-store.js';
import { readPcapng } from '../../proxy/decode/inputs/pcapng.js';
import { decodeChunks } from '../../proxy/decode/decode-chunks.js';
import { VERSIONS, captureScenario, cli, type TempDir, tempDir } from './helpers.js';

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
// CI installs tshark: there, a missing tshark is a failure, not a reason to skip.
if (!hasTshark && process.env.CI) throw new Error('tshark is not installed (CI must install it: apt-get install tshark)');
if (!hasTshark) console.warn('tshark is not installed: the pcapng dissector checks are skipped (apt-get install tshark)');

/** `tshark -r FILE -Y msnms -T fields -e frame.number -e frame.comment` as [number, comment] rows. */
function tsharkComments(file: string): Array<[number, string]> {
  const out = execFileSync('tshark', ['-r', file, '-Y', 'msnms', '-T', 'fields', '-e', 'frame.number', '-e', 'frame.comment'], {
    encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out.split('\n').filter(Boolean).map((line) => {
    const [n, ...comment] = line.split('\t');
    return [Number(n), comment.join('\t')];
  });
}

let tmp: TempDir;
beforeAll(async () => {
  tmp = tempDir();
  for (const v of VERSIONS) await captureScenario(v, tmp.file(`msnp${v}.db`));
}, 120_000);
afterAll(() => tmp.remove());

function expectedSummaries(file: string): string[] {
  const store = CaptureStore.open(file, { readonly: true });
  try {
    return decodeModel(modelFromStore(store, { sessionId: 1, redact: true })).frames.map((f) => f.summary);
  } finally {
    store.close();
  }
}

describe.skipIf(!hasTshark)('pcapng export through tshark', () => {
  for (const version of VERSIONS) {
    it(`MSNP${version}: every frame is an msnms packet whose comment is the frame's summary`, async () => {
      const out = tmp.file(`msnp${version}.pcapng`);
      expect(await cli('export', '--capture', tmp.file(`msnp${version}.db`), '--session', '1', '--format', 'pcapng', '--out', out)).toMatchObject({ code: 0 });
      const rows = tsharkComments(out);
      expect(rows.map(([, comment]) => comment)).toEqual(expectedSummaries(tmp.file(`msnp${version}.db`)));
      // Handshakes and closes are there too, and tshark finds nothing malformed.
      const all = execFileSync('tshark', ['-r', out, '-T', 'fields', '-e', 'tcp.flags.syn', '-e', 'tcp.flags.fin', '-e', '_ws.malformed'], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] });
      const flags = all.split('\n').filter(Boolean).map((l) => l.split('\t'));
      expect(flags.filter(([syn]) => syn === '1' || syn === 'True')).toHaveLength(8); // SYN and SYN-ACK, 4 connections
      expect(flags.filter(([, fin]) => fin === '1' || fin === 'True')).toHaveLength(8);
      expect(flags.filter(([, , malformed]) => malformed !== undefined && malformed !== '')).toEqual([]);
      const analysis = execFileSync('tshark', ['-r', out, '-Y', 'tcp.analysis.flags && !tcp.analysis.window_update', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] });
      expect(analysis.trim()).toBe('');
    });
  }

  it('splits a frame larger than 65 000 bytes into segments that all carry the comment', () => {
    const body = Buffer.alloc(150_000, 0x61);
    const line = Buffer.from(`MSG 5 D ${body.length}\r\n`);
    const model: ExportModel = {
      source: 'big', sessions: [{ id: 1, client: null, handle: null, startedWall: null, endedWall: null, imported: null }],
      connections: [{ key: 'sb1', id: 1, sessionId: 1, kind: 'sb', version: 8, client: 'not an address', upstream: null, listen: null, referredBy: null, cookie: null, handle: null, openedWall: null, closedWall: null, closeReason: 'client closed' }],
      chunks: [
        { conn: 'sb1', dir: 'c2s', t_ms: 1_700_000_000_000, bytes: Buffer.from('USR 1 a@b.c 123\r\n') },
        { conn: 'sb1', dir: 'c2s', t_ms: 1_700_000_000_100, bytes: Buffer.concat([line, body]) },
      ],
      only: null, redacted: false, redaction: {},
    };
    const file = tmp.file('big.pcapng');
    const bytes = Buffer.concat([...pcapngWriter.write(model, { views: false })].map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
    writeFileSync(file, bytes);
    const rows = tsharkComments(file);
    expect(rows).toHaveLength(4);
    expect(rows[1]![1]).toMatch(/^MSG #5/);
    expect(rows[3]![1]).toMatch(/\(continued, segment 3 of 3\)$/);
    // Our own reader reassembles it to the same frames, on made-up 10.x addresses and port 1863.
    const input = readPcapng(bytes);
    expect(input.connections[0]).toMatchObject({ client: expect.stringMatching(/^10\./), server: expect.stringMatching(/^10\.1\.\d+\.\d+:1863$/) });
    expect(decodeChunks(input.chunks).frames.map((f) => [f.command, f.size])).toEqual([['USR', 17], ['MSG', line.length + body.length]]);
  });
});
