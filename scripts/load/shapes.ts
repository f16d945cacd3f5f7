// The MSNP traffic of the load test, in the shapes of MSNP2/8/12/15/18 (as test/relay/scenarios.ts
// writes them): the requests a scripted client sends and the replies the scripted server gives. Client
// and server share these builders, so the client can check every reply byte for byte.

export type Version = 2 | 8 | 12 | 15 | 18;
export const VERSIONS: readonly Version[] = [2, 8, 12, 15, 18];

/** The commands that carry a payload whose length is their last token, in the traffic here. */
export const PAYLOAD_COMMANDS = new Set(['MSG', 'ADL', 'GCF']);

const GUID = '{f52973b6-c926-4bad-9ba8-7c1e840e4ab0}';
export const BOB = 'bob@example.com';
export const CAROL = 'carol@example.com';

export function frame(line: string, payload?: string): Buffer {
  if (payload === undefined) return Buffer.from(`${line}\r\n`, 'utf8');
  const body = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from(`${line} ${body.length}\r\n`, 'utf8'), body]);
}

/** Handle of client `n` (`u0001@example.com` …; the direct sample's are `d…`). */
export function handleOf(n: number, direct: boolean): string {
  return `${direct ? 'd' : 'u'}${String(n).padStart(4, '0')}@example.com`;
}

/** The handle a switchboard knows the client by (MSNP16+ add the machine GUID). */
export const sbHandle = (v: Version, handle: string) => (v >= 16 ? `${handle};${GUID}` : handle);
export const caps = (v: Version) => (v < 8 ? '' : v < 16 ? ' 1342177280' : ' 2789003324:48');

const text = (body: string, format = 'FN=Segoe%20UI; EF=; CO=0; CS=0; PF=0') =>
  `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: ${format}\r\n\r\n${body}`;
const typing = (who: string) => `MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: ${who}\r\n\r\n\r\n`;
const profile = (v: Version) =>
  `MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\nLoginTime: 1100000000\r\nEmailEnabled: 1\r\nMemberIdHigh: 1\r\nMemberIdLow: 2\r\nlang_preference: 1033\r\n${v >= 8 ? 'ClientIP: 192.0.2.1\r\nClientPort: 4660\r\n' : ''}\r\n`;

// ---- client requests ----

export const req = {
  ver: (v: Version, t: number) => frame(`VER ${t} MSNP${v} CVR0`),
  /** INF (MSNP2) or CVR. */
  cvr: (v: Version, t: number, handle: string) =>
    frame(v < 8 ? `INF ${t}` : v < 15 ? `CVR ${t} 0x0409 winnt 5.1 i386 MSNMSGR 7.5.0324 msmsgs ${handle}` : `CVR ${t} 0x0409 winnt 6.1 i386 MSNMSGR 14.0.8117 msmsgs ${handle}`),
  usrI: (v: Version, t: number, handle: string) => frame(`USR ${t} ${pkg(v)} I ${handle}`),
  usrS: (v: Version, t: number) =>
    frame(v < 8 ? `USR ${t} MD5 S 23e54b6ec0d62c2e2cfd4c2ae8baf1a5` : v < 15 ? `USR ${t} TWN S t=FAKEticket$$&p=FAKEprofile$$` : `USR ${t} SSO S t=FAKEticket&p= HAAAAAEAAAADZgAABIAAAAgAAAAUAAAASAAAAA==${v >= 16 ? ` ${GUID}` : ''}`),
  /** SYN (before MSNP13) or ADL. */
  list: (v: Version, t: number) =>
    v < 13 ? frame(v < 10 ? `SYN ${t} 0` : `SYN ${t} 0 0`) : frame(`ADL ${t}`, '<ml l="1"><d n="example.com"><c n="bob" l="3" t="1"/></d></ml>'),
  chg: (v: Version, t: number, status: string) => frame(`CHG ${t} ${status}${caps(v)}`),
  png: () => frame('PNG'),
  xfrSb: (t: number) => frame(`XFR ${t} SB`),
  out: () => frame('OUT'),
  sbUsr: (v: Version, handle: string, cookie: string) => frame(`USR 1 ${sbHandle(v, handle)} ${cookie}`),
  sbAns: (v: Version, handle: string, cookie: string, session: string) => frame(`ANS 1 ${sbHandle(v, handle)} ${cookie} ${session}`),
  cal: (t: number) => frame(`CAL ${t} ${BOB}`),
  typing: (t: number, handle: string) => frame(`MSG ${t} U`, typing(handle)),
  message: (t: number, n: number) => frame(`MSG ${t} A`, text(`Message ${n}: Hello! Ça va? ☃ ${'lorem ipsum '.repeat(n % 7)}`)),
};

const pkg = (v: Version) => (v < 8 ? 'MD5' : v < 15 ? 'TWN' : 'SSO');

// ---- server replies ----

