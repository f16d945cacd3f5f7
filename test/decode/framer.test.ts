import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { announcesPayload } from '../../shared/msnp/framing.js';
import { type Frame, Framer, type FramerLimits } from '../../proxy/decode/framer.js';
import { byteByByte, everySplit, seededChunks } from '../helpers/chunks.js';

/** Frames `chunks` as one direction of an MSNP12 connection and returns plain copies of the frames. */
function frame(chunks: Buffer[], dir: 'c2s' | 's2c' = 's2c', limits: Partial<FramerLimits> = {}, version = 12) {
  const frames: Frame[] = [];
  const framer = new Framer((cmd, n) => announcesPayload(cmd, n, dir, version), (f) => frames.push(f), limits);
  for (const chunk of chunks) framer.push(chunk);
  framer.end();
  return frames.map((f) => ({
    kind: f.kind, offset: f.offset, line: f.line, payloadLength: f.payloadLength, issues: [...f.issues],
    bytes: Buffer.from(f.bytes), payload: f.payload && Buffer.from(f.payload),
  }));
}

const simple = (frames: ReturnType<typeof frame>) =>
  frames.map((f) => ({ kind: f.kind, text: f.bytes.toString('latin1'), issues: f.issues.map((i) => i.split(':')[0]) }));

function expectConserved(input: Buffer, frames: ReturnType<typeof frame>) {
  expect(Buffer.concat(frames.map((f) => f.bytes)).equals(input)).toBe(true);
  let offset = 0;
  for (const f of frames) {
    expect(f.offset).toBe(offset);
    offset += f.bytes.length;
  }
}

const S = (text: string) => Buffer.from(text, 'latin1');

