// Small pieces: the fixture schema checks, fixture detection, placeholder numbering, the progress line.
import { describe, expect, it } from 'vitest';
import { progress } from '../../proxy/cli/progress.js';
import { readInput } from '../../proxy/decode/inputs/detect.js';
import { loadFixture } from '../../proxy/fixture/load.js';
import { FixtureError, parseFixture } from '../../proxy/fixture/schema.js';
import { Placeholders } from '../../proxy/redact/placeholders.js';

const read = (seq: number, dir: 'c2s' | 's2c', text: string) => ({ seq, dir, t_ms: seq, t_wall: 1_700_000_000_000 + seq, b64: Buffer.from(text).toString('base64') });
const doc = () => ({
  format: 'msnp-inspector-fixture', schemaVersion: 1, generator: 'test', source: 'hand-made', redacted: false, t0: 1_700_000_000_000,
  session: { id: null, client: null, handle: null, startedWall: null, endedWall: null, imported: null },
  connections: [{
    label: 'ns1', kind: 'ns', version: 8, client: null, upstream: '192.0.2.5:1863', listen: null, referredBy: null, referralFrame: null,
    cookie: null, handle: null, opened: null, closed: { t_ms: 9, t_wall: 1_700_000_000_009, reason: 'client closed' },
    reads: [read(0, 'c2s', 'VER 1 MSNP8 CVR0\r\n'), read(1, 's2c', 'VER 1 MSNP8\r\n')],
    frames: [
      { seq: 0, dir: 'c2s', index: 0, offset: 0, size: 18, t_ms: 0, command: 'VER', trId: 1, params: ['MSNP8', 'CVR0'], payloadLength: null, summary: 'VER #1', issues: [] },
      { seq: 1, dir: 's2c', index: 1, offset: 0, size: 13, t_ms: 1, command: 'VER', trId: 1, params: ['MSNP8'], payloadLength: null, summary: 'VER #1', issues: [] },
    ],
  }],
});

describe('fixture schema', () => {
  it('loads a hand-written fixture and cuts each frame from its reads', () => {
    const fixture = loadFixture(doc());
    expect(fixture.connections[0]!.frames.map((f) => [f.line, f.bytes.toString()])).toEqual([
      ['VER 1 MSNP8 CVR0', 'VER 1 MSNP8 CVR0\r\n'], ['VER 1 MSNP8', 'VER 1 MSNP8\r\n'],
    ]);
    expect(fixture.connections[0]!.closedBy).toBe('client');
    expect(loadFixture(JSON.stringify(doc())).doc.source).toBe('hand-made');
  });

  it('names the field that is wrong, and refuses newer schema versions', () => {
    const bad = doc() as { connections: Array<{ reads: Array<{ dir: string }> }>; schemaVersion: number };
    bad.connections[0]!.reads[1]!.dir = 'sideways';
    expect(() => parseFixture(bad)).toThrow(new FixtureError('fixture: connections[0].reads[1].dir must be "c2s" or "s2c"'));
    expect(() => parseFixture({ ...doc(), schemaVersion: 2 })).toThrow(/schemaVersion is 2; this msnp-inspector reads version 1/);
    expect(() => parseFixture({ ...doc(), format: 'other' })).toThrow(/format must be "msnp-inspector-fixture"/);
    const short = doc();
    short.connections[0]!.frames[1]!.size = 99;
    expect(() => loadFixture(short)).toThrow(/ns1 frame 1 \(VER\) lies beyond the recorded s2c bytes/);
  });

  it('refuses an empty connection label, in the parser and through readInput', () => {
    const unnamed = doc();
    unnamed.connections[0]!.label = '';
    expect(() => parseFixture(unnamed)).toThrow(new FixtureError('fixture: connections[0].label must not be empty (it names the connection)'));
    const input = readInput(Buffer.from(JSON.stringify(unnamed)), 'z.json');
    expect(input).toMatchObject({ format: 'fixture', chunks: [], issues: [expect.stringMatching(/connections\[0\]\.label must not be empty/)] });
  });

  it('is detected by readInput, so decode and import read fixtures', () => {
    const input = readInput(Buffer.from(JSON.stringify(doc(), null, 2)), 'x.json');
    expect(input.format).toBe('fixture');
    expect(input.chunks.map((c) => [c.conn, c.dir, c.t_ms])).toEqual([['ns1', 'c2s', 1_700_000_000_000], ['ns1', 's2c', 1_700_000_000_001]]);
    expect(input.connections[0]).toMatchObject({ conn: 'ns1', server: '192.0.2.5:1863' });
    const broken = readInput(Buffer.from('{"format": "msnp-inspector-fixture", "schemaVersion": 1}'), 'y.json');
    expect(broken).toMatchObject({ format: 'fixture', chunks: [], issues: [expect.stringMatching(/^fixture: /)] });
  });
});