export const rep = {
  ver: (v: Version, t: number) => frame(`VER ${t} MSNP${v}`),
  cvr: (v: Version, t: number) =>
    frame(v < 8 ? `INF ${t} MD5` : v < 15 ? `CVR ${t} 7.5.0324 7.5.0324 7.0.0777 http://example.com/setup.exe http://example.com` : `CVR ${t} 14.0.8117 14.0.8117 14.0.8117 http://example.com/setup.exe http://example.com`),
  /** The dispatch server's referral to the notification server. */
  xfrNs: (v: Version, t: number, ns: string, ds: string) =>
    frame(v === 2 ? `XFR ${t} NS ${ns}` : v < 13 ? `XFR ${t} NS ${ns} 0 ${ds}` : `XFR ${t} NS ${ns} U D`),
  /** The challenge after `USR I` (MSNP15+: a GCF policy frame first). */
  usrChallenge: (v: Version, t: number): Buffer[] => {
    if (v < 8) return [frame(`USR ${t} MD5 S 1013928519.693957190`)];
    if (v < 15) return [frame(`USR ${t} TWN S lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1100000000,kpp=1,kv=7,ver=2.1.6000.1,rn=abcdef,tpf=0123456789abcdef`)];
    return [
      frame('GCF 0', '<Policies><Policy type="SHIELDS"><config/></Policy></Policies>'),
      frame(`USR ${t} SSO S MBI_KEY_OLD Fn7oFnY9ftA1hUOcKqT1Xb2pjnl8VvE0FvBwfQN1Fdqd0TKKGjyk6odYb1/QkUyZ`),
    ];
  },
  /** Signed in: the OK and the profile message. */
  usrOk: (v: Version, t: number, handle: string): Buffer[] => [
    frame(v < 10 ? `USR ${t} OK ${handle} Alice${v >= 8 ? ' 1 0' : ''}` : `USR ${t} OK ${handle} 1 0`),
    frame('MSG Hotmail Hotmail', profile(v)),
  ],
  list: (v: Version, t: number) =>
    frame(v < 13 ? (v < 8 ? `SYN ${t} 1` : v < 10 ? `SYN ${t} 1 1 0` : `SYN ${t} 2005-01-01T00:00:00.0000000-08:00 2005-01-01T00:00:00.0000000-08:00 1 0`) : `ADL ${t} OK`),
  chg: (v: Version, t: number, status: string) => frame(`CHG ${t} ${status}${caps(v)}`),
  /** Bob comes online (after the first CHG of a sign-in). */
  nln: (v: Version) => {
    const bob = v >= 18 ? `1:${BOB}` : BOB;
    return frame(v < 14 ? `NLN NLN ${bob} Bob${caps(v)}` : v < 18 ? `NLN NLN ${bob} 1 Bob${caps(v)}` : `NLN NLN ${bob} Bob${caps(v)} 0`);
  },
  /** MSNP9 added the seconds until the next ping. */
  qng: (v: Version) => frame(v < 9 ? 'QNG' : 'QNG 50'),
  xfrSb: (v: Version, t: number, sb: string, cookie: string) =>
    frame(v < 13 ? `XFR ${t} SB ${sb} CKI ${cookie}` : v < 14 ? `XFR ${t} SB ${sb} CKI ${cookie} U messenger.msn.com` : `XFR ${t} SB ${sb} CKI ${cookie} U messenger.msn.com 1`),
  rng: (v: Version, session: string, sb: string, cookie: string) =>
    frame(v < 13 ? `RNG ${session} ${sb} CKI ${cookie} ${CAROL} Carol` : v < 14 ? `RNG ${session} ${sb} CKI ${cookie} ${CAROL} Carol U messenger.hotmail.com` : `RNG ${session} ${sb} CKI ${cookie} ${CAROL} Carol U messenger.hotmail.com 1`),
  sbUsrOk: (v: Version, handle: string) => frame(`USR 1 OK ${sbHandle(v, handle)} Alice`),
  ringing: (t: number) => frame(`CAL ${t} RINGING 11752099`),
  joi: (v: Version) => frame(v < 12 ? `JOI ${BOB} Bob` : `JOI ${BOB} Bob${caps(v)}`),
  iro: (v: Version) => frame(v < 12 ? `IRO 1 1 1 ${CAROL} Carol` : `IRO 1 1 1 ${CAROL} Carol${caps(v)}`),
  ansOk: () => frame('ANS 1 OK'),
  ack: (t: number) => frame(`ACK ${t}`),
  /** A chat line from the other party (`who`): the answer to message `n`. */
  message: (who: string, n: number) =>
    frame(`MSG ${who} ${who === BOB ? 'Bob' : 'Carol'}`, text(`Answer ${n}: fine, thanks <img src=x onerror=alert(1)>`, 'FN=Arial; EF=B; CO=ff0000; CS=0; PF=22')),
};

/**
 * Switchboard cookies carry what the switchboard needs to answer in the right shape: `n.v.serial`
 * (client number, protocol version, the server's serial number).
 */
export const cookieOf = (client: number, v: Version, serial: number) => `${client}.${v}.${serial}`;
export function versionOfCookie(cookie: string): Version | null {
  const v = Number(cookie.split('.')[1]);
  return (VERSIONS as readonly number[]).includes(v) ? (v as Version) : null;
}
