// Sign-in and chat scripts in the shapes of several protocol versions: dispatch → NS → a switchboard the
// client opens (XFR SB) → a switchboard it is invited to (RNG). Fake servers: DS, NS, SB, SB2.
import { Playbook } from '../helpers/playbook.js';

export const SERVERS = ['DS', 'NS', 'SB', 'SB2'];

const text = (body: string, format = 'FN=Segoe%20UI; EF=; CO=0; CS=0; PF=0') =>
  `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: ${format}\r\n\r\n${body}`;
const typing = (who: string) => `MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: ${who}\r\n\r\n\r\n`;
const profile = (extra: string) =>
  `MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\nLoginTime: 1100000000\r\nEmailEnabled: 1\r\nMemberIdHigh: 1\r\nMemberIdLow: 2\r\nlang_preference: 1033\r\n${extra}\r\n`;

export interface Scenario {
  version: number;
  play: Playbook;
  /** Frames per connection label, as the script sends them. */
  frames: Record<string, number>;
}

/** Counts frames per connection in a playbook built only from c()/s() steps. */
function count(play: Playbook): Record<string, number> {
  const out: Record<string, number> = {};
  for (const st of play.steps) if (st.op === 'c2s' || st.op === 's2c') out[st.conn] = (out[st.conn] ?? 0) + 1;
  return out;
}

