// Real captures recorded on the loopback interface (see test/fixtures/pcap/README.md).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInput } from '../../proxy/decode/inputs/detect.js';
import type { InputResult } from '../../proxy/decode/inputs/types.js';
import { fixturesDir } from './reference.js';

const load = (name: string): InputResult => readInput(readFileSync(path.join(fixturesDir, 'pcap', name)), name);
const micro = load('msnp8-login.pcap');
const nano = load('msnp8-login-nano.pcap');
const ng = load('msnp8-login.pcapng');

const stream = (r: InputResult, conn: string, dir: 'c2s' | 's2c') =>
  Buffer.concat(r.chunks.filter((c) => c.conn === conn && c.dir === dir).map((c) => c.bytes)).toString('latin1');

describe('real loopback captures', () => {
  it('are detected by their magic numbers', () => {
    expect([micro.format, nano.format, ng.format]).toEqual(['pcap', 'pcap', 'pcapng']);
  });

  it.each([
    ['microsecond pcap', micro],
    ['nanosecond pcap', nano],
    ['pcapng', ng],
  ])('%s: two MSNP connections, the unrelated HTTP stream ignored', (_name, r) => {
    expect(r.connections).toHaveLength(2);
    for (const c of r.connections) {
      expect(c.client).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(c.server).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(c.note).toBeUndefined(); // the handshakes were captured
    }
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatch(/^ignored TCP stream .*does not open with an MSNP command/);

    const first = r.chunks[0]!;
    expect([first.conn, first.dir, first.bytes.toString()]).toEqual(['conn1', 'c2s', 'VER 1 MSNP8 CVR0\r\n']);
    expect(stream(r, 'conn1', 's2c')).toMatch(/^VER 1 MSNP8 CVR0\r\nCVR 2 .*\r\nXFR 3 NS 127\.0\.0\.1:\d+ 0 127\.0\.0\.1:\d+\r\n$/);
    expect(stream(r, 'conn2', 'c2s')).toBe(
      'VER 4 MSNP8 CVR0\r\nUSR 5 TWN S t=ticket&p=profile\r\nSYN 6 1\r\nCHG 7 NLN 0\r\nOUT\r\n',
    );
    const server = stream(r, 'conn2', 's2c');
    const profile = /MSG Hotmail Hotmail (\d+)\r\n/.exec(server)!;
    const body = server.slice(profile.index + profile[0].length).split('SYN 6 ')[0]!;
    expect(body.length).toBe(Number(profile[1]));

    // Packet boundaries survive: the MSG command line is split across two chunks.
    const texts = r.chunks.map((c) => c.bytes.toString('latin1'));
    expect(texts).toContain('USR 5 OK alice@example.com Alice 1 0\r\nMSG Hot');
    expect(texts).toContain('SYN 6 27 1 1\r\nGTC A\r\nBLP AL\r\n');
    expect(r.chunks).toHaveLength(20);
    r.chunks.forEach((c, i) => i > 0 && expect(c.t_ms).toBeGreaterThanOrEqual(r.chunks[i - 1]!.t_ms));
  });

  it('agree on content and timing across the three files', () => {
    const bytes = (r: InputResult) => r.chunks.map((c) => `${c.conn} ${c.dir} ${c.bytes.toString('base64')}`);
    expect(bytes(nano)).toEqual(bytes(micro));
    expect(bytes(ng)).toEqual(bytes(micro));
    micro.chunks.forEach((c, i) => {
      expect(c.t_ms).toBeGreaterThan(1.5e12); // milliseconds since the epoch
      expect(Math.abs(nano.chunks[i]!.t_ms - c.t_ms)).toBeLessThan(0.001);
      expect(Math.abs(ng.chunks[i]!.t_ms - c.t_ms)).toBeLessThan(5);
    });
    // The files really are the three container variants.
    const magic = (name: string) => readFileSync(path.join(fixturesDir, 'pcap', name)).readUInt32LE(0);
    expect(magic('msnp8-login.pcap')).toBe(0xa1b2c3d4);
    expect(magic('msnp8-login-nano.pcap')).toBe(0xa1b23c4d);
    expect(magic('msnp8-login.pcapng')).toBe(0x0a0d0d0a);
  });
});
