// Writes the bundled demo captures (chunk JSONL). Run: npx tsx captures/demo/make-demo.ts
// The sessions are written for msnp-inspector: real-shaped traffic with placeholder accounts
// (example.com), documentation addresses (192.0.2.0/24) and fake tickets. Each string in a `reads`
// list is one TCP read, so some reads hold several commands and some end in the middle of one.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Chunk } from '../../proxy/decode/inputs/types.js';
import { writeChunksJsonl } from '../../proxy/decode/inputs/chunks-jsonl.js';

type Step = [conn: string, dir: 'c2s' | 's2c', read: string];

/** `MSG`-style payload command: the length is counted in bytes. */
const withPayload = (line: string, body: string) => `${line} ${Buffer.byteLength(body)}\r\n${body}`;
const crlf = (...lines: string[]) => lines.map((l) => `${l}\r\n`).join('');

const profile = crlf(
  'MIME-Version: 1.0', 'Content-Type: text/x-msmsgsprofile; charset=UTF-8', 'LoginTime: 1063045200',
  'EmailEnabled: 1', 'MemberIdHigh: 84907', 'MemberIdLow: -1259271168', 'lang_preference: 1033',
  'preferredEmail: alice@example.com', 'country: US', 'PostalCode: 98052', 'Gender: f', 'Kid: 0', 'Age: ',
  'BDayPre: ', 'Birthday: ', 'Wallet: ', 'Flags: 1027', 'sid: 507', 'kv: 5',
  'MSPAuth: 7ExampleAuthTicketNotRealAbCdEfGhIjKlMnOpQrStUvWxYz0123456789$$', 'ClientIP: 192.0.2.99',
  'ClientPort: 20001', '',
);
const typing = crlf('MIME-Version: 1.0', 'Content-Type: text/x-msmsgscontrol', 'TypingUser: alice@example.com', '', '');
const hello = `${crlf('MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', 'X-MMS-IM-Format: FN=Arial; EF=B; CO=ff0000; CS=0; PF=22', '')}Hello Bob! Lunch at noon?`;
const reply = `${crlf('MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', 'X-MMS-IM-Format: FN=Comic%20Sans%20MS; EF=I; CO=008000; CS=0; PF=0', '')}Sure — see you there <b>not bold</b>`;
const invite = `${crlf('MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', 'X-MMS-IM-Format: FN=Tahoma; EF=; CO=0; CS=0; PF=0', '')}<img src=x onerror=alert(document.domain)> hi Alice`;
const ticket = 't=FAKE*TicketForDemoOnly*0123456789abcdefABCDEF!xyz$$&p=FAKE*ProfileForDemoOnly*9876543210$$';