export function scenario(version: 2 | 8 | 12 | 15 | 18): Scenario {
  const v = `MSNP${version}`;
  const p = new Playbook(SERVERS);
  const alice = 'alice@example.com';
  const me = version >= 16 ? `${alice};{f52973b6-c926-4bad-9ba8-7c1e840e4ab0}` : alice;
  const bob = version >= 18 ? '1:bob@example.com' : 'bob@example.com';

  // Dispatch server.
  p.connect('ds1', 'DS').c('ds1', `VER 1 ${v} CVR0`).s('ds1', `VER 1 ${v}`);
  if (version < 8) p.c('ds1', 'INF 2').s('ds1', 'INF 2 MD5');
  else p.c('ds1', `CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 8.5.1302 msmsgs ${alice}`).s('ds1', 'CVR 2 8.5.1302 8.5.1302 8.1.0178 http://example.com/setup.exe http://example.com');
  const pkg = version < 8 ? 'MD5' : version < 15 ? 'TWN' : 'SSO';
  p.c('ds1', `USR 3 ${pkg} I ${alice}`);
  if (version === 2) p.s('ds1', 'XFR 3 NS {NS}');
  else if (version < 13) p.s('ds1', 'XFR 3 NS {NS} 0 {DS}');
  else p.s('ds1', 'XFR 3 NS {NS} U D');
  p.close('ds1', 'server');

  // Notification server.
  p.connect('ns1', 'NS').c('ns1', `VER 4 ${v} CVR0`).s('ns1', `VER 4 ${v}`);
  if (version < 8) {
    p.c('ns1', 'INF 5').s('ns1', 'INF 5 MD5');
    p.c('ns1', `USR 6 MD5 I ${alice}`).s('ns1', 'USR 6 MD5 S 1013928519.693957190');
    p.c('ns1', 'USR 7 MD5 S 23e54b6ec0d62c2e2cfd4c2ae8baf1a5').s('ns1', `USR 7 OK ${alice} Alice`);
  } else if (version < 15) {
    p.c('ns1', `CVR 5 0x0409 winnt 5.1 i386 MSNMSGR 7.5.0324 msmsgs ${alice}`).s('ns1', 'CVR 5 7.5.0324 7.5.0324 7.0.0777 http://example.com/setup.exe http://example.com');
    p.c('ns1', `USR 6 TWN I ${alice}`).s('ns1', 'USR 6 TWN S lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1100000000,kpp=1,kv=7,ver=2.1.6000.1,rn=abcdef,tpf=0123456789abcdef');
    p.c('ns1', 'USR 7 TWN S t=FAKEticket$$&p=FAKEprofile$$').s('ns1', version < 10 ? `USR 7 OK ${alice} Alice 1 0` : `USR 7 OK ${alice} 1 0`);
  } else {
    p.c('ns1', `CVR 5 0x0409 winnt 6.1 i386 MSNMSGR 14.0.8117 msmsgs ${alice}`).s('ns1', 'CVR 5 14.0.8117 14.0.8117 14.0.8117 http://example.com/setup.exe http://example.com');
    p.c('ns1', `USR 6 SSO I ${alice}`);
    p.s('ns1', 'GCF 0 55', '<Policies><Policy type="SHIELDS"><config/></Policy></Policies>'.padEnd(55, ' ').slice(0, 55));
    p.s('ns1', 'USR 6 SSO S MBI_KEY_OLD Fn7oFnY9ftA1hUOcKqT1Xb2pjnl8VvE0FvBwfQN1Fdqd0TKKGjyk6odYb1/QkUyZ');
    p.c('ns1', `USR 7 SSO S t=FAKEticket&p= HAAAAAEAAAADZgAABIAAAAgAAAAUAAAASAAAAA==${version >= 16 ? ' {f52973b6-c926-4bad-9ba8-7c1e840e4ab0}' : ''}`).s('ns1', `USR 7 OK ${alice} 1 0`);
  }
  p.s('ns1', 'MSG Hotmail Hotmail', profile(version >= 8 ? 'ClientIP: 192.0.2.1\r\nClientPort: 4660\r\n' : ''));
  if (version < 13) p.c('ns1', version < 10 ? 'SYN 8 0' : 'SYN 8 0 0').s('ns1', version < 8 ? 'SYN 8 1' : version < 10 ? 'SYN 8 1 1 0' : 'SYN 8 2005-01-01T00:00:00.0000000-08:00 2005-01-01T00:00:00.0000000-08:00 1 0');
  else p.c('ns1', 'ADL 8', '<ml l="1"><d n="example.com"><c n="bob" l="3" t="1"/></d></ml>').s('ns1', 'ADL 8 OK');
  const caps = version < 8 ? '' : version < 16 ? ' 1342177280' : ' 2789003324:48';
  p.c('ns1', `CHG 9 NLN${caps}`).s('ns1', `CHG 9 NLN${caps}`);
  if (version < 14) p.s('ns1', `NLN NLN ${bob} Bob${caps}`);
  else if (version < 18) p.s('ns1', `NLN NLN ${bob} 1 Bob${caps}`);
  else p.s('ns1', `NLN NLN ${bob} Bob${caps} 0`);

  // A switchboard the client asks for.
  p.c('ns1', 'XFR 10 SB');
  const cookie = '17262740.1050826919.32308';
  if (version < 13) p.s('ns1', `XFR 10 SB {SB} CKI ${cookie}`);
  else if (version < 14) p.s('ns1', `XFR 10 SB {SB} CKI ${cookie} U messenger.msn.com`);
  else p.s('ns1', `XFR 10 SB {SB} CKI ${cookie} U messenger.msn.com 1`);
  p.connect('sb1', 'SB').c('sb1', `USR 1 ${me} ${cookie}`).s('sb1', `USR 1 OK ${me} Alice`);
  p.c('sb1', 'CAL 2 bob@example.com').s('sb1', 'CAL 2 RINGING 11752099');
  p.s('sb1', version < 12 ? 'JOI bob@example.com Bob' : `JOI bob@example.com Bob${caps}`);
  p.c('sb1', 'MSG 3 U', typing(alice));
  p.c('sb1', 'MSG 4 A', text('Hello Bob! Ça va? ☃')).s('sb1', 'ACK 4');
  p.s('sb1', 'MSG bob@example.com Bob', text('Fine, thanks', 'FN=Arial; EF=B; CO=ff0000; CS=0; PF=22'));
  p.s('sb1', 'BYE bob@example.com');
  p.c('sb1', 'OUT').close('sb1', 'client');

  // A switchboard the client is invited to.
  const cookie2 = '849102291.520491113';
  if (version < 13) p.s('ns1', `RNG 11752013 {SB2} CKI ${cookie2} carol@example.com Carol`);
  else if (version < 14) p.s('ns1', `RNG 11752013 {SB2} CKI ${cookie2} carol@example.com Carol U messenger.hotmail.com`);
  else p.s('ns1', `RNG 11752013 {SB2} CKI ${cookie2} carol@example.com Carol U messenger.hotmail.com 1`);
  p.connect('sb2', 'SB2').c('sb2', `ANS 1 ${me} ${cookie2} 11752013`);
  p.s('sb2', version < 12 ? 'IRO 1 1 1 carol@example.com Carol' : `IRO 1 1 1 carol@example.com Carol${caps}`).s('sb2', 'ANS 1 OK');
  p.s('sb2', 'MSG carol@example.com Carol', text('<img src=x onerror=alert(1)> hi'));
  p.c('sb2', 'OUT').close('sb2', 'client');

  p.c('ns1', 'OUT').close('ns1', 'client');
  return { version, play: p, frames: count(p) };
}
