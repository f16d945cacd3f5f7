import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInput } from '../../proxy/decode/inputs/detect.js';
import { announcesPayload, readTranscript } from '../../proxy/decode/inputs/transcript.js';
import type { Chunk } from '../../proxy/decode/inputs/types.js';
import { hasReference, referenceDir } from './reference.js';

const sessionsDir = path.join(referenceDir, 'sessions');
const sessionFiles = hasReference ? readdirSync(sessionsDir).filter((f) => f.endsWith('.txt')).sort() : [];
const session = (name: string) => readTranscript(readFileSync(path.join(sessionsDir, name)));

const text = (c: Chunk) => c.bytes.toString('utf8');
const firstLine = (c: Chunk) => text(c).split('\r\n')[0]!;
/** Payload size shown after the command line, next to the length the command declares. */
function payloadSizes(chunks: Chunk[], command: string): [number, number][] {
  return chunks
    .filter((c) => firstLine(c).startsWith(command + ' ') && announcesPayload(firstLine(c)))
    .map((c) => {
      const line = firstLine(c);
      return [Number(line.split(' ').at(-1)), c.bytes.length - Buffer.byteLength(line) - 2];
    });
}

describe.skipIf(!hasReference)('msnp-wiki example sessions', () => {
  it('finds every session file', () => {
    expect(sessionFiles).toContain('cvr0.txt');
    expect(sessionFiles.length).toBeGreaterThanOrEqual(14);
  });

  it.each(sessionFiles)('%s reads as a transcript with both directions, starting with VER', (name) => {
    const r = readInput(readFileSync(path.join(sessionsDir, name)), name);
    expect(r.format).toBe('transcript');
    expect(r.issues).toEqual([]);
    const c2s = r.chunks.filter((c) => c.dir === 'c2s');
    const s2c = r.chunks.filter((c) => c.dir === 's2c');
    expect(c2s.length).toBeGreaterThan(0);
    expect(s2c.length).toBeGreaterThan(0);
    expect(firstLine(c2s[0]!)).toMatch(/^VER 1 /);
    expect(firstLine(s2c[0]!)).toMatch(/^VER 1 /);
    // Every connection opens with the client's VER, and every chunk is CRLF-terminated text.
    for (const conn of r.connections) {
      const first = r.chunks.find((c) => c.conn === conn.conn)!;
      expect(first.dir).toBe('c2s');
      expect(firstLine(first)).toMatch(/^VER \d+ /);
    }
    for (const c of r.chunks) expect(text(c)).toMatch(/^\S[^\r\n]*\r\n/);
    // Synthetic timestamps only ever increase.
    r.chunks.forEach((c, i) => i > 0 && expect(c.t_ms).toBeGreaterThan(r.chunks[i - 1]!.t_ms));
  });

  it('splits connections at narration and at a client VER after disconnecting', () => {
    const cvr0 = session('cvr0.txt');
    expect(cvr0.connections.map((c) => c.conn)).toEqual(['conn1', 'conn2']);
    expect(cvr0.chunks.filter((c) => c.conn === 'conn2').map(firstLine)[0]).toBe('VER 1 MSNP10 MSNP9 CVR0');

    const msnp10 = session('msnp10.txt');
    expect(msnp10.connections).toEqual([
      { conn: 'conn1' },
      { conn: 'conn2', note: 'Client opens a connection to 10.0.0.5:1863.', server: '10.0.0.5:1863' },
      { conn: 'conn3', note: 'Client opens a connection to 10.0.0.5:1863 (from stored server).', server: '10.0.0.5:1863' },
    ]);
    const conn2 = msnp10.chunks.filter((c) => c.conn === 'conn2').map(firstLine);
    expect(conn2[0]).toBe('VER 4 MSNP10 MSNP9 CVR0');
    expect(conn2.at(-1)).toBe('OUT MIG');
  });

  it('joins wrapped lines with a space, but not before %20', () => {
    const cvq = session('cvr0.txt').chunks.find((c) => firstLine(c).startsWith('CVQ 2 5.0'))!;
    expect(text(cvq)).toBe(
      'CVQ 2 5.0.0537 5.0.0537 1.0.0863 http://download.microsoft.com/download/msnmessenger/install/5.0/w98nt42kmexp/en-us/setupdl.exe http://messenger.microsoft.com\r\n',
    );
    const iln = session('msnp9.txt').chunks.find((c) => firstLine(c).startsWith('ILN '))!;
    expect(text(iln)).toContain('Creator%3D%22anotherdude%40hotmail.com%22%20Size%3D%2225235%22%20Type%3D%223%22%20Location');
    expect(text(iln).match(/\r\n/g)).toHaveLength(1);
  });

  it('keeps payloads verbatim, so the source length quirks stay visible', () => {
    // Profiles (ending in an empty line) match their declared length...
    for (const name of ['msnp2.txt', 'msnp5.txt', 'msnp9.txt', 'msnp10.txt', 'msnp14.txt']) {
      for (const [declared, shown] of payloadSizes(session(name).chunks, 'MSG')) expect(shown).toBe(declared);
    }
    // ...and so do NOT, GCF, UUX/UBX (msnp11/12) and QRY, whose last line has no line ending.
    expect(payloadSizes(session('msnp9.txt').chunks, 'NOT')).toEqual([[458, 458]]);
    expect(payloadSizes(session('msnp11.txt').chunks, 'GCF')).toEqual([[145, 145]]);
    expect(payloadSizes(session('msnp11.txt').chunks, 'UUX')).toEqual([[53, 53], [0, 0]]); // the server's reply has an empty payload
    for (const name of ['msnp11.txt', 'msnp12.txt']) {
      const sizes = ['UUX', 'UBX', 'GCF'].flatMap((cmd) => payloadSizes(session(name).chunks, cmd));
      expect(sizes.length).toBeGreaterThanOrEqual(3);
      for (const [declared, shown] of sizes) expect(shown).toBe(declared);
    }
    const qry = session('msnp6.txt').chunks.find((c) => firstLine(c).startsWith('QRY 10 '))!;
    expect(text(qry)).toBe('QRY 10 msmsgs@msnmsgr.com 32\r\n3b6666b60157322b6fc6e41a115968f5');
    // The known source errors are not corrected.
    expect(payloadSizes(session('msnp13.txt').chunks, 'MSG')).toEqual([[481, 482]]);
    expect(payloadSizes(session('msnp6.txt').chunks, 'IPG')[0]![1]).not.toBe(478);
    expect(payloadSizes(session('msnp13.txt').chunks, 'ADL')[0]![1]).toBeGreaterThan(110);
    // The profile ends with its blank line: CRLF CRLF.
    const profile = session('msnp9.txt').chunks.find((c) => firstLine(c).startsWith('MSG Hotmail'))!;
    expect(text(profile).endsWith('ClientPort: 18183\r\n\r\n')).toBe(true);
  });
});

