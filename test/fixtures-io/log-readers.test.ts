// The Pidgin/libpurple debug log and Escargot server log readers, on samples written after what those
// programs print (libpurple's show_debug_cmd and msn_message_show_readable; Escargot's Logger and
// MSNPReader/MSNPWriter), then imported as sessions linked like live ones.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureStore } from '../../proxy/capture/store.js';
import { decodeChunks } from '../../proxy/decode/decode-chunks.js';
import { looksLikeEscargot, pythonBytes, readEscargot } from '../../proxy/decode/inputs/escargot.js';
import { readInput } from '../../proxy/decode/inputs/detect.js';
import { looksLikePidgin, readPidgin } from '../../proxy/decode/inputs/pidgin.js';
import { cli, type TempDir, tempDir } from './helpers.js';

const CRLF = '\r\n';
const profile = ['MIME-Version: 1.0', 'Content-Type: text/x-msmsgsprofile; charset=UTF-8', 'LoginTime: 1220000000', 'EmailEnabled: 0', 'MemberIdHigh: 1', 'MemberIdLow: 2', 'lang_preference: 1033', 'MSPAuth: 8Auth$$', 'ClientIP: 192.0.2.7', 'ClientPort: 18183', '', ''].join(CRLF);
const hello = ['MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', 'X-MMS-IM-Format: FN=Segoe%20UI; EF=; CO=0; CS=0; PF=0', '', 'Hello Bob ☃'].join(CRLF);
const reply = ['MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', 'X-MMS-IM-Format: FN=Arial; EF=; CO=0; CS=0; PF=0', '', 'hi'].join(CRLF);
const len = (s: string) => Buffer.byteLength(s);
/** msn_message_show_readable's dump: the text between braces, with its extra CRLF before the "}". */
const dump = (info: string, body: string) => `(13:02:14) msn: Message ${info}:\n{${body}${CRLF}}\n`;

const PIDGIN = [
  '(13:02:10) account: Connecting to account alice@example.com.',
  '(13:02:10) msn: C: NS 000: VER 1 MSNP15 MSNP14 MSNP13 CVR0',
  '(13:02:11) msn: S: NS 000: VER 1 MSNP15',
  '(13:02:11) msn: C: NS 000: CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 8.5.1288 msmsgs alice@example.com',
  '(13:02:11) msn: S: NS 000: CVR 2 8.5.1288 8.5.1288 8.5.1288 http://msgr.example.com http://messenger.example.com',
  '(13:02:11) msn: C: NS 000: USR 3 SSO I alice@example.com',
  '(13:02:11) msn: S: NS 000: XFR 3 NS 207.46.108.38:1863 U D',
  '(13:02:11) msn: C: NS 000: VER 4 MSNP15 MSNP14 MSNP13 CVR0',
  '(13:02:12) msn: S: NS 000: VER 4 MSNP15',
  '(13:02:12) msn: C: NS 000: USR 5 SSO I alice@example.com',
  '(13:02:12) msn: S: NS 000: USR 5 SSO S MBI_KEY_OLD 8CLhG/xfgYZ7TyRQ/jIAWyDmd/w4R4GF2yKLS6tYrnjzi4cFag/Nr+hxsfg5zlCf',
  '(13:02:13) msn: C: NS 000: USR 6 SSO S t=EwCoAfAQ&p= HAAAAAEAAAADZgAABIAAAAgAAAAUAAAASAAAAA==',
  '(13:02:13) msn: S: NS 000: USR 6 OK alice@example.com 1 0',
  `(13:02:13) msn: S: NS 000: MSG Hotmail Hotmail ${len(profile)}`,
  '(13:02:13) msn: Processing MSG... ',
  dump('Notification', profile).trimEnd(),
  '(13:02:13) msn: C: NS 000: ADL 7 62',
  '(13:02:13) msn: S: NS 000: ADL 7 OK',
  '(13:02:14) msn: C: NS 000: XFR 8 SB',
  '(13:02:14) msn: S: NS 000: XFR 8 SB 207.46.26.160:1863 CKI 1123456789.987654321.12345 U messenger.msn.com 1',
  '(13:02:14) msn: C: SB 001: USR 1 alice@example.com 1123456789.987654321.12345',
  '(13:02:14) msn: S: SB 001: USR 1 OK alice@example.com Alice',
  '(13:02:14) msn: C: SB 001: CAL 2 bob@example.com',
  '(13:02:14) msn: S: SB 001: CAL 2 RINGING 22222',
  '(13:02:15) msn: S: SB 001: JOI bob@example.com Bob 1342177280',
  `(13:02:15) msn: SB length:{${len(hello)}}`,
  dump('SB SEND', hello).trimEnd(),
  `(13:02:15) msn: C: SB 001: MSG 3 A ${len(hello)}`,
  '(13:02:15) msn: S: SB 001: ACK 3',
  `(13:02:16) msn: S: SB 001: MSG bob@example.com Bob ${len(reply)}`,
  dump('SB RECV', reply).trimEnd(),
  '(13:02:17) msn: C: SB 001: OUT',
  '(13:02:18) msn: C: NS 000: OUT',
].join('\n');

