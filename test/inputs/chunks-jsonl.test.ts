import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readChunksJsonl, writeChunksJsonl } from '../../proxy/decode/inputs/chunks-jsonl.js';
import { readInput } from '../../proxy/decode/inputs/detect.js';
import type { Chunk } from '../../proxy/decode/inputs/types.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('chunk JSONL reader', () => {
  it('reads records in order and lists connections by first appearance', () => {
    const text = [
      JSON.stringify({ dir: 'c2s', conn: 'ns', t_ms: 1, b64: b64('VER 1 MSNP8 CVR0\r\n') }),
      '',
      JSON.stringify({ dir: 's2c', conn: 'ns', t_ms: 2.5, b64: b64('VER 1 MSNP8\r\n') }),
      JSON.stringify({ dir: 'c2s', conn: 'sb', t_ms: 3, b64: '' }),
    ].join('\n');
    const r = readChunksJsonl(text);
    expect(r.format).toBe('chunks');
    expect(r.issues).toEqual([]);
    expect(r.connections).toEqual([{ conn: 'ns' }, { conn: 'sb' }]);
    expect(r.chunks.map((c) => [c.conn, c.dir, c.t_ms, c.bytes.toString()])).toEqual([
      ['ns', 'c2s', 1, 'VER 1 MSNP8 CVR0\r\n'],
      ['ns', 's2c', 2.5, 'VER 1 MSNP8\r\n'],
      ['sb', 'c2s', 3, ''],
    ]);
  });

  it('skips bad lines and reports them with line numbers', () => {
    const good = JSON.stringify({ dir: 'c2s', conn: 'a', t_ms: 0, b64: b64('OUT\r\n') });
    const text = [
      good,
      '{not json',
      JSON.stringify({ dir: 'up', conn: 'a', t_ms: 0, b64: '' }),
      JSON.stringify({ dir: 'c2s', conn: '', t_ms: 0, b64: '' }),
      JSON.stringify({ dir: 'c2s', conn: 'a', t_ms: 'soon', b64: '' }),
      JSON.stringify({ dir: 'c2s', conn: 'a', t_ms: 0, b64: 'not base64!' }),
      '[1,2]',
      good,
    ].join('\r\n');
    const r = readChunksJsonl(Buffer.from(text));
    expect(r.chunks).toHaveLength(2);
    expect(r.issues).toHaveLength(6);
    expect(r.issues.map((i) => i.split(':')[0])).toEqual(['line 2', 'line 3', 'line 4', 'line 5', 'line 6', 'line 7']);
  });

  it('round-trips through writeChunksJsonl exactly', () => {
    const chunk = fc.record({
      conn: fc.string({ minLength: 1, maxLength: 8 }),
      dir: fc.constantFrom('c2s' as const, 's2c' as const),
      t_ms: fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 4e12 }),
      bytes: fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)),
    });
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 20 }), (chunks: Chunk[]) => {
        const text = writeChunksJsonl(chunks);
        const back = readInput(Buffer.from(text), 'x.jsonl');
        expect(back.issues).toEqual([]);
        expect(back.chunks).toHaveLength(chunks.length);
        back.chunks.forEach((c, i) => {
          const want = chunks[i]!;
          expect(c.conn).toBe(want.conn);
          expect(c.dir).toBe(want.dir);
          expect(Object.is(c.t_ms, want.t_ms) || c.t_ms === want.t_ms).toBe(true);
          expect(c.bytes.equals(want.bytes)).toBe(true);
        });
        expect(writeChunksJsonl(back.chunks)).toBe(text);
      }),
    );
  });
});