describe('framer', () => {
  it('frames command lines and payload commands', () => {
    const input = S('VER 1 MSNP12\r\nMSG Hotmail Hotmail 5\r\nhelloCHG 9 NLN 0\r\nILN 9 NLN bob Bob 24\r\nSYN 8 27 5 4\r\n');
    const frames = frame([input]);
    expect(simple(frames)).toEqual([
      { kind: 'command', text: 'VER 1 MSNP12\r\n', issues: [] },
      { kind: 'command', text: 'MSG Hotmail Hotmail 5\r\nhello', issues: [] },
      { kind: 'command', text: 'CHG 9 NLN 0\r\n', issues: [] },
      { kind: 'command', text: 'ILN 9 NLN bob Bob 24\r\n', issues: [] },
      { kind: 'command', text: 'SYN 8 27 5 4\r\n', issues: [] },
    ]);
    expect(frames[1]?.payloadLength).toBe(5);
    expect(frames[1]?.payload?.toString()).toBe('hello');
    expect(frames[0]?.line).toBe('VER 1 MSNP12');
  });

  it('QRY carries a payload from the client but not from the server', () => {
    const c2s = frame([S('QRY 10 PROD0090YUAUV{2B 32\r\n85ecb0db8f32113df79ce0892b9a102cPNG\r\n')], 'c2s');
    expect(c2s.map((f) => f.payload?.length ?? null)).toEqual([32, null]);
    const s2c = frame([S('QRY 10\r\nCHL 0 1234\r\n')], 's2c');
    expect(s2c.map((f) => f.line)).toEqual(['QRY 10', 'CHL 0 1234']);
  });

  it('counts payload lengths in bytes, not characters', () => {
    const body = Buffer.from('MIME-Version: 1.0\r\n\r\nhé ☃', 'utf8');
    const input = Buffer.concat([S(`MSG 4 N ${body.length}\r\n`), body, S('OUT\r\n')]);
    const frames = frame([input], 'c2s');
    expect(frames.map((f) => f.payload?.toString('utf8') ?? f.line)).toEqual([body.toString('utf8'), 'OUT']);
  });

  it('error replies carry a payload only from MSNP13 and only in the 3-token form', () => {
    const input = S('241 12 5\r\n<ml/>201 13\r\n');
    expect(frame([input], 's2c', {}, 13).map((f) => f.payloadLength)).toEqual([5, null]);
    // At MSNP12 the same bytes are a 3-token error without payload; the body becomes unframed bytes.
    expect(simple(frame([input], 's2c', {}, 12)).map((f) => f.kind)).toEqual(['command', 'raw']);
  });

  const session = S([
    'VER 1 MSNP12 MSNP11 CVR0\r\n',
    'MSG Hotmail Hotmail 27\r\nMIME-Version: 1.0\r\n\r\nHi\r\n\r\n',
    'CHG 9 NLN 1342177280\r\n',
    'UBX bob@x.com 21\r\n<Data><PSM/></Data>\r\n',
    'NOT 0\r\n',
    'QNG 50\r\n',
  ].join(''));

  it('gives identical frames for every split offset, byte by byte and random reads', () => {
    const whole = frame([session]);
    expectConserved(session, whole);
    expect(whole.every((f) => f.kind === 'command' && f.issues.length === 0)).toBe(true);
    for (const split of everySplit(session)) expect(frame(split)).toEqual(whole);
    expect(frame(byteByByte(session))).toEqual(whole);
    for (let seed = 1; seed <= 50; seed++) expect(frame(seededChunks(session, seed, 17))).toEqual(whole);
  });

  it('handles a split between CR and LF', () => {
    const input = S('PNG\r\nOUT\r\n');
    expect(simple(frame([input.subarray(0, 4), input.subarray(4)]))).toEqual(simple(frame([input])));
  });

  it('turns a line that is not a command into a raw frame and resynchronises', () => {
    const input = S('VER 1 MSNP8\r\nhello world\r\n\x00\x01\x02\xff\r\nCHG 2 NLN 0\r\n');
    const frames = frame([input]);
    expectConserved(input, frames);
    expect(simple(frames)).toEqual([
      { kind: 'command', text: 'VER 1 MSNP8\r\n', issues: [] },
      { kind: 'raw', text: 'hello world\r\n', issues: ['garbage'] },
      { kind: 'raw', text: '\x00\x01\x02\xff\r\n', issues: ['garbage'] },
      { kind: 'command', text: 'CHG 2 NLN 0\r\n', issues: [] },
    ]);
  });

  it('gathers the garbage lines after a garbage line into raw frames of at most maxLine bytes', () => {
    const input = S(`VER 1 MSNP8\r\nhello\r\n${'\n'.repeat(150)}junk\r\nOUT\r\n\n\nMSG Hotmail Hotmail 3\r\nabc\n${'z'.repeat(70)}\n\n\nQNG 5\r\n`);
    const whole = frame([input], 's2c', { maxLine: 64 });
    expectConserved(input, whole);
    expect(whole.map((f) => [f.kind, f.bytes.length, f.issues])).toEqual([
      ['command', 13, []],
      ['raw', 7, ['garbage: not an MSNP command line']], // a lone garbage line goes out at once
      ['raw', 64, ['garbage: 64 lines that are not MSNP command lines']],
      ['raw', 64, ['garbage: 64 lines that are not MSNP command lines']],
      ['raw', 28, ['garbage: 23 lines that are not MSNP command lines']], // 22 LFs and "junk"
      ['command', 5, []],
      ['raw', 1, ['garbage: not an MSNP command line']],
      ['raw', 1, ['garbage: not an MSNP command line']],
      ['command', 26, []],
      ['raw', 1, ['garbage: not an MSNP command line']], // "abc" ended the payload: its LF
      ['raw', 64, ['overlong: no line end within 64 bytes']], // too long to join
      ['raw', 7, ['overlong: end of an over-long line']],
      ['raw', 1, ['garbage: not an MSNP command line']],
      ['raw', 1, ['garbage: not an MSNP command line']],
      ['command', 7, []],
    ]);
    for (const split of everySplit(input)) expect(frame(split, 's2c', { maxLine: 64 })).toEqual(whole);
    expect(frame(byteByByte(input), 's2c', { maxLine: 64 })).toEqual(whole);
  });

  it('turns 1 MiB of bare LFs into 65 frames, however the bytes arrive', () => {
    const input = Buffer.alloc(1024 * 1024, 0x0a);
    const whole = frame([input]);
    expectConserved(input, whole);
    expect(whole.map((f) => f.bytes.length)).toEqual([1, ...Array<number>(63).fill(16 * 1024), 16 * 1024 - 1]);
    expect(whole.every((f) => f.kind === 'raw' && f.issues[0]?.startsWith('garbage'))).toBe(true);
    // Conserved bytes, so offsets, sizes and issues tell the frames apart (deep-comparing 1 MiB is slow).
    const shape = (frames: ReturnType<typeof frame>) => frames.map((f) => `${f.kind} ${f.offset}+${f.bytes.length} ${f.issues.join()}`);
    for (let seed = 1; seed <= 5; seed++) expect(shape(frame(seededChunks(input, seed, 5000)))).toEqual(shape(whole));
    expect(shape(frame(seededChunks(input, 6, 7)))).toEqual(shape(whole));
  });

  it('holds gathered garbage until the next line cannot join it (decided on its first 4 bytes), never the line being written', () => {
    const kept: Frame[] = [];
    const framer = new Framer((c, n) => announcesPayload(c, n, 's2c', 12), (f) => kept.push(f));
    framer.push(S('hello\r\n'));
    expect(kept.map((f) => f.bytes.toString())).toEqual(['hello\r\n']);
    framer.push(S('a\r\nb\r\nXF'));
    expect(kept).toHaveLength(1);
    expect(framer.partialLine()?.toString()).toBe('XF'); // what the referral rewriter holds back
    framer.push(S('R'));
    expect(kept).toHaveLength(1); // "XFR" might still be the start of a garbage line ("XFRx")
    framer.push(S(' 1'));
    expect(kept).toHaveLength(2); // "XFR " starts a command (or an over-long line): the gathered lines go
    expect(framer.partialLine()?.toString()).toBe('XFR 1');
    framer.push(S(' NS 10.0.0.1:1863 0\r\nc\r\n'));
    expect(kept.map((f) => [f.bytes.toString(), f.issues[0]])).toEqual([
      ['hello\r\n', 'garbage: not an MSNP command line'],
      ['a\r\nb\r\n', 'garbage: 2 lines that are not MSNP command lines'],
      ['XFR 1 NS 10.0.0.1:1863 0\r\n', undefined],
      ['c\r\n', 'garbage: not an MSNP command line'],
    ]);
    framer.push(S('d\r\n'));
    expect(framer.partialLine()).toBeNull();
    framer.end();
    expect(kept.at(-1)?.bytes.toString()).toBe('d\r\n');
    expect(framer.pending).toBe(0);
  });

  it('flags a payload length that is too short: the rest of the body becomes raw frames', () => {
    const input = S('MSG Hotmail Hotmail 4\r\nabcdef\r\nOUT\r\n');
    expect(simple(frame([input]))).toEqual([
      { kind: 'command', text: 'MSG Hotmail Hotmail 4\r\nabcd', issues: [] },
      { kind: 'raw', text: 'ef\r\n', issues: ['garbage'] },
      { kind: 'command', text: 'OUT\r\n', issues: [] },
    ]);
  });

  it('refuses an absurd payload length and keeps framing lines', () => {
    const input = S('MSG Hotmail Hotmail 4000000000\r\nOUT\r\n');
    const frames = frame([input]);
    expect(simple(frames)).toEqual([
      { kind: 'command', text: 'MSG Hotmail Hotmail 4000000000\r\n', issues: ['oversize'] },
      { kind: 'command', text: 'OUT\r\n', issues: [] },
    ]);
    expect(frames[0]?.payloadLength).toBe(4000000000);
    expect(frames[0]?.payload).toBeNull();
  });

  it('honours a configurable payload cap', () => {
    const input = S('MSG Hotmail Hotmail 10\r\n0123456789');
    expect(frame([input], 's2c', { maxPayload: 10 })[0]?.payload?.length).toBe(10);
    expect(frame([input], 's2c', { maxPayload: 9 })[0]?.issues[0]).toMatch(/^oversize/);
  });

  it('cuts an over-long line into raw frames of at most maxLine bytes, the same however it arrives', () => {
    const input = Buffer.concat([S('VER 1 '), Buffer.alloc(300, 0x41), S('\r\nOUT\r\n')]);
    const whole = frame([input], 's2c', { maxLine: 64 });
    expectConserved(input, whole);
    expect(whole.map((f) => f.bytes.length)).toEqual([64, 64, 64, 64, 52, 5]);
    expect(whole.slice(0, 5).every((f) => f.kind === 'raw' && f.issues[0]?.startsWith('overlong'))).toBe(true);
    expect(whole[5]?.line).toBe('OUT');
    for (const split of everySplit(input)) expect(frame(split, 's2c', { maxLine: 64 })).toEqual(whole);
  });

  it('never buffers more than one line limit while a line has no end', () => {
    const frames: Frame[] = [];
    const framer = new Framer(() => false, (f) => frames.push(f), { maxLine: 1024 });
    const block = Buffer.alloc(10_000, 0x42);
    for (let i = 0; i < 200; i++) {
      framer.push(block);
      expect(framer.pending).toBeLessThan(1024);
    }
    framer.end();
    expect(frames.reduce((n, f) => n + f.bytes.length, 0)).toBe(2_000_000);
  });

  it('flags a stream that ends inside a payload or a line', () => {
    const midPayload = frame([S('MSG Hotmail Hotmail 10\r\nabc')]);
    expect(midPayload).toHaveLength(1);
    expect(midPayload[0]?.kind).toBe('command');
    expect(midPayload[0]?.payload?.toString()).toBe('abc');
    expect(midPayload[0]?.issues[0]).toMatch(/^truncated: .* 3 of 10/);
    const midLine = frame([S('CHG 1 NL')]);
    expect(simple(midLine)).toEqual([{ kind: 'raw', text: 'CHG 1 NL', issues: ['truncated'] }]);
  });

  it('flags LF-only line ends but still frames them', () => {
    const frames = frame([S('CHG 1  NLN 0\nOUT\r\n')]);
    expect(frames[0]?.line).toBe('CHG 1  NLN 0');
    expect(frames[0]?.issues.map((i) => i.split(':')[0])).toEqual(['line end']);
    expect(frames[1]?.line).toBe('OUT');
  });

  it('reads a payload length only from a last token of digits, whatever the spacing', () => {
    const frames = frame([S('MSG  Hotmail  Hotmail  3\r\nabcMSG Hotmail Hotmail 3x\r\nMSG Hotmail Hotmail 12345678901\r\n')]);
    expect(frames.map((f) => [f.line, f.payloadLength])).toEqual([
      ['MSG  Hotmail  Hotmail  3', 3], ['MSG Hotmail Hotmail 3x', null], ['MSG Hotmail Hotmail 12345678901', null],
    ]);
  });

  it('does not change frames already emitted when more data arrives', () => {
    const kept: Frame[] = [];
    const framer = new Framer((c, n) => announcesPayload(c, n, 's2c', 12), (f) => kept.push(f));
    framer.push(S('PNG\r\nMSG Hotmail Hotmail 3\r\na'));
    const snapshot = kept.map((f) => Buffer.from(f.bytes));
    for (let i = 0; i < 100; i++) framer.push(S('bcQNG 5\r\nMSG Hotmail Hotmail 3\r\na'));
    expect(kept.slice(0, snapshot.length).map((f) => Buffer.from(f.bytes))).toEqual(snapshot);
    expect(kept.slice(0, 3).map((f) => f.bytes.toString())).toEqual(['PNG\r\n', 'MSG Hotmail Hotmail 3\r\nabc', 'QNG 5\r\n']);
  });
});

