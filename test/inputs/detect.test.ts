import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writeChunksJsonl } from '../../proxy/decode/inputs/chunks-jsonl.js';
import { detectFormat, readInput } from '../../proxy/decode/inputs/detect.js';
import { readPcap } from '../../proxy/decode/inputs/pcap.js';
import { readPcapng } from '../../proxy/decode/inputs/pcapng.js';
import { PcapngBuilder, writePcap } from '../helpers/pcap-writer.js';
import { fixturesDir } from './reference.js';

describe('format detection', () => {
  it('recognises each format by content', () => {
    const pcapLe = writePcap([], { linkType: 1 });
    expect(detectFormat(pcapLe)).toBe('pcap');
    expect(detectFormat(writePcap([], { linkType: 1, bigEndian: true }))).toBe('pcap');
    expect(detectFormat(writePcap([], { linkType: 1, nano: true }))).toBe('pcap');
    expect(detectFormat(writePcap([], { linkType: 1, nano: true, bigEndian: true }))).toBe('pcap');
    expect(detectFormat(new PcapngBuilder().section().build())).toBe('pcapng');
    expect(detectFormat(new PcapngBuilder(true).section().build())).toBe('pcapng');
    const jsonl = writeChunksJsonl([{ conn: 'c', dir: 'c2s', t_ms: 0, bytes: Buffer.from('OUT\r\n') }]);
    expect(detectFormat(Buffer.from('\n' + jsonl))).toBe('chunks');
    expect(detectFormat(Buffer.from('Some page\n\n>>> VER 1 MSNP8\\r\\n\n<<< VER 1 MSNP8\\r\\n\n'))).toBe('nina');
    expect(detectFormat(Buffer.from('# narration\nC: VER 1 MSNP8\nS: VER 1 MSNP8\n'))).toBe('transcript');
    expect(detectFormat(Buffer.from('\uFEFFC: VER 1 MSNP8\r\n'))).toBe('transcript');
    expect(detectFormat(Buffer.alloc(0), 'empty.jsonl')).toBe('chunks');
    expect(detectFormat(Buffer.from('hello world'))).toBeNull();
  });

  it('dispatches to the right reader', () => {
    expect(readInput(Buffer.from('C: VER 1 MSNP8\nS: VER 1 MSNP8\n')).chunks).toHaveLength(2);
    expect(readInput(Buffer.from('>>> OUT\\r\\n\n')).format).toBe('nina');
  });

  it('turns garbage into an issue, not an exception', () => {
    const r = readInput(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 1, 2]), 'mystery.pcap');
    expect(r).toMatchObject({ format: 'pcap', chunks: [], connections: [] });
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatch(/^mystery\.pcap: unrecognised format/);
    expect(readInput(Buffer.alloc(0)).issues).toHaveLength(1);
  });

  it('never throws on random bytes, or random bytes behind a real magic number', () => {
    const magics = [
      Buffer.alloc(0),
      Buffer.from([0xd4, 0xc3, 0xb2, 0xa1]),
      Buffer.from([0xa1, 0xb2, 0x3c, 0x4d]),
      Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]),
      Buffer.from('{"dir":"c2s","conn":"a","b64":""}\n'),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...magics), fc.uint8Array({ maxLength: 400 }), (magic, rest) => {
        const r = readInput(Buffer.concat([magic, Buffer.from(rest)]));
        expect(Array.isArray(r.chunks)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  // The capture readers themselves must cope, not just readInput's safety net.
  it('capture readers never throw on any prefix or corruption of the real captures', () => {
    const dir = path.join(fixturesDir, 'pcap');
    for (const name of readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f))) {
      const whole = readFileSync(path.join(dir, name));
      const read = name.endsWith('.pcapng') ? readPcapng : readPcap;
      for (let len = 0; len < whole.length; len += 7) {
        expect(() => read(whole.subarray(0, len))).not.toThrow();
      }
      fc.assert(
        fc.property(fc.nat(whole.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
          const copy = Buffer.from(whole);
          copy[at] = value;
          expect(() => read(copy)).not.toThrow();
        }),
        { numRuns: 1000 },
      );
    }
  });
});