/** Python's repr() of bytes, as Escargot prints payloads. */
function pyBytes(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text)) {
    if (byte === 0x0d) out += '\\r';
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte === 0x27) out += "\\'";
    else if (byte < 0x20 || byte > 0x7e) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return `b'${out}'`;
}

const adl = '<ml l="1"><d n="example.com"><c n="bob" l="3" t="1"/></d></ml>';
const ESCARGOT = [
  'Serving on 0.0.0.0:1863',
  '2021-03-04 05:06:07,100 NS/3fa2 con',
  '2021-03-04 05:06:07,101 NS/3fa2 >>> VER 1 MSNP18 MSNP17 CVR0',
  '2021-03-04 05:06:07,102 NS/3fa2 <<< VER 1 MSNP18',
  'NS/3fa2 >>> CVR 2 0x0409 winnt 6.1.1 i386 MSNMSGR 14.0.8117.0416 msmsgs alice@example.com',
  'NS/3fa2 <<< CVR 2 14.0.8117.0416 14.0.8117.0416 14.0.8117.0416 https://escargot.example https://escargot.example',
  'NS/3fa2 >>> USR 3 SSO I alice@example.com',
  'NS/3fa2 <<< GCF 0 4',
  pyBytes('<x/>'),
  'NS/3fa2 <<< USR 3 SSO S MBI_KEY_OLD 8CLhG/xfgYZ7TyRQ/jIAWyDmd/w4R4GF2yKLS6tYrnjzi4cFag/Nr+hxsfg5zlCf',
  'NS/3fa2 >>> USR 4 SSO S t=EwCoAfAQ&p= HAAAAAEAAAADZgAABIAAAAgAAAAUAAAASAAAAA== {f52973b6-c926-4bad-9ba8-7c1e840e4ab0}',
  'NS/3fa2 <<< USR 4 OK alice@example.com 1 0',
  // Escargot's truncated logging: its own MSG line ends in the digit count of the length …
  `NS/3fa2 <<< MSG Hotmail Hotmail ${String(len(profile)).length}`,
  pyBytes(profile),
  // … and the client's ADL/MSG lose the token before the (popped) length.
  'NS/3fa2 >>> ADL 1',
  pyBytes(adl),
  'NS/3fa2 <<< ADL 5 OK',
  'NS/3fa2 >>> XFR 6 SB',
  'NS/3fa2 <<< XFR 6 SB 127.0.0.1:1864 CKI 1234567890.abcdef U messenger.msn.com 1',
  'SB/91bc con',
  'SB/91bc >>> USR 1 alice@example.com;{f52973b6-c926-4bad-9ba8-7c1e840e4ab0} 1234567890.abcdef',
  'SB/91bc <<< USR 1 OK alice@example.com;{f52973b6-c926-4bad-9ba8-7c1e840e4ab0} Alice',
  'SB/91bc >>> CAL 2 bob@example.com',
  'SB/91bc <<< CAL 2 RINGING 1234',
  'SB/91bc >>> MSG 3 1',
  pyBytes(hello),
  'SB/91bc <<< ACK 3',
  'SB/91bc >>> OUT',
  'SB/91bc dis',
  'NS/3fa2 >>> OUT',
  'NS/3fa2 dis',
].join('\n');

let tmp: TempDir;
beforeAll(() => {
  tmp = tempDir();
  writeFileSync(tmp.file('purple-debug.log'), PIDGIN);
  writeFileSync(tmp.file('escargot.log'), ESCARGOT);
});
afterAll(() => tmp.remove());

