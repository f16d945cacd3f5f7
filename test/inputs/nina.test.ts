import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInput } from '../../proxy/decode/inputs/detect.js';
import { readNina } from '../../proxy/decode/inputs/nina.js';
import { hasReference, referenceDir } from './reference.js';

const seedsDir = path.join(referenceDir, 'seeds');
const ninaSeed = hasReference ? readdirSync(seedsDir).find((f) => f.startsWith('004_')) : undefined;

describe.skipIf(!ninaSeed)('NINA MSNP8 example session (seed 004)', () => {
  const bytes = ninaSeed ? readFileSync(path.join(seedsDir, ninaSeed)) : Buffer.alloc(0);
  const r = readInput(bytes, ninaSeed);
  const texts = r.chunks.map((c) => c.bytes.toString('utf8'));

  it('is detected as NINA and splits into connections at the redirect', () => {
    expect(r.format).toBe('nina');
    expect(r.connections.length).toBeGreaterThanOrEqual(2);
    expect(r.connections[0]!.server).toBe('messenger.hotmail.com:1863');
    expect(r.connections[1]!.note).toMatch(/connects to baym-cs295/);
    const firsts = r.connections.map((c) => r.chunks.find((ch) => ch.conn === c.conn)!);
    for (const first of firsts) {
      expect(first.dir).toBe('c2s');
      expect(first.bytes.toString()).toMatch(/^VER \d+ MSNP8 CVR0\r\n$/);
    }
  });

  it('keeps several commands that shared a packet in one server chunk', () => {
    const lsg = r.chunks.find((c) => c.dir === 's2c' && c.bytes.toString().startsWith('LSG 0 '))!;
    expect(lsg.bytes.toString()).toBe('LSG 0 Other%20Contacts 0\r\nLSG 1 Coworkers 0\r\nLSG 2 Friends 0\r\nLSG 3 Family 0\r\n');
    expect(r.chunks.some((c) => c.dir === 's2c' && c.bytes.toString().split('\r\n').length > 3)).toBe(true);
  });

  it('keeps packets that end in the middle of a command', () => {
    const split = texts.findIndex((t) => t.endsWith('BPR PHM 9876'));
    expect(split).toBeGreaterThan(0);
    expect(texts[split + 1]).toBe('-54321\r\n');
    expect(texts).toContain('LST dave@passport.com 1 1,2');
    expect(r.chunks.filter((c) => !c.bytes.toString().endsWith('\r\n')).length).toBeGreaterThanOrEqual(3);
  });

  it('reproduces the profile payload with its escaped CRLFs and the unterminated QRY response', () => {
    const profile = texts.find((t) => t.startsWith('MSG Hotmail Hotmail 491\r\n'))!;
    expect(profile.endsWith('ClientPort: 516\r\n\r\n')).toBe(true);
    expect(profile).not.toContain('\\r\\n');
    expect(texts).toContain('QRY 11 msmsgs@msnmsgr.com 32\r\nd0c1178c689350104350d99f8c36ed9c');
  });

  it('ignores prose and reports the packet line that lost its content', () => {
    expect(texts.some((t) => /Having successfully|Server closes|Logging in/.test(t))).toBe(false);
    expect(r.issues).toHaveLength(2);
    expect(r.issues[0]).toMatch(/^line \d+: empty packet line read as a single space/);
    // `<<< QRY 11` is the one complete command the page shows without its CRLF.
    expect(r.issues[1]).toMatch(/^line \d+: command shown without its/);
    expect(texts).toContain('QRY 11\r\n');
    expect(texts.at(-1)).toBe('OUT\r\n');
  });
});

describe('NINA reader on inline text', () => {
  it('groups indented lines into the packet and converts only written CRLFs', () => {
    const r = readNina(
      [
        'Intro prose.',
        '>>> VER 1 MSNP8\\r\\n',
        '<<< VER 1 MSNP8\\r\\n',
        '<<< CHL 0 123\\r\\n',
        '   QNG 5\\r\\n',
        '    ILN 1 NLN x@y.z X 0\\r\\n',
        '',
        '  • a bullet that is prose',
        '>>> PNG',
        '<<< QNG 50\\r\\n',
      ].join('\n'),
    );
    expect(r.connections).toEqual([{ conn: 'conn1' }]);
    expect(r.chunks.map((c) => [c.dir, c.t_ms, c.bytes.toString()])).toEqual([
      ['c2s', 2, 'VER 1 MSNP8\r\n'],
      ['s2c', 3, 'VER 1 MSNP8\r\n'],
      ['s2c', 4, 'CHL 0 123\r\nQNG 5\r\nILN 1 NLN x@y.z X 0\r\n'],
      ['c2s', 9, 'PNG'],
      ['s2c', 10, 'QNG 50\r\n'],
    ]);
  });
});