describe('placeholders', () => {
  it('are stable per secret and numbered after placeholders already in the input', () => {
    const table = new Placeholders();
    table.reserve('USR 1 a@b.c REDACTED-COOKIE-3');
    expect(table.for('COOKIE', 'abc.def')).toBe('REDACTED-COOKIE-4');
    expect(table.for('TICKET', 'abc.def')).toBe('REDACTED-COOKIE-4');
    expect(table.for('COOKIE', 'REDACTED-COOKIE-3')).toBe('REDACTED-COOKIE-3');
    expect(table.for('TICKET', '')).toBe('');
    expect(table.sweepable()).toEqual([]);
    table.for('TICKET', 'long-enough-secret');
    expect(table.sweepable()).toEqual([['long-enough-secret', 'REDACTED-TICKET-1']]);
  });
});

describe('progress line', () => {
  it('rewrites one line on a terminal and prints nothing elsewhere', () => {
    const written: string[] = [];
    const tty = { isTTY: true, write: (t: string) => written.push(t) } as unknown as NodeJS.WriteStream;
    const bar = progress('import x.pcap', tty);
    bar.update(0, 200);
    bar.update(200, 200);
    bar.finish();
    expect(written[0]).toBe('\rimport x.pcap:   0% (0/200)\x1b[K');
    expect(written[1]).toBe('\rimport x.pcap: 100% (200/200)\x1b[K');
    expect(written.at(-1)).toBe('\r\x1b[K');
    const quiet: string[] = [];
    const pipe = { isTTY: false, write: (t: string) => quiet.push(t) } as unknown as NodeJS.WriteStream;
    progress('x', pipe).update(1, 2);
    expect(quiet).toEqual([]);
  });
});

describe('transcript export of frames a transcript cannot show', () => {
  it('writes them as a narration note with the frame in base64, which decode skips', async () => {
    const { transcriptWriter } = await import('../../proxy/export/transcript.js');
    const { readTranscript } = await import('../../proxy/decode/inputs/transcript.js');
    const p2p = Buffer.concat([Buffer.from('MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: bob@example.com\r\n\r\n'), Buffer.alloc(48, 0), Buffer.from([0, 0, 0, 1])]);
    const chunks = [
      { conn: 'sb1', dir: 'c2s' as const, t_ms: 1, bytes: Buffer.from('USR 1 alice@example.com REDACTED-COOKIE-1\r\n') },
      { conn: 'sb1', dir: 's2c' as const, t_ms: 2, bytes: Buffer.from('USR 1 OK alice@example.com Alice\r\n') },
      { conn: 'sb1', dir: 'c2s' as const, t_ms: 3, bytes: Buffer.concat([Buffer.from(`MSG 2 D ${p2p.length}\r\n`), p2p]) },
      { conn: 'sb1', dir: 'c2s' as const, t_ms: 4, bytes: Buffer.from('MSG 3 U 6\r\nab\r\ncd') },
      { conn: 'sb1', dir: 'c2s' as const, t_ms: 5, bytes: Buffer.from('MSG 4 U 4\r\nab\r\n') },
      { conn: 'sb1', dir: 'c2s' as const, t_ms: 6, bytes: Buffer.from('OUT\r\n') },
    ];
    const model = {
      source: 'hand-made', sessions: [{ id: 1, client: null, handle: null, startedWall: null, endedWall: null, imported: null }],
      connections: [{ key: 'sb1', id: 1, sessionId: 1, kind: 'sb' as const, version: 8, client: null, upstream: '192.0.2.20:1863', listen: null, referredBy: null, cookie: null, handle: null, openedWall: null, closedWall: 7, closeReason: 'client closed' }],
      chunks, only: null, redacted: false, redaction: {},
    };
    const text = [...transcriptWriter.write(model, { views: false })].join('');
    expect(text).toMatch(/^# Frame omitted \(C MSG, \d+ bytes\): its \d+-byte payload is binary\. Base64 of the frame: [A-Za-z0-9+/=]+$/m);
    expect(text).toMatch(/^# Frame omitted \(C MSG, 15 bytes\): its payload ends in a single CRLF, which a transcript cannot show\./m);
    expect(text).toContain('C: MSG 3 U 6\nab\ncd\n');
    const back = readTranscript(text);
    expect(back.issues).toEqual([]);
    expect(back.chunks.map((c) => c.bytes.toString('latin1'))).toEqual(['USR 1 alice@example.com REDACTED-COOKIE-1\r\n', 'USR 1 OK alice@example.com Alice\r\n', 'MSG 3 U 6\r\nab\r\ncd', 'OUT\r\n']);
    const omitted = /Base64 of the frame: (\S+)/.exec(text)![1]!;
    expect(Buffer.from(omitted, 'base64').equals(chunks[2]!.bytes)).toBe(true);
  });
});