describe('transcript reader on inline text', () => {
  it('starts a new connection when the client sends VER again on a negotiated connection', () => {
    const r = readTranscript('C: VER 1 MSNP8 CVR0\nS: VER 1 MSNP8\nC: OUT\nC: VER 1 MSNP8 CVR0\nS: VER 1 MSNP8\n');
    expect(r.connections.map((c) => c.conn)).toEqual(['conn1', 'conn2']);
    expect(r.chunks.map((c) => `${c.conn} ${c.dir} ${text(c)}`)).toEqual([
      'conn1 c2s VER 1 MSNP8 CVR0\r\n',
      'conn1 s2c VER 1 MSNP8\r\n',
      'conn1 c2s OUT\r\n',
      'conn2 c2s VER 1 MSNP8 CVR0\r\n',
      'conn2 s2c VER 1 MSNP8\r\n',
    ]);
    expect(r.chunks.map((c) => c.t_ms)).toEqual([1, 2, 3, 4, 5]);
  });

  it('reports stray text after commands that carry no payload', () => {
    const r = readTranscript('C: VER 1 MSNP8\nthis is not protocol\n.. dangling?\nS: VER 1 MSNP8\n');
    expect(r.chunks.map(text)).toEqual(['VER 1 MSNP8 dangling?\r\n', 'VER 1 MSNP8\r\n']);
    expect(r.issues).toEqual(['line 2: text outside any command or payload, ignored']);
    expect(readTranscript('.. orphan\nC: OUT\n').issues[0]).toMatch(/^line 1: continuation/);
  });

  it('reports a run of prose once and ignores table-border and heading lines', () => {
    const r = readTranscript('Some page title\n|\nprose one\n\nprose two\n== Example ==\nC: VER 1 MSNP8\n|\nS: VER 1 MSNP8\n');
    expect(r.chunks).toHaveLength(2);
    expect(r.issues).toEqual(['lines 1-5: 3 lines of text outside any command or payload, ignored']);
  });

  it('takes body lines only after commands that announce a payload', () => {
    const r = readTranscript('C: MSG 2 N 5\nhello\nS: 601 3 12\nerror\nbody\nC: CHG 3 NLN 0\n\n');
    expect(r.chunks.map(text)).toEqual(['MSG 2 N 5\r\nhello', '601 3 12\r\nerror\r\nbody', 'CHG 3 NLN 0\r\n']);
    expect(r.issues).toEqual([]);
  });

  it('recognises payload-carrying command lines', () => {
    expect(announcesPayload('MSG Hotmail Hotmail 448')).toBe(true);
    expect(announcesPayload('NOT 458')).toBe(true);
    expect(announcesPayload('UUX 11 53')).toBe(true);
    expect(announcesPayload('241 9 86')).toBe(true);
    expect(announcesPayload('QRY 10')).toBe(false); // the server's acknowledgement
    expect(announcesPayload('ADL 8 OK')).toBe(false);
    expect(announcesPayload('SYN 8 15')).toBe(false);
    expect(announcesPayload('911 4')).toBe(false);
  });
});