describe('Pidgin / libpurple debug logs', () => {
  it('rebuilds frames from command lines and message dumps, one connection per server connection', () => {
    expect(looksLikePidgin(PIDGIN)).toBe(true);
    const input = readPidgin(PIDGIN);
    expect(input.connections.map((c) => c.conn)).toEqual(['NS000', 'NS000.2', 'SB001']);
    const frames = decodeChunks(input.chunks).frames;
    const profileFrame = frames.find((f) => f.command === 'MSG' && f.dir === 's2c' && f.params[0] === 'Hotmail')!;
    expect(profileFrame.payloadLength).toBe(len(profile));
    const sent = input.chunks.find((c) => c.conn === 'SB001' && c.bytes.toString().startsWith('MSG 3 A'))!;
    expect(sent.bytes.toString()).toBe(`MSG 3 A ${len(hello)}\r\n${hello}`);
    const got = input.chunks.find((c) => c.conn === 'SB001' && c.bytes.toString().startsWith('MSG bob'))!;
    expect(got.bytes.toString()).toBe(`MSG bob@example.com Bob ${len(reply)}\r\n${reply}`);
    // The ADL body is never logged: its length becomes 0 so the frames after it still frame.
    const adlLine = PIDGIN.split('\n').indexOf('(13:02:13) msn: C: NS 000: ADL 7 62') + 1;
    expect(input.issues).toEqual([`line ${adlLine}: the payload of "ADL 7 62" is not in the log; its length was set to 0`]);
    expect(frames.filter((f) => f.kind === 'raw')).toEqual([]);
    expect(frames.map((f) => f.issues).flat().filter((i) => /unanswered|length/.test(i))).toEqual([]);
    expect(input.chunks[0]!.t_ms).toBe((13 * 3600 + 2 * 60 + 10) * 1000);
  });

  it('imports as a session: dispatch → NS → SB, linked by the XFR NS and the cookie', async () => {
    const capture = tmp.file('pidgin.db');
    const result = await cli('import', '--capture', capture, tmp.file('purple-debug.log'));
    expect(result.code, result.err).toBe(0);
    expect(result.out).toMatch(/purple-debug\.log: pidgin, session 1: 3 connections, 27 frames/);
    const store = CaptureStore.open(capture, { readonly: true });
    try {
      expect(store.listSessions()[0]).toMatchObject({ imported: 'purple-debug.log', handle: 'alice@example.com' });
      const conns = store.listConnections(1);
      expect(conns.map((c) => [c.label, c.kind, c.version, c.upstream, c.cookie])).toEqual([
        ['ds1', 'dispatch', 15, 'unknown', null],
        ['ns1', 'ns', 15, '207.46.108.38:1863', null],
        ['sb1', 'sb', 15, '207.46.26.160:1863', '1123456789.987654321.12345'],
      ]);
      expect(conns.map((c) => c.referredBy)).toEqual([null, conns[0]!.id, conns[1]!.id]);
    } finally {
      store.close();
    }
  });
});

describe('Escargot server logs', () => {
  it('reads >>>/<<< lines per connection id, payloads from bytes literals, and undoes truncated logging', () => {
    expect(looksLikeEscargot(ESCARGOT)).toBe(true);
    expect(readInput(Buffer.from(ESCARGOT)).chunks).toEqual([]); // decode does not read logs: import does
    const input = readEscargot(ESCARGOT);
    expect(input.connections.map((c) => c.conn)).toEqual(['NS/3fa2', 'SB/91bc']);
    const lines = input.chunks.map((c) => c.bytes.toString().split('\r\n')[0]);
    expect(lines).toContain(`MSG Hotmail Hotmail ${len(profile)}`);
    expect(lines).toContain(`ADL ? ${len(adl)}`);
    expect(lines).toContain(`MSG 3 ? ${len(hello)}`);
    expect(input.chunks.find((c) => c.bytes.toString().startsWith('MSG 3'))!.bytes.toString()).toBe(`MSG 3 ? ${len(hello)}\r\n${hello}`);
    expect(input.issues.filter((i) => /truncated/.test(i))).toHaveLength(2);
    expect(input.chunks[0]!.t_ms).toBe(Date.UTC(2021, 2, 4, 5, 6, 7, 101));
    const frames = decodeChunks(input.chunks).frames;
    expect(frames.filter((f) => f.kind === 'raw')).toEqual([]);
    expect(frames.find((f) => f.command === 'GCF')?.payloadLength).toBe(4);
    expect(pythonBytes(String.raw`a\'b\\c\x00\xe2\x98\x83`)).toEqual(Buffer.from([0x61, 0x27, 0x62, 0x5c, 0x63, 0, 0xe2, 0x98, 0x83]));
  });

  it('imports as a session with the switchboard linked to the notification server by its cookie', async () => {
    const capture = tmp.file('escargot.db');
    const result = await cli('import', '--capture', capture, tmp.file('escargot.log'));
    expect(result.code, result.err).toBe(0);
    const store = CaptureStore.open(capture, { readonly: true });
    try {
      const conns = store.listConnections(1);
      expect(conns.map((c) => [c.label, c.kind, c.version, c.cookie])).toEqual([
        ['ns1', 'ns', 18, null], ['sb1', 'sb', 18, '1234567890.abcdef'],
      ]);
      expect(conns[1]?.referredBy).toBe(conns[0]?.id);
      expect(conns[1]?.upstream).toBe('127.0.0.1:1864');
    } finally {
      store.close();
    }
  });

  it('reads logs without connection ids as one connection per client VER', () => {
    const bare = ['>>> VER 1 MSNP8 CVR0', '<<< VER 1 MSNP8', '>>> USR 2 TWN I a@b.c', '<<< XFR 2 NS 10.0.0.5:1863 0 10.0.0.1:1863', '>>> VER 3 MSNP8 CVR0', '<<< VER 3 MSNP8'].join('\n');
    expect(looksLikeEscargot(bare)).toBe(true);
    const input = readEscargot(bare);
    expect(input.connections.map((c) => c.conn)).toEqual(['conn', 'conn.2']);
    expect(decodeChunks(input.chunks).frames.map((f) => f.command)).toEqual(['VER', 'VER', 'USR', 'XFR', 'VER', 'VER']);
  });
});