const MSNP8: Step[] = [
  ['ds1', 'c2s', 'VER 1 MSNP8 CVR0\r\n'],
  ['ds1', 's2c', 'VER 1 MSNP8 CVR0\r\n'],
  ['ds1', 'c2s', 'CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0208 MSMSGS alice@example.com\r\n'],
  ['ds1', 's2c', 'CVR 2 6.2.0208 6.2.0208 6.2.0205 http://download.example.com/msn/setup.exe http://messenger.example.com\r\n'],
  ['ds1', 'c2s', 'USR 3 TWN I alice@example.com\r\n'],
  ['ds1', 's2c', 'XFR 3 NS 192.0.2.5:1863 0 192.0.2.1:1863\r\n'],
  ['ns1', 'c2s', 'VER 4 MSNP8 CVR0\r\n'],
  ['ns1', 's2c', 'VER 4 MSNP8 CVR0\r\n'],
  ['ns1', 'c2s', 'CVR 5 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0208 MSMSGS alice@example.com\r\n'],
  ['ns1', 's2c', 'CVR 5 6.2.0208 6.2.0208 6.2.0205 http://download.example.com/msn/setup.exe http://messenger.example.com\r\n'],
  ['ns1', 'c2s', 'USR 6 TWN I alice@example.com\r\n'],
  ['ns1', 's2c', 'USR 6 TWN S lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1063045200,kpp=1,kv=5,ver=2.1.0173.1,tpf=0123456789abcdef0123456789abcdef\r\n'],
  ['ns1', 'c2s', `USR 7 TWN S ${ticket}\r\n`],
  // The sign-in reply and the first half of the profile arrive together; the profile ends in the next read.
  ['ns1', 's2c', `USR 7 OK alice@example.com Alice%20%28at%20work%29 1 0\r\n${withPayload('MSG Hotmail Hotmail', profile).slice(0, 300)}`],
  ['ns1', 's2c', withPayload('MSG Hotmail Hotmail', profile).slice(300)],
  ['ns1', 'c2s', 'SYN 8 0\r\n'],
  ['ns1', 's2c', 'SYN 8 4 2 1\r\n'],
  ['ns1', 's2c', 'GTC A\r\nBLP AL\r\nPRP MFN Alice%20%28at%20work%29\r\nLSG 0 Other%20Contacts 0\r\n'],
  // A contact's line is cut in the middle of a command, the next read completes it.
  ['ns1', 's2c', 'LST bob@example.com Bob 11 0\r\nBPR PHH 555%2D0100\r\nLST carol@example.com Car'],
  ['ns1', 's2c', 'ol%20%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E 13 0\r\n'],
  ['ns1', 'c2s', 'CHG 9 NLN 268435492\r\n'],
  ['ns1', 's2c', 'CHG 9 NLN 268435492\r\nILN 9 NLN bob@example.com Bob 268435492\r\nILN 9 AWY carol@example.com Car'],
  ['ns1', 's2c', 'ol%20%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E 268435456\r\n'],
  ['ns1', 's2c', 'CHL 0 29409134351025259292\r\n'],
  ['ns1', 'c2s', 'QRY 10 msmsgs@msnmsgr.com 32\r\nd0c1178c689350104350d99f8c36ed9c'],
  ['ns1', 's2c', 'QRY 10\r\n'],
  ['ns1', 'c2s', 'XFR 11 SB\r\n'],
  ['ns1', 's2c', 'XFR 11 SB 192.0.2.20:1863 CKI 17262740.1063045201.32308\r\n'],
  ['sb1', 'c2s', 'USR 1 alice@example.com 17262740.1063045201.32308\r\n'],
  ['sb1', 's2c', 'USR 1 OK alice@example.com Alice%20%28at%20work%29\r\n'],
  ['sb1', 'c2s', 'CAL 2 bob@example.com\r\n'],
  ['sb1', 's2c', 'CAL 2 RINGING 11752099\r\n'],
  ['sb1', 's2c', 'JOI bob@example.com Bob\r\n'],
  ['sb1', 'c2s', withPayload('MSG 3 U', typing)],
  ['sb1', 'c2s', withPayload('MSG 4 A', hello)],
  ['sb1', 's2c', 'ACK 4\r\n'],
  ['sb1', 's2c', withPayload('MSG bob@example.com Bob', reply)],
  ['ns1', 's2c', 'NLN BSY bob@example.com Bob 268435492\r\n'],
  ['ns1', 's2c', 'RNG 11752013 192.0.2.21:1863 CKI 849102291.520491113 carol@example.com Carol\r\n'],
  ['sb2', 'c2s', 'ANS 1 alice@example.com 849102291.520491113 11752013\r\n'],
  ['sb2', 's2c', 'IRO 1 1 1 carol@example.com Carol\r\nANS 1 OK\r\n'],
  ['sb2', 's2c', withPayload('MSG carol@example.com Carol', invite)],
  ['ns1', 'c2s', 'PNG\r\n'],
  ['ns1', 's2c', 'QNG\r\n'],
  ['ns1', 'c2s', 'ADD 12 FL dave@example.com dave@example.com 0\r\n'],
  ['ns1', 's2c', '201 12\r\n'],
  ['sb1', 's2c', 'BYE bob@example.com\r\n'],
  ['sb1', 'c2s', 'OUT\r\n'],
  ['sb2', 'c2s', 'OUT\r\n'],
  ['ns1', 'c2s', 'OUT\r\n'],
];

