import { describe, expect, it } from 'vitest';
import { decodeChunks } from '../../proxy/decode/decode-chunks.js';
import { ConnectionDecoder, SessionContext } from '../../proxy/decode/connection.js';
import type { Chunk } from '../../proxy/decode/inputs/types.js';
import type { DecodedFrame } from '../../shared/msnp/decoded.js';

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

  it('tells its caller of every frame it flags after emitting it, with the issue already added', () => {
    const emitted: DecodedFrame[] = [];
    const amended: Array<[number | null, string[]]> = [];
    const decoder = new ConnectionDecoder('ns1', new SessionContext(), (f) => emitted.push(f), {
      amended: (f) => amended.push([f.trId, [...f.issues]]),
    });
    const requests = Array.from({ length: 4100 }, (_, i) => `CHG ${i + 1} NLN 0\r\n`).join('');
    decoder.push('c2s', Buffer.from(requests, 'latin1'), 0);
    decoder.push('s2c', Buffer.from('CHG 4100 NLN 0\r\n', 'latin1'), 1);
    // Past 4096 open requests, the oldest four are given up as they are passed…
    expect(amended).toEqual([1, 2, 3, 4].map((n) => [n, [`unanswered: no reply to TrID ${n} within the next 4096 requests`]]));
    decoder.end(2);
    // …and at the end, every request still open, each once.
    expect(amended).toHaveLength(4 + 4095);
    expect(amended.at(-1)).toEqual([4099, ['unanswered: no reply to TrID 4099']]);
    expect(new Set(amended.map(([trId]) => trId)).size).toBe(4099);
    for (const [trId, issues] of amended) expect(emitted.find((f) => f.trId === trId && f.dir === 'c2s')?.issues).toEqual(issues);
  });
});
