// Every example session of the reference material, decoded as captured, fed byte by byte, and with
// each read split at every offset: the decoded frames must be identical every time, every byte must
// come out in exactly one frame, and the only problems reported are the quirks the sources are known for.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DecodedFrame } from '../../shared/msnp/decoded.js';
import { decodeChunks } from '../../proxy/decode/decode-chunks.js';
import { readInput } from '../../proxy/decode/inputs/detect.js';
import type { Chunk } from '../../proxy/decode/inputs/types.js';
import { REFERENCE } from '../helpers/reference.js';

const sessionsDir = join(REFERENCE, 'sessions');
const seedsDir = join(REFERENCE, 'seeds');
const files = existsSync(REFERENCE)
  ? [
    ...readdirSync(sessionsDir).filter((f) => f.endsWith('.txt')).map((f) => join(sessionsDir, f)),
    ...readdirSync(seedsDir).filter((f) => /^\d{3}_/.test(f)).map((f) => join(seedsDir, f)),
  ]
  : [];

/** Everything about the frames except capture time, which legitimately follows the read that completed a frame. */
function fingerprint(frames: DecodedFrame[]): string {
  return JSON.stringify(frames.map(({ t_ms: _t, reply, replyTo, ...rest }) => ({
    ...rest, reply: reply?.index, replyTo: replyTo?.index,
  })));
}

const decode = (chunks: Chunk[]) => decodeChunks(chunks).frames;
const split = (chunk: Chunk, at: number): Chunk[] => [
  { ...chunk, bytes: chunk.bytes.subarray(0, at) },
  { ...chunk, bytes: chunk.bytes.subarray(at) },
];

/** Issues the sources are known for (sessions/README.md): anything else is a decoder bug. */
const KNOWN = /^(garbage|truncated|syntax: empty parameter|unanswered|layout: parameters of (LST|ADL|UUX) )/;

describe.skipIf(files.length === 0)('reference sessions', () => {
  it('finds the reference material beside the repository', () => {
    expect(files.length).toBeGreaterThanOrEqual(19);
  });

  for (const file of files) {
    const name = file.slice(REFERENCE.length + 1);
    describe(name, () => {
      const input = readInput(readFileSync(file), file);
      const chunks = input.chunks;
      const whole = decode(chunks);
      const expected = fingerprint(whole);

      it('decodes to frames that conserve every byte', () => {
        expect(chunks.length).toBeGreaterThan(0);
        expect(whole.length).toBeGreaterThan(0);
        for (const conn of new Set(chunks.map((c) => c.conn))) {
          for (const dir of ['c2s', 's2c'] as const) {
            const sent = chunks.filter((c) => c.conn === conn && c.dir === dir).reduce((n, c) => n + c.bytes.length, 0);
            const frames = whole.filter((f) => f.conn === conn && f.dir === dir);
            let offset = 0;
            for (const f of frames) {
              expect(f.offset).toBe(offset);
              offset += f.size;
            }
            expect(offset).toBe(sent);
          }
        }
      });

      it('negotiates the version and names the commands', () => {
        const versioned = whole.filter((f) => f.version !== null);
        if (!name.includes('cvr0') && !name.startsWith('seeds/003')) expect(versioned.length).toBeGreaterThan(whole.length / 2);
        // Parameters left unnamed are those of lines the source mangled (placeholders with spaces, lost text).
        const fields = whole.filter((f) => f.kind === 'command').flatMap((f) => f.fields);
        expect(fields.filter((field) => field.unknown).length).toBeLessThan(fields.length * 0.1);
      });

      it('reports only the known quirks of the source', () => {
        const unexpected = whole.flatMap((f) => f.issues.filter((i) => !KNOWN.test(i)).map((i) => `${f.conn}#${f.index} ${f.command}: ${i}`));
        expect(unexpected).toEqual([]);
      });

      it('gives identical frames byte by byte', () => {
        const bytewise = chunks.flatMap((c) => Array.from({ length: c.bytes.length }, (_, i) => ({ ...c, bytes: c.bytes.subarray(i, i + 1) })));
        expect(fingerprint(decode(bytewise))).toBe(expected);
      });

      it('gives identical frames with a read split at every offset', () => {
        // A split only touches its own connection: decode that one (after every read of the others that
        // came before it, which may hand it a switchboard cookie) and compare its frames.
        const own = (conn: string, frames: DecodedFrame[]) => fingerprint(frames.filter((f) => f.conn === conn));
        let variants = 0;
        chunks.forEach((chunk, i) => {
          const first = chunks.findIndex((c) => c.conn === chunk.conn);
          const context = chunks.filter((c, j) => c.conn === chunk.conn || j < first);
          const at0 = context.indexOf(chunk);
          const want = own(chunk.conn, whole);
          for (let at = 1; at < chunk.bytes.length; at++) {
            const cut = [...context.slice(0, at0), ...split(chunk, at), ...context.slice(at0 + 1)];
            if (own(chunk.conn, decode(cut)) !== want) expect.fail(`read ${i} split at ${at} decodes differently`);
            variants++;
          }
        });
        expect(variants).toBe(chunks.reduce((n, c) => n + Math.max(0, c.bytes.length - 1), 0));
      });

      it('gives the same frames when each run of reads in one direction arrives as one read', () => {
        const merged: Chunk[] = [];
        for (const c of chunks) {
          const last = merged.at(-1);
          if (last && last.conn === c.conn && last.dir === c.dir) merged[merged.length - 1] = { ...last, bytes: Buffer.concat([last.bytes, c.bytes]) };
          else merged.push({ ...c });
        }
        const frames = decode(merged);
        // Latencies change with the merged reads' times; everything else must not.
        expect(fingerprint(frames)).toBe(expected);
      });
    });
  }
});
