// Property tests of the whole decoder (framing, naming, pairing, payload views) on random streams and
// on mutated real sessions: it never throws, every byte comes out in exactly one frame, and framing
// resynchronises so that a command line after the damage is decoded as a command again.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DecodedFrame } from '../../shared/msnp/decoded.js';
import { decodeChunks } from '../../proxy/decode/decode-chunks.js';
import { readInput } from '../../proxy/decode/inputs/detect.js';
import type { Chunk } from '../../proxy/decode/inputs/types.js';
import { REFERENCE } from '../helpers/reference.js';

const SENTINEL = Buffer.from('\r\nOUT\r\n', 'latin1');

function decode(chunks: Chunk[]): DecodedFrame[] {
  return decodeChunks(chunks, { views: true, limits: { maxLine: 4096, maxPayload: 64 * 1024 } }).frames;
}

/** Every byte of every connection and direction comes out in exactly one frame, in order. */
function expectConserved(chunks: Chunk[], frames: DecodedFrame[]): void {
  const sent = new Map<string, number>();
  for (const c of chunks) sent.set(`${c.conn} ${c.dir}`, (sent.get(`${c.conn} ${c.dir}`) ?? 0) + c.bytes.length);
  const framed = new Map<string, number>();
  for (const f of frames) {
    const key = `${f.conn} ${f.dir}`;
    expect(f.offset).toBe(framed.get(key) ?? 0);
    framed.set(key, (framed.get(key) ?? 0) + f.size);
  }
  for (const [key, n] of sent) expect(framed.get(key) ?? 0, key).toBe(n);
}

/**
 * After damage, the closing `OUT` line (at stream offset `at`) is framed as a command again, unless it
 * fell inside the payload of a frame whose (damaged) length announced more bytes.
 */
function expectResynchronised(frames: DecodedFrame[], conn: string, dir: string, at: number): void {
  const mine = frames.filter((f) => f.conn === conn && f.dir === dir);
  const holder = mine.find((f) => f.offset <= at && at < f.offset + f.size);
  if (!holder) throw new Error(`no frame holds offset ${at}`);
  if (holder.payloadLength !== null && holder.offset < at) return; // swallowed by a payload
  expect(holder.offset, JSON.stringify(holder)).toBe(at);
  expect(holder.command).toBe('OUT');
}

/** Offset of the sentinel's OUT line in a connection direction's stream. */
function sentinelAt(chunks: Chunk[], conn: string, dir: string): number {
  return chunks.filter((c) => c.conn === conn && c.dir === dir).reduce((n, c) => n + c.bytes.length, 0) - 5;
}

const sessions = existsSync(REFERENCE)
  ? readdirSync(join(REFERENCE, 'sessions')).filter((f) => f.endsWith('.txt')).map((f) => readInput(readFileSync(join(REFERENCE, 'sessions', f))).chunks)
  : [];

type Mutation = { at: number; kind: 'flip' | 'insert' | 'delete' | 'duplicate'; bytes: Uint8Array; length: number };

function mutate(bytes: Buffer, m: Mutation): Buffer {
  const at = bytes.length === 0 ? 0 : m.at % bytes.length;
  switch (m.kind) {
    case 'flip': {
      const out = Buffer.from(bytes);
      for (let i = 0; i < m.bytes.length && at + i < out.length; i++) out[at + i] = (out[at + i] as number) ^ (m.bytes[i] as number);
      return out;
    }
    case 'insert': return Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
    case 'delete': return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
    case 'duplicate': return Buffer.concat([bytes.subarray(0, at + m.length), bytes.subarray(at)]);
  }
}

const mutation = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('flip', 'insert', 'delete', 'duplicate') as fc.Arbitrary<Mutation['kind']>,
  bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
  length: fc.integer({ min: 1, max: 60 }),
});

describe('decoder properties', () => {
  it('random byte streams in both directions never throw and conserve every byte', () => {
    const stream = fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
      fc.array(fc.constantFrom('VER 1 MSNP13\r\n', 'MSG 1 A ', 'UBX a@b 1 ', 'GCF 0 ', '201 5 ', '10', '\r\n', 'QRY 3 PROD 32\r\n', '<ml>', 'x', ' ', '\x00', 'CHL 0 123\r\n', 'XFR 1 SB 1.2.3.4:5 CKI c\r\n', 'USR 1 a@b c\r\n'), { maxLength: 60 })
        .map((t) => Buffer.from(t.join(''), 'latin1')),
    );
    fc.assert(fc.property(stream, stream, fc.integer({ min: 1, max: 40 }), (c2s, s2c, cut) => {
      const chunks: Chunk[] = [];
      for (let i = 0; i < Math.max(c2s.length, s2c.length); i += cut) {
        if (i < c2s.length) chunks.push({ conn: 'a', dir: 'c2s', t_ms: i, bytes: c2s.subarray(i, i + cut) });
        if (i < s2c.length) chunks.push({ conn: 'a', dir: 's2c', t_ms: i, bytes: s2c.subarray(i, i + cut) });
      }
      chunks.push({ conn: 'a', dir: 'c2s', t_ms: 1e9, bytes: SENTINEL }, { conn: 'a', dir: 's2c', t_ms: 1e9, bytes: SENTINEL });
      const frames = decode(chunks);
      expectConserved(chunks, frames);
      expectResynchronised(frames, 'a', 'c2s', sentinelAt(chunks, 'a', 'c2s'));
      expectResynchronised(frames, 'a', 's2c', sentinelAt(chunks, 'a', 's2c'));
    }), { numRuns: 400 });
  });

  it.skipIf(sessions.length === 0)('mutated reference sessions never throw, conserve bytes and resynchronise', () => {
    fc.assert(fc.property(fc.nat(sessions.length - 1), fc.nat(), mutation, (which, chunkPick, m) => {
      const original = sessions[which] as Chunk[];
      const target = chunkPick % original.length;
      const chunks = original.map((c, i) => (i === target ? { ...c, bytes: mutate(c.bytes, m) } : c));
      // Close every stream with a known command line, to see framing come back.
      const ends = [...new Set(chunks.map((c) => `${c.conn}\n${c.dir}`))].map((key) => {
        const [conn, dir] = key.split('\n') as [string, 'c2s' | 's2c'];
        return { conn, dir, t_ms: 1e12, bytes: SENTINEL };
      });
      const all = [...chunks, ...ends];
      const frames = decode(all);
      expectConserved(all, frames);
      for (const e of ends) expectResynchronised(frames, e.conn, e.dir, sentinelAt(all, e.conn, e.dir));
    }), { numRuns: 400 });
  });
});
