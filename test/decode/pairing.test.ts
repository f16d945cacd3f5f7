import { describe, expect, it } from 'vitest';
import { decodeChunks } from '../../proxy/decode/decode-chunks.js';
import type { Chunk } from '../../proxy/decode/inputs/types.js';

const chunk = (dir: 'c2s' | 's2c', text: string, t: number): Chunk => ({ conn: 'ns1', dir, t_ms: t, bytes: Buffer.from(text, 'latin1') });

describe('TrID pairing', () => {
  it('links every reply of a batch to its request, with latency', () => {
    const { frames } = decodeChunks([
      chunk('c2s', 'VER 1 MSNP2\r\n', 0), chunk('s2c', 'VER 1 MSNP2\r\n', 5),
      chunk('c2s', 'SYN 2 0\r\n', 10),
      chunk('s2c', 'SYN 2 7\r\nLST 2 FL 7 1 2 a@example.com A\r\nLST 2 FL 7 2 2 b@example.com B\r\n', 35),
    ]);
    const [syn, reply, lst1, lst2] = frames.slice(2);
    expect(syn?.reply).toEqual({ index: 3, latencyMs: 25 });
    for (const f of [reply, lst1, lst2]) expect(f?.replyTo).toEqual({ index: 2, latencyMs: 25 });
    expect(frames.flatMap((f) => f.issues)).toEqual([]);
  });

  it('flags requests left unanswered, but not messages that expect no reply', () => {
    const { frames } = decodeChunks([
      chunk('c2s', 'USR 1 alice@example.com 123.456\r\n', 0), chunk('s2c', 'USR 1 OK alice@example.com Alice\r\n', 1),
      chunk('c2s', 'CAL 2 bob@example.com\r\nMSG 3 U 2\r\nhiMSG 4 N 2\r\nhiOUT\r\n', 2),
    ]);
    expect(frames.map((f) => [f.command, f.issues])).toEqual([
      ['USR', []], ['USR', []], ['CAL', ['unanswered: no reply to TrID 2']], ['MSG', []], ['MSG', []], ['OUT', []],
    ]);
  });

  it('keeps at most 4096 open requests per connection, giving up the oldest', () => {
    const requests = Array.from({ length: 5000 }, (_, i) => `CHG ${i + 1} NLN 0\r\n`).join('');
    const { frames } = decodeChunks([chunk('c2s', requests, 0), chunk('s2c', 'CHG 5000 NLN 0\r\n', 9)]);
    const given = frames.filter((f) => f.issues.some((i) => i.includes('within the next 4096 requests')));
    expect(given.map((f) => f.trId)).toEqual(Array.from({ length: 904 }, (_, i) => i + 1));
    expect(frames.find((f) => f.trId === 5000 && f.dir === 'c2s')?.reply?.index).toBe(5000);
    expect(frames.filter((f) => f.issues.some((i) => i === `unanswered: no reply to TrID ${f.trId}`))).toHaveLength(4095);
  });
});