const guid = '{f52973b6-c926-4bad-9ba8-7c1e840e4ab0}';
const caps = '2789003324:48';
const psm = '<Data><PSM>Back from lunch &amp; coding</PSM><CurrentMedia></CurrentMedia><MachineGuid>{B9A0C1D2-0000-4000-8000-00AABBCCDDEE}</MachineGuid></Data>';
const policies = '<Policies><Policy type="SHIELDS" checksum="D9705A71BA841CB38955822E048970C3"><config><shield><cli maj="7" min="0" minbld="0" maxbld="9999" deny=" "/></shield><block></block></config></Policy></Policies>';
const nudge = crlf('MIME-Version: 1.0', 'Content-Type: text/x-msnmsgr-datacast', '', 'ID: 1', '');
const hello18 = `${crlf('MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', 'X-MMS-IM-Format: FN=Segoe%20UI; EF=; CO=0; CS=1; PF=0', '')}Are you coming to the meeting?`;

const MSNP18: Step[] = [
  ['ds1', 'c2s', 'VER 1 MSNP18 MSNP17 CVR0\r\n'],
  ['ds1', 's2c', 'VER 1 MSNP18\r\n'],
  ['ds1', 'c2s', 'CVR 2 0x0409 winnt 6.1.0 i386 MSNMSGR 14.0.8117.0416 msmsgs dana@example.com\r\n'],
  ['ds1', 's2c', 'CVR 2 14.0.8117 14.0.8117 14.0.8117 http://download.example.com/wlm/setup.exe http://messenger.example.com\r\n'],
  ['ds1', 'c2s', 'USR 3 SSO I dana@example.com\r\n'],
  ['ds1', 's2c', 'XFR 3 NS 192.0.2.5:1863 U D\r\n'],
  ['ns1', 'c2s', 'VER 4 MSNP18 MSNP17 CVR0\r\n'],
  ['ns1', 's2c', 'VER 4 MSNP18\r\n'],
  ['ns1', 'c2s', 'CVR 5 0x0409 winnt 6.1.0 i386 MSNMSGR 14.0.8117.0416 msmsgs dana@example.com\r\n'],
  ['ns1', 's2c', 'CVR 5 14.0.8117 14.0.8117 14.0.8117 http://download.example.com/wlm/setup.exe http://messenger.example.com\r\n'],
  ['ns1', 'c2s', 'USR 6 SSO I dana@example.com\r\n'],
  ['ns1', 's2c', `${withPayload('GCF 0', policies)}USR 6 SSO S MBI_KEY_OLD 8CLhG/xfgYZ7TyRQ/jIAWyDmd/w4R4GF2yKLS6tYrnjzi4cFag/Nr+hxsfg5zzAt\r\n`],
  ['ns1', 'c2s', `USR 7 SSO S t=FAKE-compact-ticket-for-demo&p= HAAAAAEAAAADZgAABIAAAAgAAAAUAAAASAAAAAAAAAAAAAAA ${guid}\r\n`],
  ['ns1', 's2c', 'USR 7 OK dana@example.com 1 0\r\nSBS 0 null\r\n'],
  ['ns1', 's2c', withPayload('MSG Hotmail Hotmail', crlf('MIME-Version: 1.0', 'Content-Type: text/x-msmsgsprofile; charset=UTF-8', 'LoginTime: 1262304000', 'EmailEnabled: 1', 'MemberIdHigh: 3061839339', 'MemberIdLow: 496352507', 'lang_preference: 1033', 'preferredEmail: ', 'country: ', 'PostalCode: ', 'Gender: ', 'Kid: 0', 'Age: ', 'BDayPre: ', 'Birthday: ', 'Wallet: ', 'Flags: 536872513', 'sid: 507', 'MSPAuth: FakeDemoAuth$$', 'ClientIP: 192.0.2.99', 'ClientPort: 20001', 'ABCHMigrated: 1', 'MPOPEnabled: 1', ''))],
  ['ns1', 'c2s', 'BLP 8 AL\r\n'],
  ['ns1', 's2c', 'BLP 8 AL\r\n'],
  ['ns1', 'c2s', withPayload('ADL 9', '<ml l="1"><d n="example.com"><c n="erin" l="3" t="1"/><c n="frank" l="11" t="1"/></d></ml>')],
  ['ns1', 's2c', 'ADL 9 OK\r\n'],
  ['ns1', 'c2s', `CHG 10 NLN ${caps} 0\r\n`],
  ['ns1', 's2c', `CHG 10 NLN ${caps} 0\r\n`],
  ['ns1', 'c2s', withPayload('UUX 11', psm)],
  ['ns1', 's2c', 'UUX 11 0\r\n'],
  // Presence of two contacts arrives in one read, the second cut mid-command.
  ['ns1', 's2c', `NLN NLN 1:erin@example.com Erin%20%E2%99%AB ${caps} 0\r\nNLN AWY 1:frank@example.com Frank ${caps.slice(0, 4)}`],
  ['ns1', 's2c', `${caps.slice(4)} 0\r\n${withPayload('UBX 1:erin@example.com', '<Data><PSM>on holiday</PSM><CurrentMedia></CurrentMedia></Data>')}`],
  ['ns1', 's2c', 'CHL 0 11533365622852247127\r\n'],
  ['ns1', 'c2s', 'QRY 12 PROD0113H11T8$X_ 32\r\nf086d1ded067186deca8dba2231602cf'],
  ['ns1', 's2c', 'QRY 12\r\n'],
  ['ns1', 'c2s', 'XFR 13 SB\r\n'],
  ['ns1', 's2c', 'XFR 13 SB 192.0.2.20:1863 CKI 1743541204.2394 U messenger.msn.com 1\r\n'],
  ['sb1', 'c2s', `USR 1 dana@example.com;${guid} 1743541204.2394\r\n`],
  ['sb1', 's2c', 'USR 1 OK dana@example.com;{f52973b6-c926-4bad-9ba8-7c1e840e4ab0} Dana\r\n'],
  ['sb1', 'c2s', 'CAL 2 erin@example.com\r\n'],
  ['sb1', 's2c', 'CAL 2 RINGING 4324234\r\n'],
  ['sb1', 's2c', `JOI erin@example.com;{0a1b2c3d-0000-4000-8000-000000000001} Erin%20%E2%99%AB ${caps}\r\n`],
  ['sb1', 'c2s', withPayload('MSG 3 A', hello18)],
  ['sb1', 's2c', 'ACK 3\r\n'],
  ['sb1', 's2c', withPayload('MSG erin@example.com Erin%20%E2%99%AB', nudge)],
  ['ns1', 's2c', 'FLN 1:frank@example.com 0:0\r\n'],
  ['ns1', 'c2s', 'PNG\r\n'],
  ['ns1', 's2c', 'QNG 50\r\n'],
  ['sb1', 'c2s', 'OUT\r\n'],
  ['ns1', 'c2s', 'OUT\r\n'],
];

function toChunks(steps: Step[], start: number): Chunk[] {
  return steps.map(([conn, dir, read], i) => ({ conn, dir, t_ms: start + i * 37 + (dir === 's2c' ? 21 : 0), bytes: Buffer.from(read, 'utf8') }));
}

const here = dirname(fileURLToPath(import.meta.url));
writeFileSync(join(here, 'msnp8-demo.jsonl'), writeChunksJsonl(toChunks(MSNP8, 1_063_045_200_000)));
writeFileSync(join(here, 'msnp18-demo.jsonl'), writeChunksJsonl(toChunks(MSNP18, 1_262_304_000_000)));