describe('framer properties', () => {
  const token = fc.constantFrom('VER', 'MSG', 'QRY', 'UBX', 'NOT', 'CHG', 'OUT', '241', 'Hotmail', '1', '5', '0', 'x', '\r\n', '\n', '\r', ' ', '\x00', '\xff', 'é');
  const stream = fc.oneof(
    fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
    fc.array(token, { maxLength: 80 }).map((t) => Buffer.from(t.join(''), 'latin1')),
  );

  it('never throws, conserves every byte and does not depend on how the stream is cut', () => {
    fc.assert(fc.property(stream, fc.integer({ min: 1, max: 1000 }), fc.constantFrom('c2s', 's2c'), (bytes, seed, dir) => {
      const whole = frame([bytes], dir as 'c2s' | 's2c', { maxLine: 64, maxPayload: 100 }, 13);
      expectConserved(bytes, whole);
      const cut = frame(seededChunks(bytes, seed, 7), dir as 'c2s' | 's2c', { maxLine: 64, maxPayload: 100 }, 13);
      expect(cut).toEqual(whole);
    }), { numRuns: 500 });
  });

  it('resynchronises: a valid command line after garbage and a line end is framed as a command', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (garbage) => {
      // Garbage that does not end a payload-announcing line: strip digits so no length can be announced.
      const noise = Buffer.from(garbage).map((b) => (b >= 0x30 && b <= 0x39 ? 0x2e : b));
      const input = Buffer.concat([noise, S('\r\nCHG 7 NLN 0\r\n')]);
      const frames = frame([input], 'c2s', { maxLine: 1024 });
      expectConserved(input, frames);
      expect(frames.at(-1)?.line).toBe('CHG 7 NLN 0');
    }), { numRuns: 500 });
  });
});
