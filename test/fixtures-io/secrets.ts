// Secrets of a capture, found in its original bytes independently of the redaction code: what the
// "no secret left" test searches every export for.
import { CaptureStore } from '../../proxy/capture/store.js';
import { Playbook } from '../helpers/playbook.js';

const ANY_DIRECTION: RegExp[] = [
  /^(?:MSPAuth|MSPProf|MSPSec): (\S+)\r$/gm, // profile cookies
  /\bt=([^&\s<"']+)&(?:amp;)?p=([^&\s<"']+)/g, // tickets inside payloads
];

const PATTERNS: Record<'c2s' | 's2c', RegExp[]> = {
  c2s: [
    /^USR \d+ (?:MD5|CTP) S (\S+)\r$/gm, // password digests, cleartext passwords
    /^USR \d+ (?:TWN|SSO) S t=([^&\s]+)&p=(\S*)/gm, // Passport tickets and profiles
    /^USR \d+ SSO S t=\S+ (\S+)/gm, // the MBI response blob
    /^USR \d+ SHA A (\S+)\r$/gm, // circle ticket
    /^USR \d+ \S+@\S+ (\S+)\r$/gm, // switchboard sign-in cookie
    /^ANS \d+ \S+ (\S+) \d+\r$/gm,
    ...ANY_DIRECTION,
  ],
  s2c: [
    /^USR \d+ SSO S MBI_KEY_OLD (\S+)\r$/gm, // SSO nonce
    /\b(?:rn|tpf)=([^,\s]+)/g, // TWN per-login values
    / CKI (\S+)/g, // switchboard cookies in XFR SB / RNG
    ...ANY_DIRECTION,
  ],
};

/** Every distinct secret in the capture's reads (at least 4 characters: shorter ones would be noise). */
export function capturedSecrets(file: string): string[] {
  const store = CaptureStore.open(file, { readonly: true });
  try {
    const streams = new Map<string, { dir: 'c2s' | 's2c'; parts: Buffer[] }>();
    for (const c of store.sessionChunks()) {
      const key = `${c.connectionId} ${c.dir}`;
      const stream = streams.get(key) ?? { dir: c.dir, parts: [] };
      stream.parts.push(c.bytes);
      streams.set(key, stream);
    }
    const found = new Set<string>();
    for (const { dir, parts } of streams.values()) {
      const text = Buffer.concat(parts).toString('latin1');
      for (const pattern of PATTERNS[dir]) {
        for (const m of text.matchAll(pattern)) for (const g of m.slice(1)) if (g && g.length >= 4) found.add(g);
      }
    }
    return [...found];
  } finally {
    store.close();
  }
}

const profile = (extra: string) =>
  `MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\nLoginTime: 1100000000\r\n${extra}\r\n`;

/**
 * A session with every kind of credential the scenarios lack: profile cookies (MSPAuth, MSPProf,
 * sid, kv), a Passport ticket inside a payload, a circle ticket (`USR SHA A`), and a switchboard
 * cookie that also shows up inside a message.
 */
export function secretsPlaybook(): Playbook {
  const p = new Playbook(['NS', 'SB']);
  const cookie = '99887766.1234567890.4242';
  p.connect('ns1', 'NS').c('ns1', 'VER 1 MSNP18 CVR0').s('ns1', 'VER 1 MSNP18');
  p.c('ns1', 'USR 2 SSO I alice@example.com');
  p.s('ns1', 'USR 2 SSO S MBI_KEY_OLD b2theNonceValueThatIsLongEnough0123456789abcdefABCDEFnonceNONCE==');
  p.c('ns1', 'USR 3 SSO S t=EwCoAtheRealTicket0123456789&p= Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA== {f52973b6-c926-4bad-9ba8-7c1e840e4ab0}');
  p.s('ns1', 'USR 3 OK alice@example.com 1 0');
  p.s('ns1', 'MSG Hotmail Hotmail', profile('sid: 507\r\nkv: 11\r\nMSPAuth: 7Auth0x1234567890SecretCookieValue$$\r\nMSPProf: 7Prof0x0987654321SecretProfileValue$$\r\n'));
  p.c('ns1', 'USR 4 SHA A Y2lyY2xlVGlja2V0U2VjcmV0VmFsdWUxMjM0NTY=').s('ns1', 'USR 4 OK alice@example.com 1 0');
  p.c('ns1', 'UUX 5', '<Data><PSM>t=EwCoAtheRealTicket0123456789&amp;p=LeakedProfile42</PSM></Data>').s('ns1', 'UUX 5 0');
  p.c('ns1', 'XFR 6 SB').s('ns1', `XFR 6 SB {SB} CKI ${cookie} U messenger.msn.com 1`);
  p.connect('sb1', 'SB').c('sb1', `USR 1 alice@example.com;{f52973b6-c926-4bad-9ba8-7c1e840e4ab0} ${cookie}`).s('sb1', 'USR 1 OK alice@example.com Alice');
  p.c('sb1', 'MSG 2 N', `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nmy cookie was ${cookie}`);
  p.c('sb1', 'OUT').close('sb1', 'client');
  p.c('ns1', 'OUT').close('ns1', 'client');
  return p;
}

/** MSNP2 with the cleartext password scheme. */
export function ctpPlaybook(): Playbook {
  const p = new Playbook(['NS']);
  p.connect('ns1', 'NS').c('ns1', 'VER 1 MSNP2').s('ns1', 'VER 1 MSNP2');
  p.c('ns1', 'INF 2').s('ns1', 'INF 2 CTP');
  p.c('ns1', 'USR 3 CTP I alice@example.com').s('ns1', 'USR 3 CTP S');
  p.c('ns1', 'USR 4 CTP S hunter2isMyPassword').s('ns1', 'USR 4 OK alice@example.com Alice');
  p.c('ns1', 'OUT').close('ns1', 'client');
  return p;
}
