import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commandSpec } from '../../shared/msnp/commands.js';
import { matchLayout, type LayoutMatch } from '../../shared/msnp/layout.js';
import type { Direction, ServerKind } from '../../shared/msnp/types.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const referenceDir = path.resolve(repoRoot, '..', 'shared', 'reference');

/** Matches one command line such as `LST bob@x Bob 13 0`. */
function match(line: string, dir: Direction, version: number, server?: ServerKind): LayoutMatch | null {
  const [command = '', ...tokens] = line.trim().split(/ +/);
  const spec = commandSpec(command);
  if (!spec) throw new Error(`no spec for ${command}`);
  return matchLayout(spec, dir, version, tokens, server);
}

function must(line: string, dir: Direction, version: number, server?: ServerKind): LayoutMatch {
  const m = match(line, dir, version, server);
  if (!m) throw new Error(`no layout for ${dir} '${line}' at MSNP${version}`);
  return m;
}

/** name=value pairs, for compact assertions. */
function pairs(m: LayoutMatch): Record<string, string> {
  return Object.fromEntries(m.fields.map((f) => [f.name, f.value]));
}

function field(m: LayoutMatch, name: string) {
  const f = m.fields.find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name} in ${JSON.stringify(m.fields)}`);
  return f;
}

describe('matchLayout: the classic ambiguous lines', () => {
  it('MSNP8 LST inside a SYN batch: no TrID, list bits', () => {
    const m = must('LST bob@passport.com Bob 13 0', 's2c', 8);
    expect(m.trId).toBeNull();
    expect(m.fields.map((f) => f.name)).toEqual(['handle', 'friendlyName', 'listBits', 'groupIds']);
    expect(field(m, 'listBits').decoded).toBe('FL|BL|RL (13)');
    expect(field(m, 'listBits').since).toBe('MSNP8');
    expect(field(m, 'handle').since).toBeNull();
  });

  it('MSNP12 LST: N= F= C= from MSNP10, network id from MSNP12', () => {
    const m = must('LST N=a@b.com F=A C=guid 11 1', 's2c', 12);
    expect(m.trId).toBeNull();
    expect(pairs(m)).toEqual({ handle: 'N=a@b.com', friendlyName: 'F=A', contactGuid: 'C=guid', listBits: '11', networkId: '1' });
    expect(field(m, 'networkId').since).toBe('MSNP12');
    expect(field(m, 'networkId').decoded).toBe('Windows Live');
    expect(field(m, 'handle').since).toBe('MSNP10');
    expect(field(m, 'contactGuid').since).toBe('MSNP10');
  });

  it('MSNP8 CHG with capabilities', () => {
    const m = must('CHG 9 NLN 0', 'c2s', 8);
    expect(m.trId).toBe(9);
    expect(field(m, 'status').decoded).toBe('Online');
    expect(field(m, 'capabilities').value).toBe('0');
    expect(field(m, 'capabilities').since).toBe('MSNP8');
    expect(m.issues).toEqual([]);
    // Without the optional capabilities as well.
    expect(pairs(must('CHG 9 NLN', 's2c', 8))).toEqual({ status: 'NLN' });
  });

  it('MSNP8 ILN', () => {
    const m = must('ILN 9 NLN bob Bob 24', 's2c', 8);
    expect(m.trId).toBe(9);
    expect(pairs(m)).toEqual({ status: 'NLN', handle: 'bob', friendlyName: 'Bob', capabilities: '24' });
  });

  it('MSNP8 SYN reply with counts (not a payload)', () => {
    const m = must('SYN 8 27 5 4', 's2c', 8);
    expect(m.trId).toBe(8);
    expect(pairs(m)).toEqual({ listVersion: '27', contactCount: '5', groupCount: '4' });
    expect(field(m, 'contactCount').since).toBe('MSNP8');
  });

  it('MSNP8 XFR to a notification server', () => {
    const m = must('XFR 3 NS 10.0.0.5:1863 0 10.0.0.1:1863', 's2c', 8);
    expect(m.trId).toBe(3);
    expect(pairs(m)).toEqual({ serverType: 'NS', address: '10.0.0.5:1863', unused: '0', currentServer: '10.0.0.1:1863' });
    expect(field(m, 'currentServer').since).toBe('MSNP7');
    expect(field(m, 'unused').since).toBe('MSNP3');
  });

  it('MSNP18 NLN with nid:handle and caps:capsex', () => {
    const m = must('NLN NLN 1:bob@x.com Bob 2788:48 0', 's2c', 18);
    expect(m.trId).toBeNull();
    expect(pairs(m)).toEqual({ status: 'NLN', handle: '1:bob@x.com', friendlyName: 'Bob', capabilities: '2788:48', msnObject: '0' });
    expect(field(m, 'handle').decoded).toBe('Windows Live: bob@x.com');
    expect(field(m, 'handle').since).toBe('MSNP18');
    expect(field(m, 'capabilities').since).toBe('MSNP16');
  });
});

describe('matchLayout: version-dependent shapes', () => {
  it('LST with TrID before MSNP8, empty list', () => {
    const m = must('LST 8 BL 6 0 0', 's2c', 5);
    expect(m.trId).toBe(8);
    expect(pairs(m)).toEqual({ list: 'BL', listVersion: '6', index: '0', total: '0' });
    expect(match('LST bob Bob 13 0', 's2c', 5)).toBeNull();
    expect(match('LST 8 BL 6 0 0', 's2c', 8)).toBeNull();
  });

  it('SYN request gains the settings version in MSNP10', () => {
    expect(pairs(must('SYN 8 15 0', 'c2s', 10))).toEqual({ listVersion: '15', settingsVersion: '0' });
    expect(match('SYN 8 15 0', 'c2s', 9)).toBeNull();
    expect(pairs(must('SYN 8 16 0 1 1', 's2c', 10))).toEqual({ listVersion: '16', settingsVersion: '0', contactCount: '1', groupCount: '1' });
  });

  it('GTC/BLP/PRP/BPR with and without TrID and list version', () => {
    expect(pairs(must('GTC 8 1 A', 's2c', 2))).toEqual({ listVersion: '1', setting: 'A' });
    const inSyn = must('BLP AL', 's2c', 8);
    expect(inSyn.trId).toBeNull();
    expect(field(inSyn, 'setting').decoded).toMatch(/may contact/);
    expect(must('BLP 7 AL', 's2c', 13).trId).toBe(7);
    expect(pairs(must('BLP 1 256 AL', 's2c', 11))).toEqual({ listVersion: '256', setting: 'AL' });
    expect(pairs(must('PRP 8 9 PHW', 's2c', 7))).toEqual({ listVersion: '9', property: 'PHW' });
    const prp = must('PRP PHH 123%20(4567)', 's2c', 8);
    expect(prp.trId).toBeNull();
    expect(field(prp, 'value').decoded).toBe('123 (4567)');
    expect(must('PRP 9 MFN example%20user', 's2c', 13).trId).toBe(9);
    expect(pairs(must('BPR 6 bob@x.com PHH 1%20(222)', 's2c', 5))).toEqual({ listVersion: '6', handle: 'bob@x.com', property: 'PHH', value: '1%20(222)' });
    expect(pairs(must('BPR PHH 1%20(222)%20333', 's2c', 9))).toEqual({ property: 'PHH', value: '1%20(222)%20333' });
    expect(pairs(must('BPR PHH 1%20(222)%20333', 's2c', 10))).toEqual({ property: 'PHH', value: '1%20(222)%20333' });
  });

  it('LSG generations', () => {
    expect(pairs(must('LSG 8 9 1 2 0 Other%20Contacts 0', 's2c', 7)).groupName).toBe('Other%20Contacts');
    expect(pairs(must('LSG 0 Other%20Contacts 0', 's2c', 8))).toEqual({ groupId: '0', groupName: 'Other%20Contacts', unused: '0' });
    expect(pairs(must('LSG Friends f60efbe7-94af-4b16-b926-e4e10878d329', 's2c', 11))).toEqual({ groupName: 'Friends', groupId: 'f60efbe7-94af-4b16-b926-e4e10878d329' });
  });

  it('USR forms', () => {
    expect(pairs(must('USR 3 TWN I bob@x.com', 'c2s', 8))).toEqual({ securityPackage: 'TWN', stage: 'I', handle: 'bob@x.com' });
    expect(pairs(must('USR 6 TWN S lc=1033,id=507', 's2c', 8))).toEqual({ securityPackage: 'TWN', stage: 'S', ticketParams: 'lc=1033,id=507' });
    expect(pairs(must('USR 7 OK bob@x.com bob 1 0', 's2c', 8))).toEqual({ result: 'OK', handle: 'bob@x.com', friendlyName: 'bob', verified: '1', restricted: '0' });
    expect(pairs(must('USR 7 OK bob@x.com 1 0', 's2c', 10))).toEqual({ result: 'OK', handle: 'bob@x.com', verified: '1', restricted: '0' });
    expect(pairs(must('USR 8 OK bob@x.com', 's2c', 15))).toEqual({ result: 'OK', handle: 'bob@x.com' });
    const sso = must('USR 8 SSO S t=ticket&p= AAAA {F52973B6-C926-4BAD-9BA8-7C1E840E4AB0}', 'c2s', 16);
    expect(field(sso, 'machineGuid').since).toBe('MSNP16');
    expect(pairs(must('USR 4 MD5 S f59af8f2fa91d38aff7c870c17f99903', 'c2s', 5)).digest).toBe('f59af8f2fa91d38aff7c870c17f99903');
    // Switchboard
    expect(pairs(must('USR 21 bob@x.com 1234.5678', 'c2s', 8, 'SB'))).toEqual({ handle: 'bob@x.com', cookie: '1234.5678' });
    const sbOk = must('USR 21 OK bob@x.com;{F52973B6-C926-4BAD-9BA8-7C1E840E4AB0} Bob', 's2c', 16, 'SB');
    expect(field(sbOk, 'friendlyName').value).toBe('Bob');
    expect(field(sbOk, 'handle').decoded).toMatch(/endpoint/);
    // With the server unknown, a SB-style USR OK still finds the SB layout.
    expect(field(must('USR 21 OK bob@x.com Bob', 's2c', 16), 'friendlyName').value).toBe('Bob');
    // NS-only layouts are skipped on a switchboard.
    expect(match('USR 7 OK bob@x.com 1 0', 's2c', 10, 'SB')).toBeNull();
    expect(must('USR 7 OK bob@x.com 1 0', 's2c', 10, 'NS').layout.server).toBe('NS');
    expect(must('USR 7 OK bob@x.com Bob', 's2c', 8, 'SB').layout.server).toBe('SB');
    // Unknown packages are kept, not rejected.
    expect(must('USR 9 BAD I bob@x.com', 'c2s', 8).layout.note).toMatch(/unknown security package/);
  });

  it('XFR forms', () => {
    expect(pairs(must('XFR 3 NS 10.0.0.5:1863', 's2c', 2))).toEqual({ serverType: 'NS', address: '10.0.0.5:1863' });
    expect(match('XFR 3 NS 10.0.0.5:1863', 's2c', 3)).toBeNull();
    expect(pairs(must('XFR 3 NS 10.0.0.5:1863 U D', 's2c', 13))).toEqual({ serverType: 'NS', address: '10.0.0.5:1863', constantU: 'U', constantD: 'D' });
    expect(must('XFR 0 NS 0', 's2c', 11).layout.note).toMatch(/soft reset/);
    const sb = must('XFR 7 SB 10.0.1.200:1865 CKI 1.2.3 U messenger.msn.com 1', 's2c', 14);
    expect(field(sb, 'directConnect').since).toBe('MSNP14');
    expect(field(sb, 'directConnect').decoded).toBe('yes');
    expect(match('XFR 7 SB 10.0.1.200:1865 CKI 1.2.3 U messenger.msn.com', 's2c', 14)).toBeNull();
    expect(pairs(must('XFR 6 SB 10.0.1.200:1865 CKI 1.2.3', 's2c', 12)).cookie).toBe('1.2.3');
  });

  it('presence at MSNP14-17', () => {
    const iln = must('ILN 4 NLN bob@x.com 1 Bob 1611513916 %3Cmsnobj%20Creator%3D%22a%22%2F%3E http://example.com/i.png', 's2c', 14);
    expect(pairs(iln)).toMatchObject({ handle: 'bob@x.com', networkId: '1', friendlyName: 'Bob', presenceIconUrl: 'http://example.com/i.png' });
    expect(field(iln, 'networkId').since).toBe('MSNP14');
    expect(field(iln, 'msnObject').decoded).toBe('Creator=a');
    // MSNP16: separate network id (W, Escargot) and nid:handle (NINA) both accepted.
    expect(pairs(must('NLN NLN bob@x.com 1 Bob 2789003324:48', 's2c', 16))).toMatchObject({ handle: 'bob@x.com', networkId: '1' });
    const nina = must('NLN NLN 1:bob@x.com Bob 2789003324:48', 's2c', 16);
    expect(field(nina, 'handle').decoded).toBe('Windows Live: bob@x.com');
    expect(pairs(must('FLN bob@x.com 1 0:0 http://example.com/offline.png', 's2c', 16))).toMatchObject({ networkId: '1', capabilities: '0:0' });
    expect(pairs(must('FLN 1:bob@x.com 0:0', 's2c', 17))).toEqual({ handle: '1:bob@x.com', capabilities: '0:0' });
    expect(pairs(must('FLN 1:bob@x.com 0:0', 's2c', 18))).toEqual({ handle: '1:bob@x.com', capabilities: '0:0' });
    expect(pairs(must('FLN bob@x.com', 's2c', 8))).toEqual({ handle: 'bob@x.com' });
    expect(pairs(must('UBX bob@x.com 1 118', 's2c', 14))).toEqual({ handle: 'bob@x.com', networkId: '1', length: '118' });
    expect(pairs(must('UBX 1:bob@x.com 118', 's2c', 18))).toEqual({ handle: '1:bob@x.com', length: '118' });
  });

  it('payload replies versus acknowledgements', () => {
    expect(pairs(must('ADL 8 OK', 's2c', 13))).toEqual({ result: 'OK' });
    expect(pairs(must('ADL 0 82', 's2c', 13))).toEqual({ length: '82' });
    expect(pairs(must('QRY 10 msmsgs@msnmsgr.com 32', 'c2s', 6))).toEqual({ productId: 'msmsgs@msnmsgr.com', length: '32' });
    expect(must('QRY 10', 's2c', 6).fields).toEqual([]);
    expect(pairs(must('UUX 11 0', 's2c', 11))).toEqual({ result: '0' });
    expect(pairs(must('UUX 1', 's2c', 11))).toEqual({});
    expect(pairs(must('GCF 0 245', 's2c', 13))).toEqual({ length: '245' });
    expect(pairs(must('GCF 9 Shields.xml 145', 's2c', 11))).toEqual({ filename: 'Shields.xml', length: '145' });
    expect(pairs(must('PUT 3 OK 120', 's2c', 21))).toEqual({ result: 'OK', length: '120' });
    expect(pairs(must('NFY PUT 1200', 's2c', 21))).toEqual({ operation: 'PUT', length: '1200' });
  });

  it('switchboard commands', () => {
    expect(pairs(must('MSG 4 D 73', 'c2s', 9, 'SB'))).toEqual({ ackType: 'D', length: '73' });
    expect(pairs(must('MSG bob@x.com bob 73', 's2c', 9, 'SB'))).toEqual({ handle: 'bob@x.com', friendlyName: 'bob', length: '73' });
    expect(pairs(must('MSG Hotmail Hotmail 448', 's2c', 8, 'NS'))).toEqual({ handle: 'Hotmail', friendlyName: 'Hotmail', length: '448' });
    expect(match('MSG 4 D 73', 'c2s', 9, 'NS')).toBeNull();
    expect(pairs(must('ANS 1 bob@x.com 1.2.3 987654321', 'c2s', 8))).toEqual({ handle: 'bob@x.com', cookie: '1.2.3', sessionId: '987654321' });
    expect(pairs(must('CAL 1 RINGING 987654321', 's2c', 8))).toEqual({ state: 'RINGING', sessionId: '987654321' });
    expect(pairs(must('IRO 2 1 1 bob@x.com bob 1342554172', 's2c', 12))).toMatchObject({ index: '1', total: '1', capabilities: '1342554172' });
    expect(match('IRO 2 1 1 bob@x.com bob 1342554172', 's2c', 11)).toBeNull();
    expect(pairs(must('JOI bob@x.com bob', 's2c', 2))).toEqual({ handle: 'bob@x.com', friendlyName: 'bob' });
    expect(pairs(must('BYE bob@x.com 1', 's2c', 2))).toEqual({ handle: 'bob@x.com', timedOut: '1' });
    expect(must('ACK 2', 's2c', 9).trId).toBe(2);
    expect(match('ACK 2', 's2c', 21)).toBeNull();
  });

  it('OUT reasons', () => {
    expect(must('OUT', 'c2s', 8).fields).toEqual([]);
    const rct = must('OUT RCT 6', 's2c', 11);
    expect(pairs(rct)).toEqual({ reason: 'RCT', minutes: '6' });
    expect(field(rct, 'minutes').since).toBe('MSNP11');
    expect(match('OUT RCT 6', 's2c', 10)).toBeNull();
  });

  it('undocumented commands keep their tokens', () => {
    const m = must('GSB 5 a b', 'c2s', 11);
    expect(m.trId).toBe(5);
    expect(pairs(m)).toEqual({ args: 'a b' });
    expect(pairs(must('LKP x', 's2c', 12))).toEqual({ args: 'x' });
    expect(pairs(must('GET 4 100', 's2c', 21))).toEqual({ length: '100' });
  });

  it('version 0 tries 21 down to 2 and reports the version it used', () => {
    const m = must('XFR 3 NS 10.0.0.5:1863 0 10.0.0.1:1863', 's2c', 0);
    expect(m.version).toBe(12);
    expect(must('CHG 9 NLN 0', 's2c', 0).version).toBe(15);
    expect(must('CHG 9 NLN 0:0', 's2c', 0).version).toBe(21);
    expect(must('LSG 0 Other%20Contacts 0', 's2c', 0).version).toBe(9);
    expect(must('NLN NLN 1:bob@x.com Bob 2788:48 0', 's2c', 0).version).toBe(20);
  });

  it('rejects what does not fit', () => {
    expect(match('CHG NLN', 'c2s', 8)).toBeNull(); // missing TrID
    expect(match('CHG 9 NLN 0 x y', 'c2s', 9)).toBeNull(); // too many tokens
    expect(match('CHG 9 NLN 0', 'c2s', 7)).toBeNull(); // caps did not exist yet
    expect(match('LST 1 XL', 'c2s', 5)).toBeNull(); // literal
    expect(match('QRY 10 msmsgs@msnmsgr.com x', 'c2s', 6)).toBeNull(); // length pattern
    expect(match('ILN 1 NLN bob Bob', 's2c', 18)).toBeNull(); // outside the command's range
    expect(matchLayout(commandSpec('PNG')!, 's2c', 8, [])).toBeNull(); // no server form
  });

  it('collects decoder issues without failing the match', () => {
    const m = must('NLN NLN bob bad%zz 28', 's2c', 8);
    expect(field(m, 'friendlyName').decoded).toBe('bad%zz');
    expect(m.issues).toEqual(['friendlyName: malformed %-escape; shown undecoded']);
    expect(must('CHG 1 XXX', 'c2s', 5).issues[0]).toMatch(/^status: unknown status/);
  });

  it('rest parameters keep all remaining tokens', () => {
    const m = must('VER 1 MSNP8 MSNP7 CVR0', 'c2s', 8);
    expect(pairs(m)).toEqual({ dialects: 'MSNP8 MSNP7 CVR0' });
    expect(match('VER 1', 'c2s', 8)).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Every command line of the example sessions must match a layout at its version.

interface SessionLine { file: string; dir: Direction; text: string }

function sessionLines(file: string): SessionLine[] {
  const lines = readFileSync(path.join(referenceDir, 'sessions', file), 'utf8').split(/\r?\n/);
  const out: SessionLine[] = [];
  let open: SessionLine | null = null; // the command line that continuation lines extend
  for (const raw of lines) {
    if (raw.startsWith('C: ') || raw.startsWith('S: ')) {
      open = { file, dir: raw.startsWith('C: ') ? 'c2s' : 's2c', text: raw.slice(3) };
      out.push(open);
    } else if (raw.startsWith('.. ') && open) {
      const piece = raw.slice(3).trim();
      // msnp9's URL-encoded MSNObject pieces continue the same parameter; everything else is a new one.
      open.text += piece.startsWith('%20') ? piece : ` ${piece}`;
    } else {
      open = null; // payload body, narration or blank line
    }
  }
  return out;
}

/** The wiki's placeholders contain spaces (`$md5(prefix + password)`); on the wire they are one token. */
function normalisePlaceholders(text: string): string {
  return text.replace(/\$[a-z0-9]*\([^)]*\)/gi, (p) => p.replace(/ /g, ''));
}

describe('example sessions', () => {
  const files = readdirSync(path.join(referenceDir, 'sessions')).filter((f) => f.endsWith('.txt')).sort();

  it('are all present', () => {
    expect(files).toContain('msnp2.txt');
    expect(files).toContain('msnp14.txt');
    expect(files).toContain('cvr0.txt');
  });

  for (const file of files) {
    it(`${file}: every command line matches a layout`, () => {
      const version = file === 'cvr0.txt' ? 0 : Number(/^msnp(\d+)\.txt$/.exec(file)?.[1]);
      expect(Number.isInteger(version)).toBe(true);
      const lines = sessionLines(file);
      expect(lines.length).toBeGreaterThan(5);
      const failures: string[] = [];
      for (const line of lines) {
        const [command = '', ...tokens] = normalisePlaceholders(line.text).trim().split(/ +/);
        if (/^\d{3}$/.test(command)) continue; // error replies are not in the command table
        const spec = commandSpec(command);
        if (!spec) {
          failures.push(`unknown command: ${line.text}`);
          continue;
        }
        if (version !== 0 && (version < spec.from || version > spec.to)) failures.push(`out of range: ${line.text}`);
        if (!matchLayout(spec, line.dir, version, tokens)) failures.push(`no layout (${line.dir}): ${line.text}`);
      }
      expect(failures).toEqual([]);
    });
  }

  it('joins continuation lines as the sessions README describes', () => {
    const msnp9 = sessionLines('msnp9.txt');
    const iln = msnp9.find((l) => l.text.startsWith('ILN '));
    expect(iln?.text.split(' ')).toHaveLength(7); // ILN trid status handle friendly caps msnobj
    const m = must(iln?.text ?? '', 's2c', 9);
    expect(field(m, 'msnObject').decoded).toBe('Creator=anotherdude@hotmail.com Type=3 (display picture) Size=25235 Location=uexA4DE.dat Friendly=AAA=');
    const cvr = sessionLines('msnp8.txt').find((l) => l.dir === 's2c' && l.text.startsWith('CVR '));
    expect(pairs(must(cvr?.text ?? '', 's2c', 8)).infoUrl).toBe('http://messenger.microsoft.com');
  });

  it('payload lines are not taken for commands', () => {
    const msnp6 = sessionLines('msnp6.txt').map((l) => l.text);
    expect(msnp6).toContain('QRY 10 msmsgs@msnmsgr.com 32');
    expect(msnp6.some((t) => t.startsWith('3b6666b6'))).toBe(false);
  });
});
