// Decoder fuzzer: generated and mutated inputs through the framer, the whole decoder with payload
// views, each payload view, the input readers and redaction, with checks that no exception escapes
// (or is swallowed by a guard), that every byte comes out in exactly one frame, that frames do not
// depend on how the bytes were chunked, and that memory stays bounded.
//
//   npx tsx scripts/fuzz.ts [--count N] [--seed S]      (default: 1,000,000 inputs, seed 1)
//   npx tsx scripts/fuzz.ts --seed S --only I           replays input I of seed S with every check on
//   npm run fuzz -- --count 100000
//   other flags: --jobs J (processes, default: CPUs up to 4), --start I, --rss-limit-mb M (per
//   process, default 300), --no-write, --json
//
// The inputs are split into contiguous ranges run by child processes (each with its own heap, its RSS
// bound, and a forced GC every 50,000 inputs to measure what the heap really retains); their reports
// are merged. A child that dies or stops making progress is reported with the range it was in.
// Exit code: 0 when nothing failed (slow-input warnings do not fail), 1 otherwise.
//
// Every input is derived from (seed, index) alone, so a finding is reproduced by its seed and index
// (given the same seed corpus: ../shared/reference/sessions, captures/demo, test/fixtures/pcap and the
// exports built from them). The full script also writes each failing input under
// $TMPDIR/msnp-fuzz/ (chunk JSONL for streams, which `msnp-inspector decode` reads back).
// test/decode/fuzz-slice.test.ts runs a small deterministic slice of the same engine.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fork } from 'node:child_process';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_COMMAND_NAMES } from '../shared/msnp/commands.js';
import type { DecodedFrame } from '../shared/msnp/decoded.js';
import { payloadRule } from '../shared/msnp/framing.js';
import type { Direction } from '../shared/msnp/types.js';
import type { PayloadContext, RenderedView, ViewNode } from '../shared/msnp/views.js';
import { ConnectionDecoder, SessionContext } from '../proxy/decode/connection.js';
import { decodeChunks } from '../proxy/decode/decode-chunks.js';
import { DEFAULT_LIMITS, type Frame, Framer, type FramerLimits } from '../proxy/decode/framer.js';
import { writeChunksJsonl } from '../proxy/decode/inputs/chunks-jsonl.js';
import { readInput } from '../proxy/decode/inputs/detect.js';
import type { Chunk } from '../proxy/decode/inputs/types.js';
import { PAYLOAD_VIEWS, renderPayload } from '../proxy/decode/payloads/registry.js';
import { redactChunks } from '../proxy/redact/redact-chunks.js';
import { ethernet, FLAG, ipv4Packet, ipv6Packet, linuxSll, linuxSll2, nullLoopback, PcapngBuilder, type TcpFields, writePcap } from '../test/helpers/pcap-writer.js';
import { fixtureWriter } from '../proxy/export/fixture.js';
import { transcriptWriter } from '../proxy/export/transcript.js';
import { pcapngWriter } from '../proxy/export/pcapng.js';
import { modelFromInput } from '../proxy/export/from-input.js';
import { readImportInput } from '../proxy/import/read.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REFERENCE = resolve(REPO_ROOT, '..', 'shared', 'reference');

// ---------------------------------------------------------------------------------------------
// Deterministic randomness: one generator per input, seeded from (seed, index).

function splitmix32(x: number): () => number {
  let s = x >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number, stream = 0) {
    const sm = splitmix32((Math.imul(seed >>> 0, 0x2545f491) ^ Math.imul(stream >>> 0, 0x9e3779b1) ^ (Math.floor(stream / 2 ** 32) * 0x27d4eb2f)) >>> 0);
    this.#a = sm();
    this.#b = sm();
    this.#c = sm();
    this.#d = sm() | 1;
    for (let i = 0; i < 8; i++) this.u32();
  }

  /** sfc32 */
  u32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  float(): number {
    return this.u32() / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.float() * n);
  }

  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** Small numbers more often than large ones: in [0, max]. */
  skewed(max: number): number {
    return Math.min(max, Math.floor(Math.pow(this.float(), 3) * (max + 1)));
  }

  /** A length: mostly up to 256, sometimes up to `max`. */
  size(max: number): number {
    return this.skewed(this.bool(0.9) ? Math.min(max, 256) : max);
  }

  bool(p = 0.5): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  weighted<T>(items: ReadonlyArray<readonly [number, T]>): T {
    let total = 0;
    for (const [w] of items) total += w;
    let x = this.float() * total;
    for (const [w, v] of items) {
      x -= w;
      if (x < 0) return v;
    }
    return (items[items.length - 1] as readonly [number, T])[1];
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) out.writeUInt32LE(this.u32(), i);
    for (; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.int(16)];
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary for the generators.

const PAYLOAD_COMMANDS = ['MSG', 'UUM', 'UBM', 'NOT', 'IPG', 'GCF', 'UUX', 'UBX', 'ADL', 'RML', 'FQY', 'PAG', 'PGD', 'QRY', 'SDG', 'NFY', 'PUT', 'DEL', 'SDC', 'UUN', 'UBN', 'VAS'];
const VIEW_COMMANDS = [...PAYLOAD_COMMANDS, 'XYZ', 'VER', 'CHL', '241', '508', '', 'msg', 'MSGX'];
const ERROR_CODES = ['200', '201', '205', '206', '207', '208', '209', '210', '215', '216', '217', '218', '219', '223', '224', '225', '226', '227', '228', '229', '230', '231', '240', '241', '280', '281', '282', '300', '301', '302', '303', '304', '402', '403', '500', '501', '502', '508', '509', '600', '601', '603', '710', '711', '712', '713', '714', '715', '717', '731', '800', '910', '911', '912', '913', '914', '915', '916', '917', '918', '919', '920', '921', '922', '923', '924', '928', '000', '999'];
const WORDS = ['MSNP2', 'MSNP8', 'MSNP9', 'MSNP11', 'MSNP12', 'MSNP13', 'MSNP15', 'MSNP18', 'MSNP21', 'CVR0', 'NS', 'SB', 'CKI', 'TWN', 'SSO', 'MD5', 'CTP', 'SHA', 'I', 'S', 'A', 'N', 'U', 'D', 'OK', 'FL', 'AL', 'BL', 'RL', 'PL', 'NLN', 'BSY', 'IDL', 'HDN', 'FLN', 'example@hotmail.com', 'bob@example.com', '1:alice@live.com', '0x0409', 'winnt', '5.1', 'i386', 'MSNMSGR', '8.5.1302', 'MSMSGS', '10.0.0.5:1863', '0', '1.0.0863', 'Hotmail', 'msmsgs@msnmsgr.com', 'PROD0090YUAUV{2B', 't=abc&p=def', '%20', 'REDACTED-COOKIE-1', '17262740.1050826919.32308', 'MBI_KEY_OLD', '{F26D1F07-95E2-403C-BC18-D4BFED493428}', '\u00e9', '\u00ff\u00fe'];
const SEPARATORS = [' ', ' ', ' ', ' ', '  ', '\r\n', '\r\n', '\n', '\r', '\t', '\0', '\r\n\r\n', ''];
const INTERESTING = [0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 31, 32, 47, 48, 49, 52, 63, 64, 127, 128, 255, 256, 1023, 1024, 1400, 1500, 4096, 16383, 16384, 16385, 65535, 65536, 1048575, 1048576, 1048577, 2147483647, 2147483648, 4294967295, 4294967296, 9999999999];
const CONTENT_TYPES = [
  'text/x-msmsgsprofile', 'text/x-msmsgscontrol', 'text/plain', 'application/x-msmsgsemailnotification',
  'text/x-msmsgsinitialemailnotification', 'text/x-msmsgsemailnotification', 'text/x-msmsgsactivemailnotification',
  'text/x-msmsgsinitialmdatanotification', 'text/x-msmsgsoimnotification', 'application/x-msmsgssystemmessage',
  'text/x-msmsgsinvite', 'text/x-msnmsgr-datacast', 'text/x-mms-emoticon', 'text/x-mms-animemoticon',
  'application/x-msnmsgrp2p', 'text/x-keepalive', 'application/user+xml', 'text/xml', '', 'text/', ';;', 'TEXT/PLAIN',
];
const HEADER_NAMES = ['MIME-Version', 'Content-Type', 'X-MMS-IM-Format', 'TypingUser', 'P2P-Dest', 'P2P-Src', 'Mail-Data', 'ID', 'Data', 'Chunks', 'Chunk', 'Message-ID', 'Inbox-Unread', 'Folders-Unread', 'Inbox-URL', 'Post-URL', 'From', 'From-Addr', 'Subject', 'Dest-Folder', 'Src-Folder', 'Message-Delta', 'Type', 'Arg1', 'Application-Name', 'Application-GUID', 'Invitation-Command', 'Invitation-Cookie', 'Session-ID', 'Connectivity', 'IP-Address', 'Port', 'AuthCookie', 'LoginTime', 'EmailEnabled', 'MemberIdHigh', 'MemberIdLow', 'lang_preference', 'preferredEmail', 'country', 'PostalCode', 'Gender', 'Kid', 'Age', 'BDayPre', 'Birthday', 'Wallet', 'Flags', 'sid', 'kv', 'MSPAuth', 'ClientIP', 'ClientPort', 'ABCHMigrated', 'Nickname', 'RouteInfo', 'Cookie', 'Authorization'];
const XML_NAMES = ['ml', 'd', 'c', 'user', 's', 'sep', 'circle', 'notification', 'policies', 'policy', 'data', 'PSM', 'CurrentMedia', 'MachineGuid', 'md', 'E', 'M', 'I', 'IU', 'O', 'OU', 'T', 'S', 'RT', 'RS', 'SZ', 'E', 'F', 'N', 'SU', 'msnobj', 'config', 'shield', 'cli', 'block', 'phone', 'text', 'network', 'Data', 'SignatureSound', 'DDP', 'FriendlyName', 'EndpointData', 'Capabilities', 'PrivateEndpointData', 'EpName', 'Idle', 'ClientType', 'State', 'roster', 'id', 'msg', 'BODY', 'TO', 'FROM', 'VIA', 'MSG', 'ACTION', 'SUBSCR', 'CAT', 'x:y', 'a-b', '_'];
const XML_ATTRS = ['l', 't', 'n', 'f', 'id', 'pri', 'ver', 'siteid', 'site_url', 'notification_id', 'url', 'Creator', 'Size', 'Type', 'Location', 'Friendly', 'SHA1D', 'SHA1C', 'xmlns', 'xmlns:x', 'version', 'encoding', 'name', 'value'];
const GUID_APPS = ['{A4268EEC-FEC5-49E5-95C3-F126696BDBF6}', '{5D3E02AB-6190-11D3-BBBB-00C04F795683}', '{4BD96FC0-AB17-4425-A14A-439185962DC8}', '{1C9AA97E-9C05-4583-A3BD-908A196F1E92}', '{00000000-0000-0000-0000-000000000000}'];
const SLP_TYPES = ['application/x-msnmsgr-sessionreqbody', 'application/x-msnmsgr-transreqbody', 'application/x-msnmsgr-transrespbody', 'application/x-msnmsgr-transdestaddrupdate', 'application/x-msnmsgr-sessionclosebody', 'null', ''];

function guid(r: Rng): string {
  return `{${r.hex(8)}-${r.hex(4)}-${r.hex(4)}-${r.hex(4)}-${r.hex(12)}}`.toUpperCase();
}

function handle(r: Rng): string {
  return r.pick(['alice@example.com', 'bob@hotmail.com', 'carol@live.com', 'x@y', '@', 'a'.repeat(r.range(1, 300)) + '@b.c', 'd\u00e9j\u00e0@vu.fr']);
}

function interesting(r: Rng): number {
  return r.bool(0.7) ? r.pick(INTERESTING) : r.skewed(1 << 20);
}

function latin1(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

// ---------------------------------------------------------------------------------------------
// Payload generators.

function msnobj(r: Rng): string {
  const attrs = [
    `Creator="${handle(r)}"`, `Size="${interesting(r)}"`, `Type="${r.pick(['2', '3', '5', '7', '8', '11', '99', '-1', 'x'])}"`,
    `Location="${r.pick(['0', 'TFR2C2.tmp', ''])}"`, `Friendly="${r.pick(['AAA=', 'VABlAHMAdAA=', '!!', ''])}"`,
    `SHA1D="${Buffer.from(r.bytes(20)).toString('base64')}"`, `SHA1C="${Buffer.from(r.bytes(20)).toString('base64')}"`,
  ].filter(() => r.bool(0.85));
  let s = `<msnobj ${attrs.join(' ')}/>`;
  if (r.bool(0.3)) s = encodeURIComponent(s);
  if (r.bool(0.1)) s = s.replace(/%/g, r.pick(['%', '%Z', '%%']));
  if (r.bool(0.1)) s = s.slice(0, r.int(s.length + 1));
  return s;
}

function xmlText(r: Rng): string {
  return r.weighted<() => string>([
    [5, () => r.pick(['hello', '1', 'Hotmail', 'a b c', '\u263a', '', ' '])],
    [2, () => r.pick(['&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&#65;', '&#x41;', '&#xFFFFFFFF;', '&#0;', '&#x;', '&#1114112;', '&#55296;', '&bogus;', '&', '&amp', '&#', '&#x1F600;'])],
    [1, () => `<![CDATA[${r.pick(['x', ']]', '<a>', ''])}]]>`],
    [1, () => `<!--${r.pick(['c', '--', '-', ''])}-->`],
    [1, () => `<?${r.pick(['xml version="1.0"', 'pi', '', 'x ?'])}?>`],
    [1, () => `&lt;${r.pick(XML_NAMES)}&gt;${r.pick(['t', '&amp;lt;x&amp;gt;'])}&lt;/${r.pick(XML_NAMES)}&gt;`],
    [1, () => msnobj(r)],
  ])();
}

function xmlElement(r: Rng, depth: number, budget: { nodes: number }): string {
  budget.nodes--;
  const name = r.pick(XML_NAMES);
  const attrs: string[] = [];
  const n = r.skewed(6);
  for (let i = 0; i < n; i++) {
    const q = r.bool(0.8) ? '"' : "'";
    attrs.push(`${r.pick(XML_ATTRS)}=${q}${r.bool(0.8) ? xmlText(r).replace(/["'<]/g, '') : r.pick(['"', "'", '<', '&', ''])}${r.bool(0.95) ? q : ''}`);
  }
  if (r.bool(0.05)) attrs.push(r.pick(['noval', '=x', 'a=b', 'a="1" a="2"']));
  const open = `<${name}${attrs.length ? ' ' + attrs.join(' ') : ''}`;
  if (r.bool(0.2) || depth <= 0 || budget.nodes <= 0) return `${open}${r.bool(0.95) ? '/>' : ''}`;
  let inner = '';
  const kids = r.skewed(8);
  for (let i = 0; i < kids && budget.nodes > 0; i++) {
    inner += r.bool(0.6) ? xmlElement(r, depth - 1, budget) : xmlText(r);
    if (r.bool(0.1)) inner += r.pick(['\r\n', '\n', '  ', '\t']);
  }
  const close = r.weighted<string>([[20, `</${name}>`], [1, ''], [1, `</${r.pick(XML_NAMES)}>`], [1, `</${name}`], [1, '</>']]);
  return `${open}>${inner}${close}`;
}

function xmlDoc(r: Rng): string {
  return r.weighted<() => string>([
    [10, () => (r.bool(0.3) ? '<?xml version="1.0" encoding="utf-8"?>' : '') + xmlElement(r, r.range(1, 8), { nodes: r.range(1, 200) })],
    [2, () => {
      // DOCTYPE with ENTITY declarations (billion laughs, external entities), then references to them.
      const ents = ['<!ENTITY lol "lol">'];
      for (let i = 1; i < r.range(2, 10); i++) ents.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
      if (r.bool(0.5)) ents.push('<!ENTITY xxe SYSTEM "file:///etc/passwd">', '<!ENTITY % pe "x">');
      const subset = r.bool(0.9) ? ` [${ents.join(r.pick(['', '\n']))}${r.bool(0.9) ? ']' : ''}` : '';
      return `<!DOCTYPE ${r.pick(['lolz', 'ml', 'x SYSTEM "http://example.com/x.dtd"', ''])}${subset}${r.bool(0.9) ? '>' : ''}<lolz>${r.pick(['&lol9;', '&xxe;', '&lol;', '%pe;', ''])}</lolz>`;
    }],
    [2, () => {
      // Deep nesting, closed or not.
      const depth = r.bool(0.8) ? r.pick([10, 63, 64, 65, 66, 100]) : r.pick([1000, 5000, 20000]);
      const name = r.pick(['a', 'd', 'ml', 'x']);
      const closed = r.bool(0.5);
      return `<${name}>`.repeat(depth) + (r.bool(0.5) ? 'x' : '') + (closed ? `</${name}>`.repeat(depth) : '');
    }],
    [1, () => {
      // Many siblings (node cap).
      const n = r.bool(0.7) ? r.pick([10, 100, 1000]) : r.pick([9999, 10000, 10001, 30000]);
      return `<ml>${'<d n="x"/>'.repeat(n)}</ml>`;
    }],
    [1, () => {
      // Unclosed and broken markup.
      return r.pick(['<', '<a', '<a b', '<a b="', '<a><b>', '</a>', '<!--', '<![CDATA[', '<?xml', '<!', '<a/><b', '<<>>', '<a></b></a>', '<:/>', '<a xmlns:="x"/>', '<a>&#x110000;</a>']) + (r.bool(0.5) ? xmlText(r) : '');
    }],
    [1, () => {
      // XML escaped inside XML (one level is decoded): NOT/IPG style.
      const inner = xmlElement(r, 3, { nodes: 20 }).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      return `<NOTIFICATION id="1" siteid="0"><MSG id="0"><BODY><TEXT>${inner}</TEXT></BODY></MSG></NOTIFICATION>`;
    }],
  ])();
}

function slpText(r: Rng): string {
  const bodyLines = [
    `EUF-GUID: ${r.pick(GUID_APPS)}`, `SessionID: ${interesting(r)}`, `AppID: ${r.pick(['1', '2', '4', '12', '99', 'x'])}`,
    `Context: ${r.bool(0.7) ? Buffer.from(msnobj(r) + (r.bool(0.5) ? '\0' : ''), 'utf8').toString('base64') : r.pick(['!!!', '', 'AAAA', r.bytes(40).toString('base64')])}`,
    `Bridges: TRUDPv1 TCPv1`, `NetID: ${r.int(1 << 30)}`, `Conn-Type: ${r.pick(['Direct-Connect', 'Port-Restrict-NAT', 'Firewall'])}`,
    `IPv4Internal-Addrs: 10.0.0.${r.int(256)}`, `IPv4Internal-Port: ${r.int(65536)}`, `Nonce: ${guid(r)}`, `Listening: true`,
  ].filter(() => r.bool(0.7));
  const body = bodyLines.join('\r\n') + '\r\n\r\n' + (r.bool(0.8) ? '\0' : '');
  const length = r.weighted<number>([[6, Buffer.byteLength(body)], [1, 0], [1, interesting(r)], [1, Buffer.byteLength(body) + r.range(-3, 3)]]);
  const start = r.pick([`INVITE MSNMSGR:${handle(r)} MSNSLP/1.0`, 'MSNSLP/1.0 200 OK', 'MSNSLP/1.0 603 Decline', `BYE MSNMSGR:${handle(r)} MSNSLP/1.0`, 'ACK', 'INVITE', 'MSNSLP/9 x', `INVITE ${'x'.repeat(r.size(2000))}`]);
  const headers = [
    `To: <msnmsgr:${handle(r)}>`, `From: <msnmsgr:${handle(r)}>`, `Via: MSNSLP/1.0/TLP ;branch=${guid(r)}`, `CSeq: ${r.int(3)} `,
    `Call-ID: ${guid(r)}`, 'Max-Forwards: 0', `Content-Type: ${r.pick(SLP_TYPES)}`, `Content-Length: ${length}`,
  ].filter(() => r.bool(0.85));
  return `${start}\r\n${headers.join('\r\n')}\r\n\r\n${body}`;
}

function p2pData(r: Rng): Buffer {
  return r.weighted<() => Buffer>([
    [3, () => Buffer.from(slpText(r), 'utf8')],
    [2, () => r.bytes(r.size(1400))],
    [1, () => Buffer.alloc(4)],
    [1, () => Buffer.alloc(0)],
  ])();
}

function p2pV1(r: Rng): Buffer {
  const data = p2pData(r);
  const h = Buffer.alloc(48);
  h.writeUInt32LE(r.bool(0.5) ? 0 : r.u32(), 0);
  h.writeUInt32LE(r.u32(), 4);
  const big = () => BigInt(r.pick([0, 1, data.length, interesting(r), r.u32()])) * (r.bool(0.05) ? 2n ** 32n : 1n);
  h.writeBigUInt64LE(r.bool(0.7) ? 0n : big() % 2n ** 64n, 8);
  h.writeBigUInt64LE(r.bool(0.5) ? BigInt(data.length) : big() % 2n ** 64n, 16);
  h.writeUInt32LE(r.weighted<number>([[6, data.length], [1, interesting(r) >>> 0], [1, r.u32()], [1, Math.max(0, data.length - r.range(1, 10))]]), 24);
  h.writeUInt32LE(r.pick([0, 0, 0x2, 0x20, 0x01000030, 0x01000020, 0x100, 0x8, 0x40, 0x80, r.u32()]), 28);
  h.writeUInt32LE(r.u32(), 32);
  h.writeUInt32LE(r.u32(), 36);
  h.writeBigUInt64LE(BigInt(r.u32()), 40);
  const footer = Buffer.alloc(4);
  footer.writeUInt32BE(r.pick([0, 1, 2, 3, 4, 11, 12, r.u32()]), 0);
  const parts = [h, data, footer.subarray(0, r.weighted<number>([[6, 4], [1, 0], [1, r.range(1, 3)]]))];
  if (r.bool(0.05)) parts.push(r.bytes(r.range(1, 20)));
  const out = Buffer.concat(parts);
  return r.bool(0.1) ? out.subarray(0, r.int(out.length + 1)) : out;
}

function tlvBlock(r: Rng, max: number): Buffer {
  const parts: Buffer[] = [];
  const n = r.skewed(5);
  for (let i = 0; i < n; i++) {
    const t = r.pick([1, 2, 3, 0, r.int(256)]);
    const len = r.pick([4, 8, 12, r.int(256)]);
    const v = r.bytes(Math.min(len, r.bool(0.8) ? len : r.int(len + 1), max));
    parts.push(Buffer.from([t, len]), v);
  }
  if (r.bool(0.3)) parts.push(Buffer.alloc(r.int(8)));
  return Buffer.concat(parts);
}

function p2pV2(r: Rng): Buffer {
  const tlv = tlvBlock(r, 64);
  const hl = r.weighted<number>([[8, 8 + tlv.length], [1, r.int(256)], [1, r.pick([0, 7, 8, 255])]]);
  const data = p2pData(r);
  const dtlv = r.bool(0.5) ? tlvBlock(r, 16) : Buffer.alloc(0);
  const dl = r.weighted<number>([[8, 8 + dtlv.length], [1, r.int(256)], [1, r.pick([0, 7, 8])]]);
  const dataHeader = Buffer.alloc(8);
  dataHeader[0] = dl & 0xff;
  dataHeader[1] = r.pick([0, 1, 4, 5, 6, 7, r.int(256)]);
  dataHeader.writeUInt16BE(r.int(65536), 2);
  dataHeader.writeUInt32BE(r.bool(0.5) ? 0 : r.u32(), 4);
  const withData = r.bool(0.8);
  const packet = withData ? Buffer.concat([dataHeader, dtlv, data]) : Buffer.alloc(0);
  const pl = r.weighted<number>([[8, packet.length & 0xffff], [1, r.int(65536)], [1, 0]]);
  const th = Buffer.alloc(8);
  th[0] = hl & 0xff;
  th[1] = r.pick([0, 1, 2, 3, r.int(256)]);
  th.writeUInt16BE(pl, 2);
  th.writeUInt32BE(r.u32(), 4);
  const footer = Buffer.alloc(4);
  footer.writeUInt32BE(r.pick([0, 1, 2, 11, 12, r.u32()]), 0);
  const out = Buffer.concat([th, tlv, packet, footer.subarray(0, r.weighted<number>([[6, 4], [1, 0], [1, r.range(1, 3)]]))]);
  return r.bool(0.1) ? out.subarray(0, r.int(out.length + 1)) : out;
}

function imFormat(r: Rng): string {
  const parts = [`FN=${r.pick(['Segoe%20UI', 'MS%20Sans%20Serif', '%ZZ', '%', ''])}`, `EF=${r.pick(['B', 'IU', 'S', 'X', ''])}`, `CO=${r.pick(['0', 'ff', 'fffffffff', 'zz'])}`, `CS=${r.pick(['0', '80', 'x'])}`, `PF=${r.pick(['22', '0', ''])}`, `RL=${r.pick(['0', '1'])}`];
  return parts.filter(() => r.bool(0.8)).join(r.pick(['; ', ';', ' ']));
}

function headerLine(r: Rng): string {
  const name = r.pick(HEADER_NAMES);
  const value = (() => {
    switch (name) {
      case 'Content-Type': return `${r.pick(CONTENT_TYPES)}${r.bool(0.5) ? `; charset=${r.pick(['UTF-8', 'utf-8', 'iso-8859-1', '"UTF-8"', ''])}` : ''}`;
      case 'X-MMS-IM-Format': return imFormat(r);
      case 'P2P-Dest': case 'P2P-Src': return r.bool(0.5) ? `${handle(r)};${guid(r)}` : handle(r);
      case 'Mail-Data': return xmlDoc(r);
      case 'ID': return r.pick(['1', '2', '3', '4', '5', 'x', '']);
      case 'Data': return msnobj(r);
      case 'MSPAuth': case 'Cookie': case 'Authorization': case 'sid': case 'kv': return r.pick(['7Fi8Ay8HkEr6eTvVRjU3rqX', 't=abcdefgh&p=ijklmnop', '', 'x']);
      default: return r.pick(['0', '1', 'x', '', 'some value', handle(r), String(interesting(r)), '\u00e9t\u00e9', r.bytes(r.skewed(30)).toString('latin1')]);
    }
  })();
  return r.weighted<string>([[20, `${name}: ${value}`], [1, `${name}:${value}`], [1, `${name} ${value}`], [1, `: ${value}`], [1, ` ${name}: ${value}`], [1, `${name}: ${'v'.repeat(r.size(20000))}`]]);
}

function mimeBody(r: Rng, type: string): Buffer {
  switch (type) {
    case 'application/x-msnmsgrp2p': return r.bool(0.6) ? p2pV1(r) : p2pV2(r);
    case 'text/x-mms-emoticon': case 'text/x-mms-animemoticon': {
      const items: string[] = [];
      const n = r.pick([0, 1, 2, 3, 10, 199, 200, 201, 401]);
      for (let i = 0; i < n; i++) items.push(r.pick([':)', ';-)', '(x)', '']), msnobj(r));
      if (r.bool(0.3)) items.pop();
      return Buffer.from(items.join('\t') + (r.bool(0.5) ? '\t' : ''), 'utf8');
    }
    case 'text/x-msmsgsinitialmdatanotification': case 'text/x-msmsgsoimnotification':
      return Buffer.from(`Mail-Data: ${xmlDoc(r)}\r\n${r.bool(0.5) ? headerLine(r) + '\r\n' : ''}`, 'utf8');
    case 'text/x-msnmsgr-datacast':
      return Buffer.from(`ID: ${r.pick(['1', '2', '3', '4', '5', '6', 'x', ''])}\r\nData: ${msnobj(r)}\r\n\r\n`, 'utf8');
    case 'text/plain': case 'text/x-msmsgscontrol': case 'text/x-msmsgsprofile':
      return r.bool(0.8) ? Buffer.from(r.pick(['hi', 'h\u00e9llo \u263a', '', '\r\n', 'x'.repeat(r.size(5000))]), 'utf8') : r.bytes(r.skewed(200));
    default: {
      if (r.bool(0.5)) {
        const lines: string[] = [];
        for (let i = r.skewed(12); i > 0; i--) lines.push(headerLine(r));
        return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8');
      }
      return r.bool(0.5) ? Buffer.from(xmlDoc(r), 'utf8') : r.bytes(r.skewed(300));
    }
  }
}

function mimePayload(r: Rng): Buffer {
  const type = r.pick(CONTENT_TYPES);
  const lines = [r.pick(['MIME-Version: 1.0', 'MIME-Version: 1.0', 'MIME-Version:', 'Mime-Version: 2'])];
  if (r.bool(0.95)) lines.push(`Content-Type: ${type}${r.bool(0.6) ? `; charset=${r.pick(['UTF-8', 'utf-8', 'iso-8859-1', '"UTF-8"', ''])}` : ''}`);
  if (type === 'application/x-msnmsgrp2p' && r.bool(0.8)) lines.push(`P2P-Dest: ${handle(r)}${r.bool(0.5) ? `;${guid(r)}` : ''}`);
  if (type === 'text/x-msmsgscontrol' && r.bool(0.8)) lines.push(`TypingUser: ${handle(r)}`);
  for (let i = r.skewed(10); i > 0; i--) lines.push(headerLine(r));
  if (r.bool(0.02)) for (let i = 0; i < r.pick([100, 1000, 5000]); i++) lines.push(headerLine(r));
  const eol = r.weighted<string>([[20, '\r\n'], [1, '\n'], [1, '\r']]);
  const blank = r.weighted<string>([[20, eol + eol], [1, eol], [1, '']]);
  return Buffer.concat([Buffer.from(lines.join(eol) + blank, 'utf8'), mimeBody(r, type)]);
}

function msnp21Payload(r: Rng): Buffer {
  const eol = r.weighted<string>([[20, '\r\n'], [1, '\n']]);
  const blocks: string[] = [];
  const routing = [`Routing: ${r.pick(['1.0', '2.0', ''])}`, `To: ${r.pick(['1', '2', '9', '32', 'x'])}:${handle(r)}${r.bool(0.5) ? `;epid=${guid(r)}` : ''}${r.bool(0.2) ? ';path=IM;via=9:group@live.com' : ''}`, `From: 1:${handle(r)};epid=${guid(r)}`];
  if (r.bool(0.3)) routing.push(`Options: ${r.pick(['0', 'Fed', ''])}`);
  if (r.bool(0.9)) blocks.push(routing.filter(() => r.bool(0.9)).join(eol));
  if (r.bool(0.8)) blocks.push(`Reliability: 1.0${eol}Stream: ${r.int(3)}${eol}Segment: ${r.int(10)}`);
  for (let i = r.skewed(3); i > 0; i--) blocks.push(`${r.pick(['Publication', 'Collaboration', 'X-Block', ''])}: 1.0`);
  const bodyKind = r.pick(['text', 'xml', 'p2p', 'data', 'binary', 'none']);
  const body = bodyKind === 'text' ? Buffer.from(r.pick(['hello', 'h\u00e9 \u263a', '', 'x'.repeat(r.size(3000))]), 'utf8')
    : bodyKind === 'xml' ? Buffer.from(xmlDoc(r), 'utf8')
    : bodyKind === 'p2p' ? p2pV2(r)
    : bodyKind === 'data' ? (r.bool(0.5) ? p2pV1(r) : r.bytes(r.skewed(500)))
    : bodyKind === 'binary' ? r.bytes(r.skewed(200))
    : Buffer.alloc(0);
  const messageType = bodyKind === 'p2p' ? 'Signal/P2P' : bodyKind === 'data' ? 'Data' : r.pick(['Text', 'Control/Typing', 'Signal/P2P', 'Data', 'Nudge', '']);
  const contentType = bodyKind === 'xml' ? r.pick(['application/user+xml', 'application/circles+xml', 'text/xml', '']) : bodyKind === 'p2p' ? 'application/x-msnmsgrp2p' : r.pick(['text/plain; charset=UTF-8', 'application/x-msnmsgrp2p', 'Text/plain', '']);
  const length = r.weighted<string>([[8, String(body.length)], [1, String(interesting(r))], [1, r.pick(['', 'x', '-1', ' 5', '1e3'])]]);
  const content = [`${r.pick(['Messaging', 'Notification', 'Publication'])}: 2.0`, `Message-Type: ${messageType}`, `Content-Type: ${contentType}`, `Content-Length: ${length}`];
  if (r.bool(0.3)) content.push(`X-MMS-IM-Format: ${imFormat(r)}`);
  if (r.bool(0.9)) blocks.push(content.filter((_, i) => i === 0 || r.bool(0.9)).join(eol));
  return Buffer.concat([Buffer.from(blocks.join(eol + eol) + eol + eol, 'utf8'), body]);
}

const PAYLOAD_GENERATORS: Readonly<Record<string, (r: Rng) => Buffer>> = {
  'gen:mime': mimePayload,
  'gen:xml': (r) => Buffer.from(xmlDoc(r), r.bool(0.9) ? 'utf8' : 'latin1'),
  'gen:p2p-v1': p2pV1,
  'gen:p2p-v2': p2pV2,
  'gen:msnp21': msnp21Payload,
  'gen:slp': (r) => Buffer.from(slpText(r), 'utf8'),
  'gen:random-payload': (r) => r.bytes(r.size(2000)),
};

function anyPayload(r: Rng): Buffer {
  const kinds = Object.keys(PAYLOAD_GENERATORS);
  return (PAYLOAD_GENERATORS[r.pick(kinds)] as (r: Rng) => Buffer)(r);
}

// ---------------------------------------------------------------------------------------------
// Stream generators: chunk lists for one or more connections.

function tokenSoup(r: Rng): Buffer {
  const parts: string[] = [];
  const n = r.range(1, 200);
  for (let i = 0; i < n; i++) {
    const x = r.int(18);
    parts.push(x < 6 ? r.pick(ALL_COMMAND_NAMES) : x < 8 ? r.pick(ERROR_CODES) : x < 12 ? String(interesting(r)) : x < 13 ? String(r.int(100)) : x < 17 ? r.pick(WORDS) : r.bytes(r.range(1, 4)).toString('latin1'));
    parts.push(r.pick(SEPARATORS));
  }
  return latin1(parts.join(''));
}

function commandLine(r: Rng, payloadLength: number | null): string {
  const cmd = payloadLength === null ? r.pick([...ALL_COMMAND_NAMES, 'VER', 'CVR', 'USR', 'XFR', 'CHL', 'RNG', 'ANS', 'JOI', 'IRO', 'BYE', 'OUT', 'PNG', 'QNG', ...ERROR_CODES]) : r.pick([...PAYLOAD_COMMANDS, ...PAYLOAD_COMMANDS, r.pick(ERROR_CODES), r.pick(ALL_COMMAND_NAMES)]);
  const trid = r.weighted<string>([[10, String(r.int(100))], [1, ''], [1, String(interesting(r))], [1, 'x']]);
  const params: string[] = [];
  if (cmd === 'MSG') params.push(r.pick(['N', 'U', 'A', 'D', 'Hotmail', handle(r)]), ...(r.bool(0.3) ? [r.pick(['Hotmail', 'Nick%20Name'])] : []));
  else if (cmd === 'NOT' || cmd === 'IPG') { /* length only */ }
  else if (cmd === 'UUM' || cmd === 'UBM' || cmd === 'SDG' || cmd === 'NFY' || cmd === 'PUT' || cmd === 'DEL') params.push(handle(r), r.pick(['1', '32', '2']), r.pick(['1', '2', '3']));
  else if (cmd === 'QRY') params.push(r.pick(['msmsgs@msnmsgr.com', 'PROD0090YUAUV{2B', 'PROD0119GSJUC$18']));
  else if (cmd === 'XFR') params.push('SB', '10.0.0.7:1864', 'CKI', r.pick(['17262740.1050826919.32308', r.hex(16)]));
  else if (cmd === 'RNG') params.push('10.0.0.7:1864', 'CKI', r.pick(['17262740.1050826919.32308', r.hex(16)]), handle(r), 'Bob');
  else if (cmd === 'USR') params.push(r.pick(['TWN', 'MD5', 'SSO', 'SHA', handle(r)]), r.pick(['I', 'S', 'A', r.hex(20)]), ...(r.bool(0.7) ? [r.pick(['t=abc123456789&p=xyz987654321', handle(r), r.hex(32)])] : []));
  else if (cmd === 'VER') params.push(...['MSNP8', 'MSNP11', 'MSNP13', 'MSNP15', 'MSNP18', 'MSNP21', 'CVR0'].filter(() => r.bool(0.4)));
  else for (let i = r.skewed(6); i > 0; i--) params.push(r.pick(WORDS));
  const tokens = [cmd];
  if (!(payloadLength !== null && (cmd === 'NOT' || cmd === 'IPG')) && trid !== '') tokens.push(trid);
  tokens.push(...params);
  if (payloadLength !== null) tokens.push(String(payloadLength));
  return tokens.join(r.bool(0.97) ? ' ' : r.pick(['  ', '\t']));
}

interface Outgoing {
  dir: Direction;
  bytes: Buffer;
}

/**
 * A payload at or just over the 1 MiB cap. Bodies of line ends are kept to 64 KiB: every LF there is a
 * frame of its own (about 300 bytes of decoded frame per input byte), which would measure the
 * generator rather than the decoder.
 */
function bigBody(r: Rng): Buffer {
  if (r.bool(0.2)) return Buffer.alloc(r.pick([4096, 65536]), r.pick(['\n', '\r\n']), 'latin1');
  return Buffer.alloc(r.pick([1048575, 1048576, 1048577, 1048576 + 100]), r.pick([0x41, 0x00, 0x20]));
}

/** A sequence of frames with (often honest, sometimes lying) payload lengths. */
function structuredFrames(r: Rng, big: boolean): Outgoing[] {
  const out: Outgoing[] = [];
  if (r.bool(0.6)) {
    const v = r.pick(['MSNP8', 'MSNP11', 'MSNP13', 'MSNP15', 'MSNP18', 'MSNP21', 'MSNP2', 'MSNP99', '0']);
    out.push({ dir: 'c2s', bytes: latin1(`VER 1 ${v} CVR0\r\n`) }, { dir: 's2c', bytes: latin1(`VER 1 ${v}\r\n`) });
  }
  if (r.bool(0.2)) out.push({ dir: 's2c', bytes: latin1(`CHL 0 ${r.pick(['15570131571988941333', r.hex(20), ''])}\r\n`) });
  const n = big ? r.range(1, 4) : r.range(1, 12);
  for (let i = 0; i < n; i++) {
    const dir: Direction = r.bool(0.5) ? 'c2s' : 's2c';
    if (r.bool(0.3)) {
      out.push({ dir, bytes: latin1(commandLine(r, null) + r.weighted<string>([[20, '\r\n'], [1, '\n'], [1, '']])) });
      continue;
    }
    const body = big
      ? (r.bool(0.04) ? bigBody(r) : r.bytes(r.skewed(4096)))
      : anyPayload(r);
    let announced: number;
    let sent = body;
    if (big) {
      announced = r.weighted<number>([[3, body.length], [3, r.pick([1048575, 1048576, 1048577, 2147483647, 4294967295, 4294967296, 9999999999, 16384, 65536])], [1, r.pick([99999999999, 123456789012345])]]);
    } else {
      announced = r.weighted<number>([[12, body.length], [2, Math.max(0, body.length + r.range(-5, 5))], [1, 0], [1, interesting(r)]]);
      if (r.bool(0.1)) sent = body.subarray(0, r.int(body.length + 1));
    }
    const eol = r.weighted<string>([[30, '\r\n'], [1, '\n'], [1, '\r\r\n']]);
    out.push({ dir, bytes: Buffer.concat([latin1(commandLine(r, announced) + eol), sent]) });
  }
  if (big && r.bool(0.2)) out.push({ dir: r.bool(0.5) ? 'c2s' : 's2c', bytes: latin1(`MSG 1 N ${'9'.repeat(r.range(11, 40))}\r\n`) });
  if (big && r.bool(0.2)) out.push({ dir: 'c2s', bytes: Buffer.alloc(r.pick([16383, 16384, 16385, 40000]), r.pick([0x41, 0x20])) });
  if (r.bool(0.5)) out.push({ dir: 'c2s', bytes: latin1('OUT\r\n') });
  return out;
}

/** Cuts a byte sequence into reads at random points. */
function cut(r: Rng, bytes: Buffer, maxPieces = 8): Buffer[] {
  if (bytes.length <= 1) return [bytes];
  const mode = r.weighted<string>([[6, 'few'], [1, 'whole'], [1, 'bytes'], [2, bytes.length <= 8192 ? 'small' : 'few']]);
  if (mode === 'whole') return [bytes];
  if (mode === 'bytes' && bytes.length <= 256) return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
  const out: Buffer[] = [];
  let at = 0;
  const pieceMax = mode === 'small' ? 16 : Math.max(1, Math.ceil(bytes.length / r.range(1, maxPieces)));
  while (at < bytes.length) {
    const n = Math.min(bytes.length - at, r.range(1, Math.max(1, pieceMax * 2)));
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

function toChunks(r: Rng, frames: readonly Outgoing[], conn: string, t0 = 1000): Chunk[] {
  const chunks: Chunk[] = [];
  let t = t0;
  // Consecutive frames of one direction may share a read.
  let i = 0;
  while (i < frames.length) {
    const dir = (frames[i] as Outgoing).dir;
    const group: Buffer[] = [];
    while (i < frames.length && (frames[i] as Outgoing).dir === dir && (group.length === 0 || r.bool(0.4))) group.push((frames[i++] as Outgoing).bytes);
    for (const piece of cut(r, Buffer.concat(group))) chunks.push({ conn, dir, t_ms: (t += r.int(50)), bytes: piece });
  }
  return chunks;
}

// ---------------------------------------------------------------------------------------------
// Mutations.

const TOKENS_TO_INSERT = ['\r\n', '\n', '\r', ' ', '\0', 'MSG 1 N 5\r\n', 'VER 1 MSNP18\r\n', '\r\n\r\n', '<', '>', '&', 'MIME-Version: 1.0\r\n', 'Content-Length: 99999\r\n', '9999999999', '1048577', ':', '%', '\u00ff', '\u00c3('];

function mutateBytes(r: Rng, input: Buffer, donor: () => Buffer, rounds = r.range(1, r.bool(0.1) ? 16 : 4)): Buffer {
  let b = input;
  for (let k = 0; k < rounds; k++) {
    const at = b.length === 0 ? 0 : r.int(b.length + 1);
    const len = r.range(1, r.bool(0.8) ? 8 : 256);
    switch (r.pick(['flip', 'flip', 'byte', 'insert', 'delete', 'duplicate', 'truncate', 'splice', 'token', 'number', 'swap'] as const)) {
      case 'flip': {
        if (b.length === 0) break;
        b = Buffer.from(b);
        const i = Math.min(at, b.length - 1);
        b[i] = (b[i] as number) ^ (1 << r.int(8));
        break;
      }
      case 'byte': {
        if (b.length === 0) break;
        b = Buffer.from(b);
        b[Math.min(at, b.length - 1)] = r.pick([0, 0x0a, 0x0d, 0x20, 0xff, 0x7f, 0x80, 0x3c, 0x26, r.int(256)]);
        break;
      }
      case 'insert': b = Buffer.concat([b.subarray(0, at), r.bytes(len), b.subarray(at)]); break;
      case 'delete': b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]); break;
      case 'duplicate': b = Buffer.concat([b.subarray(0, at + len), b.subarray(at)]); break;
      case 'truncate': b = b.subarray(0, at); break;
      case 'splice': {
        const d = donor();
        const from = r.int(d.length + 1);
        b = Buffer.concat([b.subarray(0, at), d.subarray(from, from + r.range(1, 2000)), b.subarray(r.bool(0.5) ? at : r.int(b.length + 1))]);
        break;
      }
      case 'token': b = Buffer.concat([b.subarray(0, at), latin1(r.pick(TOKENS_TO_INSERT)), b.subarray(at)]); break;
      case 'number': {
        // Replace a run of digits (lengths, TrIDs, Content-Length) with another number.
        const text = b.toString('latin1');
        const m = /\d+/g;
        m.lastIndex = at;
        const hit = m.exec(text) ?? /\d+/.exec(text);
        if (!hit) break;
        b = Buffer.concat([b.subarray(0, hit.index), latin1(String(interesting(r))), b.subarray(hit.index + hit[0].length)]);
        break;
      }
      case 'swap': {
        if (b.length < 2) break;
        const j = r.int(b.length);
        const n = Math.min(len, b.length - Math.max(at, j));
        if (n <= 0) break;
        b = Buffer.from(b);
        const tmp = Buffer.from(b.subarray(at, at + n));
        b.copy(b, at, j, j + n);
        tmp.copy(b, j);
        break;
      }
    }
  }
  return b;
}

/** Mutates a session (a capture's chunk list) as a whole or stream by stream. */
function mutateSession(r: Rng, session: readonly Chunk[], other: () => readonly Chunk[], donor: () => Buffer): Chunk[] {
  let chunks: Chunk[] = session.map((c) => ({ ...c }));
  const rounds = r.range(1, 3);
  for (let k = 0; k < rounds; k++) {
    const op = r.weighted<string>([[5, 'chunk-bytes'], [3, 'stream-bytes'], [2, 'truncate'], [2, 'splice'], [2, 'rechunk'], [1, 'drop'], [1, 'duplicate'], [1, 'reorder'], [1, 'redirect']]);
    if (chunks.length === 0) chunks = other().map((c) => ({ ...c }));
    if (chunks.length === 0) break;
    switch (op) {
      case 'chunk-bytes': {
        for (let i = r.range(1, 3); i > 0; i--) {
          const j = r.int(chunks.length);
          const c = chunks[j] as Chunk;
          chunks[j] = { ...c, bytes: mutateBytes(r, c.bytes, donor) };
        }
        break;
      }
      case 'stream-bytes':
      case 'rechunk': {
        // One connection direction: concatenate, mutate (or not), and cut again into as many reads.
        const pick = chunks[r.int(chunks.length)] as Chunk;
        const idx = chunks.flatMap((c, i) => (c.conn === pick.conn && c.dir === pick.dir ? [i] : []));
        const stream = Buffer.concat(idx.map((i) => (chunks[i] as Chunk).bytes));
        const changed = op === 'rechunk' ? stream : mutateBytes(r, stream, donor);
        const cuts: number[] = [];
        for (let i = 1; i < idx.length; i++) cuts.push(r.int(changed.length + 1));
        const points = [0, ...cuts.sort((a, b) => a - b), changed.length];
        idx.forEach((ci, n) => {
          chunks[ci] = { ...(chunks[ci] as Chunk), bytes: changed.subarray(points[n] as number, points[n + 1] as number) };
        });
        break;
      }
      case 'truncate': {
        const at = r.int(chunks.length);
        chunks = chunks.slice(0, at + 1);
        const last = chunks[at] as Chunk;
        chunks[at] = { ...last, bytes: last.bytes.subarray(0, r.int(last.bytes.length + 1)) };
        break;
      }
      case 'splice': {
        // Prefix of this session, suffix of another; the other's connections are sometimes renamed
        // into this session's so their bytes land in a decoder that is mid-stream.
        const b = other();
        const head = chunks.slice(0, r.int(chunks.length + 1));
        const tail = b.slice(r.int(b.length + 1));
        const rename = r.bool(0.5) && head.length > 0;
        const conns = [...new Set(head.map((c) => c.conn))];
        const tailOut = tail.map((c) => ({ ...c, conn: rename ? r.pick(conns) : `b-${c.conn}` }));
        if (head.length > 0 && r.bool(0.5)) {
          const last = head[head.length - 1] as Chunk;
          head[head.length - 1] = { ...last, bytes: last.bytes.subarray(0, r.int(last.bytes.length + 1)) };
        }
        chunks = [...head, ...tailOut];
        break;
      }
      case 'drop': chunks.splice(r.int(chunks.length), r.range(1, 3)); break;
      case 'duplicate': {
        const i = r.int(chunks.length);
        chunks.splice(i, 0, ...chunks.slice(i, i + r.range(1, 3)));
        break;
      }
      case 'reorder': {
        const i = r.int(chunks.length);
        const j = r.int(chunks.length);
        const a = chunks[i] as Chunk;
        chunks[i] = chunks[j] as Chunk;
        chunks[j] = a;
        break;
      }
      case 'redirect': {
        const i = r.int(chunks.length);
        const c = chunks[i] as Chunk;
        chunks[i] = r.bool(0.5) ? { ...c, dir: c.dir === 'c2s' ? 's2c' : 'c2s' } : { ...c, conn: r.pick(['x', c.conn + '2', 'ns1', 'sb1']) };
        break;
      }
    }
  }
  return chunks;
}

/** Format-aware mutations of capture files, then byte mutations. */
function mutateFile(r: Rng, name: string, bytes: Buffer, donor: () => Buffer): Buffer {
  const lower = name.toLowerCase();
  if (r.bool(0.5)) {
    if (lower.endsWith('.jsonl')) return mutateJsonl(r, bytes, donor);
    if (lower.endsWith('.txt')) return mutateLines(r, bytes, donor);
    if (lower.endsWith('.json')) return mutateJson(r, bytes);
    if (lower.endsWith('.pcap') || lower.endsWith('.pcapng')) return mutateBinaryFields(r, bytes);
  }
  return mutateBytes(r, bytes, donor);
}

function mutateLines(r: Rng, bytes: Buffer, donor: () => Buffer): Buffer {
  const lines = bytes.toString('utf8').split('\n');
  for (let k = r.range(1, 4); k > 0; k--) {
    const i = r.int(lines.length);
    const line = lines[i] ?? '';
    switch (r.pick(['dup', 'delete', 'swap', 'dir', 'narrate', 'insert', 'length', 'continue', 'bytes'] as const)) {
      case 'dup': lines.splice(i, 0, line); break;
      case 'delete': lines.splice(i, 1); break;
      case 'swap': { const j = r.int(lines.length); lines[i] = lines[j] ?? ''; lines[j] = line; break; }
      case 'dir': lines[i] = line.replace(/^([CS]):/, (_m, d: string) => (d === 'C' ? 'S:' : 'C:')); break;
      case 'narrate': lines.splice(i, 0, r.pick(['# Client opens a connection to 10.0.0.5:1863.', '# Client disconnects from server.', '#', '# Server closes the connection.', '>>> VER 1 MSNP8', '<<< VER 1 MSNP8'])); break;
      case 'insert': lines.splice(i, 0, r.pick(['C: ', 'S:', `C: ${commandLine(r, null)}`, `S: ${commandLine(r, r.int(100))}`, `C: MSG 1 N ${interesting(r)}`, '.. continuation', '..', 'C: VER 9 MSNP18 CVR0', ''])); break;
      case 'length': lines[i] = line.replace(/\d+\s*$/, String(interesting(r))); break;
      case 'continue': lines.splice(i, 0, `.. ${r.pick(WORDS)}`); break;
      case 'bytes': lines[i] = mutateBytes(r, Buffer.from(line, 'utf8'), donor, 1).toString('utf8'); break;
    }
  }
  return Buffer.from(lines.join(r.bool(0.8) ? '\n' : '\r\n'), 'utf8');
}

function mutateJsonl(r: Rng, bytes: Buffer, donor: () => Buffer): Buffer {
  const lines = bytes.toString('utf8').split('\n');
  for (let k = r.range(1, 4); k > 0; k--) {
    const i = r.int(lines.length);
    const line = lines[i] ?? '';
    let rec: Record<string, unknown> | null = null;
    try {
      const v: unknown = JSON.parse(line);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) rec = v as Record<string, unknown>;
    } catch { /* not a record */ }
    const op = r.pick(['dup', 'delete', 'swap', 'field', 'payload', 'garbage', 'cut'] as const);
    if (op === 'dup') lines.splice(i, 0, line);
    else if (op === 'delete') lines.splice(i, 1);
    else if (op === 'swap') { const j = r.int(lines.length); lines[i] = lines[j] ?? ''; lines[j] = line; }
    else if (op === 'garbage') lines.splice(i, 0, r.pick(['', '{}', '[]', 'null', '{"dir":"c2s"}', '\uFEFF{"dir":"c2s","conn":"a","t_ms":1,"b64":""}', 'not json', '{"dir":"c2s","conn":"a","t_ms":1,"b64":"TVNHIDEgTiA1DQo="}']));
    else if (op === 'cut') lines[i] = line.slice(0, r.int(line.length + 1));
    else if (rec) {
      if (op === 'field') {
        const key = r.pick(['dir', 'conn', 't_ms', 'b64', 'extra']);
        rec[key] = r.pick<unknown>(['c2s', 's2c', 'C2S', '', 'x', 0, -1, 1e308, -0, null, true, [], {}, 'ns1', 'sb1', '=', 'AAA', '====', 1.5, 9007199254740993, '\u0000']);
      } else {
        const b = Buffer.from(typeof rec.b64 === 'string' ? rec.b64 : '', 'base64');
        rec.b64 = mutateBytes(r, b, donor).toString('base64');
      }
      lines[i] = JSON.stringify(rec);
    }
  }
  return Buffer.from(lines.join('\n'), 'utf8');
}

function mutateJson(r: Rng, bytes: Buffer): Buffer {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return mutateBytes(r, bytes, () => bytes);
  }
  // Walk to a random value and replace it with another type or a nearby value.
  const replacements: unknown[] = [null, 0, -1, 1.5, 1e308, '', 'x', 'c2s', 's2c', [], {}, true, 'AAAA', '===', 'ns1', 9007199254740993, { seq: 1 }, [{ dir: 'c2s', b64: 'QUJD', seq: 1, t_wall: 1 }]];
  for (let k = r.range(1, 3); k > 0; k--) {
    let node: unknown = doc;
    let parent: Record<string, unknown> | unknown[] | null = null;
    let key: string | number | null = null;
    for (let depth = 0; depth < 8 && typeof node === 'object' && node !== null && r.bool(0.85); depth++) {
      const keys: Array<string | number> = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
      if (keys.length === 0) break;
      key = r.pick(keys);
      parent = node as Record<string, unknown> | unknown[];
      node = (node as Record<string | number, unknown>)[key];
    }
    if (parent === null || key === null) continue;
    const p = parent as Record<string | number, unknown>;
    if (r.bool(0.15)) {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete p[key];
    } else if (typeof node === 'number' && r.bool(0.5)) p[key] = r.pick([node + 1, node - 1, -node, node * 1e6, interesting(r)]);
    else if (typeof node === 'string' && r.bool(0.5)) p[key] = r.bool(0.5) ? node.slice(0, r.int(node.length + 1)) : node + r.pick(['x', '=', '\0', ' ']);
    else p[key] = structuredClone(r.pick(replacements));
  }
  return Buffer.from(JSON.stringify(doc, null, r.bool(0.5) ? 2 : undefined), 'utf8');
}

function mutateBinaryFields(r: Rng, bytes: Buffer): Buffer {
  if (bytes.length < 8) return Buffer.concat([bytes, r.bytes(r.int(32))]);
  let b = Buffer.from(bytes);
  for (let k = r.range(1, 4); k > 0; k--) {
    const op = r.pick(['u32', 'u16', 'u8', 'truncate', 'dup', 'zero'] as const);
    const at = r.int(b.length);
    if (op === 'truncate') { b = b.subarray(0, at); continue; }
    if (op === 'dup') { const n = r.range(1, 200); b = Buffer.concat([b.subarray(0, at + n), b.subarray(at)]); continue; }
    if (op === 'zero') { b.fill(0, at, Math.min(b.length, at + r.range(1, 64))); continue; }
    const v = r.pick([0, 1, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 0x80000000, 65535, 1863, 6, 17, 0x0800, 0x86dd, 0x45, interesting(r), r.u32()]);
    const at4 = at & ~3;
    if (op === 'u32' && at4 + 4 <= b.length) { if (r.bool(0.5)) b.writeUInt32LE(v >>> 0, at4); else b.writeUInt32BE(v >>> 0, at4); }
    else if (op === 'u16' && at + 2 <= b.length) b.writeUInt16BE(v & 0xffff, at);
    else if (at < b.length) b[at] = v & 0xff;
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// Seed corpus.

export interface NamedFile {
  name: string;
  bytes: Buffer;
}

export interface SeedPayload {
  payload: Buffer;
  ctx: PayloadContext;
}

export interface Corpus {
  /** Example sessions (../shared/reference/sessions, or the demo captures when it is missing). */
  sessions: Array<{ name: string; chunks: Chunk[] }>;
  /** Every seed stream: sessions, demo captures, pcap fixtures. */
  streams: Array<{ name: string; chunks: Chunk[] }>;
  files: NamedFile[];
  payloads: SeedPayload[];
  /** What was loaded, for the report. */
  description: string;
}

function listFiles(dir: string, pattern: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => pattern.test(f)).sort().map((f) => join(dir, f));
}

function exportsOf(file: NamedFile): NamedFile[] {
  const out: NamedFile[] = [];
  try {
    const { model } = modelFromInput(readImportInput(file.bytes, file.name), file.name);
    const stem = file.name.replace(/\.[^.]+$/, '');
    const writers = [[fixtureWriter, `${stem}.fixture.json`], [transcriptWriter, `${stem}.export.txt`], [pcapngWriter, `${stem}.export.pcapng`]] as const;
    for (const [writer, name] of writers) {
      const pieces = [...writer.write(model, { views: false })];
      out.push({ name, bytes: Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p))) });
    }
  } catch {
    // Exports are optional seeds.
  }
  return out;
}

function payloadsOf(chunks: readonly Chunk[]): SeedPayload[] {
  const out: SeedPayload[] = [];
  const session = new SessionContext();
  const decoders = new Map<string, ConnectionDecoder>();
  for (const chunk of chunks) {
    let d = decoders.get(chunk.conn);
    if (!d) {
      const dec: ConnectionDecoder = new ConnectionDecoder(chunk.conn, session, (decoded, raw) => {
        if (raw.payload && raw.payload.length > 0) {
          out.push({ payload: Buffer.from(raw.payload), ctx: { command: decoded.command, dir: decoded.dir, version: dec.version, params: [...decoded.params] } });
        }
      });
      d = dec;
      decoders.set(chunk.conn, d);
    }
    d.push(chunk.dir, chunk.bytes, chunk.t_ms);
  }
  for (const d of decoders.values()) d.end();
  return out;
}

export function loadCorpus(root = REPO_ROOT): Corpus {
  const reference = resolve(root, '..', 'shared', 'reference', 'sessions');
  const sessionFiles = listFiles(reference, /\.txt$/).map((p) => ({ name: basename(p), bytes: readFileSync(p) }));
  const demoFiles = listFiles(join(root, 'captures', 'demo'), /\.jsonl$/).map((p) => ({ name: basename(p), bytes: readFileSync(p) }));
  const pcapFiles = listFiles(join(root, 'test', 'fixtures', 'pcap'), /\.(pcap|pcapng)$/).map((p) => ({ name: basename(p), bytes: readFileSync(p) }));
  const asStream = (f: NamedFile) => ({ name: f.name, chunks: readInput(f.bytes, f.name).chunks });
  const sessions = (sessionFiles.length > 0 ? sessionFiles : demoFiles).map(asStream).filter((s) => s.chunks.length > 0);
  const streams = [...sessions, ...(sessionFiles.length > 0 ? demoFiles.map(asStream) : []), ...pcapFiles.map(asStream)].filter((s) => s.chunks.length > 0);
  const exported = [...demoFiles, ...sessionFiles.slice(0, 4)].flatMap(exportsOf);
  const files = [...sessionFiles, ...demoFiles, ...pcapFiles, ...exported];
  const payloads = streams.flatMap((s) => payloadsOf(s.chunks));
  if (streams.length === 0) throw new Error('fuzz: no seed sessions found (../shared/reference/sessions or captures/demo)');
  const description = `${sessionFiles.length > 0 ? `${sessionFiles.length} reference sessions` : 'no reference sessions (demo captures instead)'}, ` +
    `${demoFiles.length} demo captures, ${pcapFiles.length} pcap fixtures, ${exported.length} exports; ${streams.length} seed streams, ${files.length} seed files, ${payloads.length} seed payloads`;
  return { sessions, streams, files, payloads, description };
}

// ---------------------------------------------------------------------------------------------
// Packet captures: a session's bytes as TCP segments, then segment-level damage (reordering,
// retransmissions with other bytes, gaps, sequence wrap-around, RSTs, snapshot truncation), in a
// pcap or pcapng container of some link type.

interface Segment {
  fromClient: boolean;
  conn: number;
  tcp: TcpFields;
  origExtra: number;
}

function genPcap(r: Rng, corpus: Corpus): NamedFile {
  const source = r.bool(0.7) ? r.pick(corpus.streams).chunks : toChunks(r, structuredFrames(r, false), 'ns1');
  const v6 = r.bool(0.2);
  const conns = new Map<string, { id: number; c: number; s: number; cPort: number; sPort: number }>();
  const isn = (): number => r.weighted<number>([[3, r.u32()], [1, (0xffffffff - r.int(3000)) >>> 0], [1, 0]]);
  const segs: Segment[] = [];
  const tiny = r.bool(0.05);
  const seg = (conn: { id: number; c: number; s: number; cPort: number; sPort: number }, fromClient: boolean, flags: number, payload: Buffer): void => {
    const tcp: TcpFields = {
      srcPort: fromClient ? conn.cPort : conn.sPort, dstPort: fromClient ? conn.sPort : conn.cPort,
      seq: fromClient ? conn.c : conn.s, ack: fromClient ? conn.s : conn.c, flags, payload,
    };
    const used = payload.length + (flags & (FLAG.SYN | FLAG.FIN) ? 1 : 0);
    if (fromClient) conn.c = (conn.c + used) >>> 0;
    else conn.s = (conn.s + used) >>> 0;
    segs.push({ fromClient, conn: conn.id, tcp, origExtra: 0 });
  };
  for (const chunk of source.slice(0, 400)) {
    let conn = conns.get(chunk.conn);
    if (!conn) {
      conn = { id: conns.size, c: isn(), s: isn(), cPort: 40000 + conns.size, sPort: r.bool(0.8) ? 1863 : r.pick([80, 443, 1864, 7001, 40000]) };
      conns.set(chunk.conn, conn);
      if (r.bool(0.8)) {
        seg(conn, true, FLAG.SYN, Buffer.alloc(0));
        seg(conn, false, FLAG.SYN | FLAG.ACK, Buffer.alloc(0));
        seg(conn, true, FLAG.ACK, Buffer.alloc(0));
      }
    }
    for (let at = 0; at < chunk.bytes.length;) {
      const n = Math.min(chunk.bytes.length - at, tiny ? r.range(1, 8) : r.range(1, 1460));
      seg(conn, chunk.dir === 'c2s', FLAG.PSH | FLAG.ACK, chunk.bytes.subarray(at, at + n));
      at += n;
    }
  }
  for (const conn of conns.values()) {
    if (r.bool(0.6)) seg(conn, true, FLAG.FIN | FLAG.ACK, Buffer.alloc(0));
    if (r.bool(0.6)) seg(conn, false, FLAG.FIN | FLAG.ACK, Buffer.alloc(0));
  }
  for (let k = r.range(0, 4); k > 0 && segs.length > 0; k--) {
    const i = r.int(segs.length);
    const s = segs[i] as Segment;
    switch (r.pick(['swap', 'reverse', 'shuffle', 'dup', 'drop', 'overlap', 'jump', 'rst', 'syn', 'ack', 'snap'] as const)) {
      case 'swap': { const j = r.int(segs.length); segs[i] = segs[j] as Segment; segs[j] = s; break; }
      case 'reverse': { const j = r.bool(0.3) ? segs.length : Math.min(segs.length, i + r.range(2, 200)); segs.splice(i, j - i, ...segs.slice(i, j).reverse()); break; }
      case 'shuffle': for (let a = segs.length - 1; a > 0; a--) { const b = r.int(a + 1); const t = segs[a] as Segment; segs[a] = segs[b] as Segment; segs[b] = t; } break;
      case 'dup': segs.splice(i, 0, { ...s, tcp: { ...s.tcp } }); break;
      case 'drop': segs.splice(i, r.range(1, 3)); break;
      case 'overlap': {
        const back = r.range(1, 40);
        segs.splice(i + 1, 0, { ...s, tcp: { ...s.tcp, seq: (s.tcp.seq - back) >>> 0, payload: r.bytes(back + r.int(40)) } });
        break;
      }
      case 'jump': s.tcp = { ...s.tcp, seq: r.bool(0.5) ? r.u32() : (s.tcp.seq + r.pick([1, 1000, 0x7fffffff, 0x80000000, 0x80000001])) >>> 0 }; break;
      case 'rst': segs.splice(i, 0, { ...s, tcp: { ...s.tcp, flags: FLAG.RST, payload: Buffer.alloc(0) } }); break;
      case 'syn': segs.splice(i, 0, { ...s, tcp: { ...s.tcp, flags: FLAG.SYN, payload: r.bool(0.5) ? Buffer.alloc(0) : latin1('VER 1 MSNP8 CVR0\r\n') } }); break;
      case 'ack': s.tcp = { ...s.tcp, flags: s.tcp.flags | FLAG.ACK, ack: r.bool(0.5) ? r.u32() : ((s.tcp.ack ?? 0) + r.pick([1, 2, 100, 65536, 0x7fffffff])) >>> 0 }; break;
      case 'snap': s.origExtra = r.range(1, 100); break;
    }
  }
  const link = r.pick([0, 1, 1, 101, 108, 113, 276, 228]);
  const wrap = (ip: Buffer): Buffer => {
    switch (link) {
      case 0: return nullLoopback(ip, r.bool(0.8));
      case 1: return ethernet(ip, r.bool(0.2) ? r.int(4096) : undefined);
      case 113: return linuxSll(ip);
      case 276: return linuxSll2(ip);
      case 108: return nullLoopback(ip, false);
      default: return ip;
    }
  };
  const packets = segs.map((s, i) => {
    const [a, b] = v6 ? [`fe80::${s.conn + 2}`, 'fe80::1'] : [`10.0.0.${s.conn + 2}`, '10.0.0.1'];
    const ip = v6 ? ipv6Packet(s.fromClient ? a : b, s.fromClient ? b : a, s.tcp, { hopByHop: r.bool(0.05) }) : ipv4Packet(s.fromClient ? a : b, s.fromClient ? b : a, s.tcp);
    let data = wrap(link === 228 && v6 ? ip : ip);
    if (s.origExtra > 0) data = data.subarray(0, Math.max(0, data.length - s.origExtra));
    return { t_ms: 1_000_000 + i * r.range(0, 3), data, origLen: data.length + s.origExtra };
  });
  const linkType = link === 228 && v6 ? 229 : link;
  if (r.bool(0.6)) return { name: 'gen.pcap', bytes: writePcap(packets, { linkType, bigEndian: r.bool(0.2), nano: r.bool(0.3), snapLen: r.pick([262144, 65535, 64]) }) };
  const b = new PcapngBuilder(r.bool(0.2)).section().iface(linkType, r.bool(0.5) ? { tsresol: r.pick([6, 9, 0x80 | 10, 0, 255]) } : {});
  for (const p of packets) {
    if (r.bool(0.05)) b.simplePacket(p.data);
    else b.packet(0, BigInt(p.t_ms) * 1000n, p.data);
  }
  return { name: 'gen.pcapng', bytes: b.build() };
}

// ---------------------------------------------------------------------------------------------
// Cases.

export type Case =
  | { kind: string; type: 'stream'; chunks: Chunk[]; limits?: Partial<FramerLimits> }
  | { kind: string; type: 'payload'; payload: Buffer; ctx: PayloadContext }
  | { kind: string; type: 'file'; bytes: Buffer; name: string | undefined };

export const KIND_WEIGHTS: ReadonlyArray<readonly [number, string]> = [
  // streams
  [4, 'gen:random-bytes'], [7, 'gen:token-soup'], [12, 'gen:frames'], [1, 'gen:big-lengths'], [19, 'mut:session'],
  // payloads
  [6, 'gen:mime'], [6, 'gen:xml'], [3, 'gen:p2p-v1'], [3, 'gen:p2p-v2'], [4, 'gen:msnp21'], [2, 'gen:slp'], [1, 'gen:random-payload'], [7, 'mut:payload'],
  // files
  [14, 'mut:file'], [3, 'gen:file'], [3, 'gen:pcap'],
];

function randomContext(r: Rng, params?: readonly string[]): PayloadContext {
  return {
    command: r.pick(VIEW_COMMANDS),
    dir: r.bool(0.5) ? 'c2s' : 's2c',
    version: r.weighted<number>([[10, r.range(2, 21)], [3, 0], [1, r.pick([-1, 1, 22, 99, Number.NaN])]]),
    params: params ?? Array.from({ length: r.skewed(5) }, () => r.pick(WORDS)),
  };
}

/** Small framer limits now and then (only for inputs small enough that a frame per few bytes stays cheap). */
function randomLimits(r: Rng, chunks: readonly Chunk[]): Partial<FramerLimits> | undefined {
  if (r.bool(0.8)) return undefined;
  if (chunks.reduce((n, c) => n + c.bytes.length, 0) > 16384) return undefined;
  return { maxLine: r.pick([4, 8, 16, 64, 100, 512, 4096]), maxPayload: r.pick([0, 1, 16, 100, 1024, 65536]) };
}

function generatedFile(r: Rng, corpus: Corpus): NamedFile {
  return r.weighted<() => NamedFile>([
    [2, () => {
      // Chunk JSONL records with odd values.
      const lines: string[] = [];
      for (let i = r.skewed(30); i >= 0; i--) {
        const rec: Record<string, unknown> = { dir: r.pick(['c2s', 's2c', 'c2s', 's2c', 'x']), conn: r.pick(['ns1', 'sb1', '', 'x']), t_ms: r.pick<unknown>([i, 1e12 + i, -1, 0.5, '1']), b64: (r.bool(0.5) ? anyPayload(r) : tokenSoup(r)).toString('base64') };
        lines.push(JSON.stringify(rec));
      }
      return { name: 'gen.jsonl', bytes: Buffer.from(lines.join('\n'), 'utf8') };
    }],
    [2, () => {
      // A transcript built from generated frames.
      const lines = structuredFrames(r, false).flatMap((f) => `${f.dir === 'c2s' ? 'C' : 'S'}: ${f.bytes.toString('latin1')}`.split(/\r?\n/));
      return { name: r.pick(['gen.txt', 'gen.log', undefined as unknown as string]), bytes: Buffer.from(lines.join('\n'), 'latin1') };
    }],
    [1, () => {
      const head = Buffer.alloc(4);
      head.writeUInt32LE(r.pick([0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34, 0x0a0d0d0a, 0xd4c3b2a1]), 0);
      return { name: r.pick(['gen.pcap', 'gen.pcapng', 'gen.bin']), bytes: Buffer.concat([head, r.bytes(r.skewed(4000))]) };
    }],
    [1, () => ({ name: r.pick(['gen.bin', 'gen.txt', 'gen.jsonl']), bytes: r.bool(0.5) ? r.bytes(r.skewed(2000)) : tokenSoup(r) })],
    [1, () => {
      // Two seed files glued together.
      const a = r.pick(corpus.files);
      const b = r.pick(corpus.files);
      return { name: a.name, bytes: Buffer.concat([a.bytes.subarray(0, r.int(a.bytes.length + 1)), b.bytes.subarray(r.int(b.bytes.length + 1))]) };
    }],
  ])();
}

export function makeCase(seed: number, index: number, corpus: Corpus): Case {
  const r = new Rng(seed, index);
  const kind = r.weighted(KIND_WEIGHTS);
  const donor = (): Buffer => {
    const s = r.pick(corpus.streams).chunks;
    return s.length ? (r.pick(s) as Chunk).bytes : Buffer.alloc(0);
  };
  switch (kind) {
    case 'gen:random-bytes': {
      const conns = r.range(1, 2);
      const chunks: Chunk[] = [];
      for (let i = r.range(1, 12); i > 0; i--) chunks.push({ conn: `c${r.int(conns)}`, dir: r.bool(0.5) ? 'c2s' : 's2c', t_ms: i, bytes: r.bytes(r.skewed(r.bool(0.1) ? 40000 : 600)) });
      return { kind, type: 'stream', chunks, limits: randomLimits(r, chunks) };
    }
    case 'gen:token-soup': {
      const chunks: Chunk[] = [];
      for (let i = r.range(1, 6); i > 0; i--) {
        const dir: Direction = r.bool(0.5) ? 'c2s' : 's2c';
        for (const piece of cut(r, tokenSoup(r))) chunks.push({ conn: r.bool(0.8) ? 'ns1' : 'sb1', dir, t_ms: i, bytes: piece });
      }
      return { kind, type: 'stream', chunks, limits: randomLimits(r, chunks) };
    }
    case 'gen:frames':
    case 'gen:big-lengths': {
      const big = kind === 'gen:big-lengths';
      let chunks = toChunks(r, structuredFrames(r, big), 'ns1');
      if (r.bool(0.3)) {
        const sb = toChunks(r, structuredFrames(r, big), 'sb1');
        // Interleave the second connection's reads.
        const merged: Chunk[] = [];
        let a = 0;
        let b = 0;
        while (a < chunks.length || b < sb.length) merged.push(((r.bool(0.5) && a < chunks.length) || b >= sb.length ? chunks[a++] : sb[b++]) as Chunk);
        chunks = merged;
      }
      return { kind, type: 'stream', chunks, limits: big ? undefined : randomLimits(r, chunks) };
    }
    case 'mut:session': {
      const base = r.bool(0.7) ? r.pick(corpus.sessions) : r.pick(corpus.streams);
      const chunks = mutateSession(r, base.chunks, () => r.pick(corpus.streams).chunks, donor);
      return { kind, type: 'stream', chunks, limits: randomLimits(r, chunks) };
    }
    case 'mut:payload': {
      const seed = corpus.payloads.length ? r.pick(corpus.payloads) : { payload: anyPayload(r), ctx: randomContext(r) };
      const other = () => (corpus.payloads.length ? r.pick(corpus.payloads).payload : anyPayload(r));
      const payload = mutateBytes(r, seed.payload, other);
      return { kind, type: 'payload', payload, ctx: r.bool(0.6) ? seed.ctx : randomContext(r, seed.ctx.params) };
    }
    case 'mut:file': {
      const f = r.pick(corpus.files);
      const bytes = mutateFile(r, f.name, f.bytes, donor);
      return { kind, type: 'file', bytes, name: r.weighted<string | undefined>([[8, f.name], [1, undefined], [1, r.pick(['x.jsonl', 'x.txt', 'x.pcap', 'x.pcapng', 'x.json', 'x'])]]) };
    }
    case 'gen:pcap': {
      const f = genPcap(r, corpus);
      return { kind, type: 'file', bytes: r.bool(0.2) ? mutateBinaryFields(r, f.bytes) : f.bytes, name: r.bool(0.9) ? f.name : undefined };
    }
    case 'gen:file': {
      const f = generatedFile(r, corpus);
      return { kind, type: 'file', bytes: f.bytes, name: f.name };
    }
    default: {
      const gen = PAYLOAD_GENERATORS[kind];
      if (!gen) throw new Error(`unknown case kind ${kind}`);
      return { kind, type: 'payload', payload: gen(r), ctx: randomContext(r) };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Checks.

export interface Finding {
  /** exception | swallowed | conservation | rechunk | view-contract | reader-contract | redaction | memory */
  check: string;
  /** framer | decoder | views | view:<name> | reader | redaction | generator */
  target: string;
  kind: string;
  seed: number;
  index: number;
  message: string;
  stack?: string;
  /** Where the failing input was written (full script only). */
  file?: string;
  /** How many inputs hit the same problem. */
  count: number;
  /** What makes two findings the same problem. */
  key: string;
}

export interface FuzzOptions {
  count: number;
  seed: number;
  /** First input index (to resume or shard). */
  start?: number;
  /** Write failing inputs under this directory (null: do not write). */
  writeDir?: string | null;
  /** Sample memory every this many inputs. */
  memEvery?: number;
  /** Fail when RSS grows beyond this many bytes over the start. */
  rssLimit?: number | null;
  /** Fail when the heap left after a forced GC grows beyond this many bytes (needs --expose-gc). */
  retainedLimit?: number | null;
  /** Fractions of inputs given the costlier checks. */
  rechunkFraction?: number;
  redactFraction?: number;
  /** An input taking longer than this is reported as a slow-input warning (default 2000 ms). */
  slowMs?: number;
  /** Stop after the input during which this much time has passed (the inputs run are still a prefix). */
  timeBudgetMs?: number;
  /** Run every check on every input (replay of one input). */
  allChecks?: boolean;
  progress?: (done: number, report: FuzzReport) => void;
  progressEveryMs?: number;
  corpus?: Corpus;
}

export interface FuzzReport {
  seed: number;
  start: number;
  inputs: number;
  byKind: Record<string, number>;
  byType: Record<string, number>;
  targetRuns: Record<string, number>;
  /** Milliseconds spent per target and per input kind. */
  targetMs: Record<string, number>;
  kindMs: Record<string, number>;
  /** The slowest input (all its targets and checks). */
  slowest: { ms: number; index: number; kind: string };
  /** Inputs slower than the slow-input threshold (a warning, not a failure: timing is noisy). */
  slowInputs: number;
  /** The input that produced the most frames. */
  maxFrames: { frames: number; bytes: number; index: number; kind: string };
  exceptions: number;
  swallowed: number;
  conservationFailures: number;
  conservationChecks: number;
  rechunkChecks: number;
  rechunkFailures: number;
  viewContractFailures: number;
  readerContractFailures: number;
  redactionRuns: number;
  redactionFailures: number;
  memoryFailures: number;
  frames: number;
  bytes: number;
  startRss: number;
  maxRss: number;
  /** The input after which RSS reached its maximum. */
  maxRssAt: { index: number; kind: string };
  startHeap: number;
  maxHeap: number;
  /** Heap still in use after a forced GC (only when run with --expose-gc, as the sharded script does). */
  retainedHeap: { start: number; max: number; samples: number };
  durationMs: number;
  inputsPerSec: number;
  findings: Finding[];
  corpus: string;
}

const MAX_FINDINGS = 100;

type Counter = 'exceptions' | 'swallowed' | 'conservationFailures' | 'rechunkFailures' | 'viewContractFailures' | 'readerContractFailures' | 'redactionFailures' | 'memoryFailures';
const COUNTERS: Readonly<Record<string, Counter>> = {
  exception: 'exceptions', swallowed: 'swallowed', conservation: 'conservationFailures', rechunk: 'rechunkFailures',
  'view-contract': 'viewContractFailures', 'reader-contract': 'readerContractFailures', redaction: 'redactionFailures', memory: 'memoryFailures',
};

class Recorder {
  readonly findings = new Map<string, Finding>();
  constructor(readonly report: FuzzReport, readonly writeDir: string | null, readonly current: { c: Case | null; kind: string; index: number }) {}

  /** `group` names the problem when the message varies with the input (default: the message, digits masked). */
  add(check: string, target: string, message: string, stack?: string, group?: string): void {
    const field = COUNTERS[check];
    if (field) this.report[field]++;
    const key = `${check}|${target}|${group ?? message.split('\n')[0]?.replace(/\d+/g, 'N').slice(0, 160)}|${stack?.split('\n')[1]?.trim() ?? ''}`;
    const known = this.findings.get(key);
    if (known) {
      known.count++;
      return;
    }
    if (this.findings.size >= MAX_FINDINGS) return;
    const f: Finding = { check, target, kind: this.current.kind, seed: this.report.seed, index: this.current.index, message, count: 1, key };
    if (stack !== undefined) f.stack = stack;
    const file = this.write(f);
    if (file) f.file = file;
    this.findings.set(key, f);
    this.report.findings.push(f);
  }

  exception(target: string, err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    this.add('exception', target, `${e.name}: ${e.message}`, e.stack?.split('\n').slice(0, 8).join('\n'));
  }

  #written = new Set<number>();

  write(f: Finding): string | undefined {
    const c = this.current.c;
    if (!this.writeDir || !c) return undefined;
    try {
      mkdirSync(this.writeDir, { recursive: true });
      const stem = join(this.writeDir, `msnp-fuzz-s${f.seed}-i${f.index}-${c.kind.replace(/[^a-z0-9-]/gi, '_')}`);
      let path: string;
      if (c.type === 'stream') {
        path = `${stem}.jsonl`;
        if (!this.#written.has(f.index)) writeFileSync(path, writeChunksJsonl(c.chunks));
      } else if (c.type === 'payload') {
        path = `${stem}.payload.bin`;
        if (!this.#written.has(f.index)) {
          writeFileSync(path, c.payload);
          writeFileSync(`${stem}.payload.ctx.json`, JSON.stringify(c.ctx));
        }
      } else {
        const ext = (c.name ?? 'input.bin').replace(/^.*?((\.[a-z]+)+)?$/i, '$1') || '.bin';
        path = `${stem}${ext}`;
        if (!this.#written.has(f.index)) writeFileSync(path, c.bytes);
      }
      this.#written.add(f.index);
      return path;
    } catch {
      return undefined;
    }
  }
}

function timed<T>(report: FuzzReport, target: string, fn: () => T): T {
  const t = performance.now();
  try {
    return fn();
  } finally {
    report.targetMs[target] = (report.targetMs[target] ?? 0) + performance.now() - t;
  }
}

const streamKey = (conn: string, dir: string) => `${conn}\u0000${dir}`;

function streamsOf(chunks: readonly Chunk[]): Map<string, { conn: string; dir: Direction; pieces: Buffer[] }> {
  const out = new Map<string, { conn: string; dir: Direction; pieces: Buffer[] }>();
  for (const c of chunks) {
    const key = streamKey(c.conn, c.dir);
    let s = out.get(key);
    if (!s) out.set(key, (s = { conn: c.conn, dir: c.dir, pieces: [] }));
    s.pieces.push(c.bytes);
  }
  return out;
}

/** Frames a stream with the framer alone; returns the frames' signatures, or records a problem. */
function frameStream(pieces: readonly Buffer[], dir: Direction, version: number, limits: Partial<FramerLimits> | undefined, rec: Recorder, label: string): string[] | null {
  const frames: Frame[] = [];
  const framer = new Framer(payloadRule(dir, () => version), (f) => frames.push(f), limits);
  try {
    for (const p of pieces) framer.push(p);
    framer.end();
  } catch (err) {
    rec.exception('framer', err);
    return null;
  }
  const total = pieces.reduce((n, p) => n + p.length, 0);
  const sigs: string[] = [];
  const out: Buffer[] = [];
  let offset = 0;
  try {
    for (const f of frames) {
      if (f.offset !== offset || f.size <= 0) {
        rec.add('conservation', 'framer', `${label}: frame at offset ${f.offset} (size ${f.size}) where ${offset} was expected`, undefined, 'frame offset gap');
        return null;
      }
      offset += f.size;
      const bytes = f.bytes;
      if (bytes.length !== f.size) {
        rec.add('conservation', 'framer', `${label}: frame bytes ${bytes.length} != size ${f.size}`, undefined, 'frame bytes size');
        return null;
      }
      out.push(bytes);
      // Reading every accessor must not throw either.
      const line = f.line;
      const payload = f.payload;
      void f.command;
      if (f.kind === 'command' && (line === null || bytes.subarray(0, line.length).toString('latin1') !== line)) {
        rec.add('conservation', 'framer', `${label}: command frame at ${f.offset} whose line is not its first bytes`, undefined, 'line not first bytes');
      }
      if (payload !== null && f.payloadLength !== null && payload.length > f.payloadLength) {
        rec.add('conservation', 'framer', `${label}: frame at ${f.offset} holds ${payload.length} payload bytes, ${f.payloadLength} announced`, undefined, 'payload longer than announced');
      }
      sigs.push(`${f.kind}|${f.offset}|${f.size}|${f.payloadLength}|${f.issues.join(';')}`);
    }
  } catch (err) {
    rec.exception('framer', err);
    return null;
  }
  if (offset !== total) {
    rec.add('conservation', 'framer', `${label}: frames cover ${offset} of ${total} bytes`, undefined, 'frames do not cover input');
    return null;
  }
  const joined = Buffer.concat(out);
  const input = Buffer.concat(pieces as Buffer[]);
  if (!joined.equals(input)) {
    rec.add('conservation', 'framer', `${label}: concatenated frame bytes differ from the input`, undefined, 'bytes differ');
    return null;
  }
  checkGathered(frames, { ...DEFAULT_LIMITS, ...limits }.maxLine, rec, label);
  return sigs;
}

/**
 * Junk must not multiply frames: after a lone garbage line the framer gathers further garbage lines
 * into frames of up to maxLine (two neighbours always hold more than maxLine), so each run of garbage
 * between other frames makes at most 2 + 2·bytes/maxLine frames.
 */
function checkGathered(frames: readonly Frame[], maxLine: number, rec: Recorder, label: string): void {
  let garbage = 0;
  let garbageBytes = 0;
  let others = 0;
  for (const f of frames) {
    if (f.kind === 'raw' && f.issues.some((i) => i.startsWith('garbage'))) {
      garbage++;
      garbageBytes += f.size;
    } else others++;
  }
  const bound = 2 * (others + 1) + (2 * garbageBytes) / maxLine;
  if (garbage > bound) {
    rec.add('memory', 'framer', `${label}: ${garbage} garbage frames for ${garbageBytes} bytes between ${others} other frames (at most ${Math.floor(bound)} expected)`, undefined, 'garbage lines not gathered');
  }
}

/** Random re-chunking of one stream (arbitrary cut points). */
function recut(r: Rng, pieces: readonly Buffer[]): Buffer[] {
  const all = Buffer.concat(pieces as Buffer[]);
  return cut(r, all, 64);
}

/** Re-chunks a capture without changing the order in which connections and directions interleave. */
function recutChunks(r: Rng, chunks: readonly Chunk[]): Chunk[] {
  const out: Chunk[] = [];
  for (const c of chunks) {
    const last = out[out.length - 1];
    if (last && last.conn === c.conn && last.dir === c.dir && r.bool(0.3)) {
      out[out.length - 1] = { ...last, bytes: Buffer.concat([last.bytes, c.bytes]), t_ms: c.t_ms };
      continue;
    }
    for (const piece of cut(r, c.bytes, 16)) out.push({ ...c, bytes: piece });
  }
  return out;
}

/** Per-stream offset/size conservation of decoded frames. */
function checkDecoded(chunks: readonly Chunk[], frames: readonly DecodedFrame[], rec: Recorder, target: string): boolean {
  const sent = new Map<string, number>();
  for (const c of chunks) sent.set(streamKey(c.conn, c.dir), (sent.get(streamKey(c.conn, c.dir)) ?? 0) + c.bytes.length);
  const framed = new Map<string, number>();
  for (const f of frames) {
    const key = streamKey(f.conn, f.dir);
    const at = framed.get(key) ?? 0;
    if (f.offset !== at || f.size <= 0) {
      rec.add('conservation', target, `${f.conn} ${f.dir}: frame ${f.index} at offset ${f.offset} size ${f.size}, expected offset ${at}`, undefined, 'frame offset gap');
      return false;
    }
    framed.set(key, at + f.size);
  }
  for (const [key, n] of sent) {
    if ((framed.get(key) ?? 0) !== n) {
      rec.add('conservation', target, `${key.replace('\u0000', ' ')}: frames cover ${framed.get(key) ?? 0} of ${n} bytes`, undefined, 'frames do not cover input');
      return false;
    }
  }
  for (const key of framed.keys()) {
    if (!sent.has(key)) {
      rec.add('conservation', target, `${key.replace('\u0000', ' ')}: frames for a stream that sent nothing`, undefined, 'frames for silent stream');
      return false;
    }
  }
  return true;
}

const SWALLOWED = /view [\w-]+ (?:failed:|could not rate the payload:)/;

function checkSwallowedViews(issues: readonly string[], rec: Recorder, target: string): void {
  for (const i of issues) if (SWALLOWED.test(i)) rec.add('swallowed', target, i);
}

function checkView(view: RenderedView, length: number, rec: Recorder, target: string): void {
  if (typeof view.view !== 'string' || typeof view.title !== 'string' || !Array.isArray(view.nodes) || !Array.isArray(view.issues)) {
    rec.add('view-contract', target, 'view is missing view/title/nodes/issues');
    return;
  }
  let bad: string | null = null;
  let count = 0;
  const walk = (nodes: readonly ViewNode[], depth: number): void => {
    for (const n of nodes) {
      if (bad) return;
      count++;
      if (typeof n.label !== 'string') bad = 'node without a string label';
      else if (n.value !== undefined && typeof n.value !== 'string') bad = `node "${n.label}" has a non-string value`;
      else if (n.span && !(Number.isInteger(n.span[0]) && Number.isInteger(n.span[1]) && n.span[0] >= 0 && n.span[0] <= n.span[1] && n.span[1] <= length)) {
        bad = `node "${n.label}" span [${n.span[0]}, ${n.span[1]}] outside the ${length}-byte payload`;
      } else if (depth > 200) bad = 'view tree deeper than 200';
      if (n.children) walk(n.children, depth + 1);
    }
  };
  walk(view.nodes, 0);
  if (bad) rec.add('view-contract', target, `${view.view}: ${bad}`, undefined, `${view.view}: ${String(bad).replace(/"[^"]*"/g, '"…"').replace(/\d+/g, 'N')}`);
}

function renderViews(payload: Buffer, ctx: PayloadContext, rec: Recorder, report: FuzzReport): void {
  report.targetRuns.views = (report.targetRuns.views ?? 0) + 1;
  let winner = '';
  try {
    const v = renderPayload(payload, ctx);
    checkSwallowedViews(v.issues, rec, 'views');
    checkView(v, payload.length, rec, 'views');
    winner = v.view;
  } catch (err) {
    rec.exception('views', err);
  }
  // Each view directly, so an exception the registry would swallow shows its stack.
  for (const view of PAYLOAD_VIEWS) {
    let priority = -1;
    try {
      priority = view.priority(payload, ctx);
    } catch (err) {
      rec.exception(`view:${view.name}.priority`, err);
    }
    // Views that rate the payload as theirs; the P2P view never does (it is a sub-view) but must render
    // any bytes, and the fallbacks must too. The registry already rendered the winner; the hex dump of
    // a large payload is slow and simple, so it is only redone for small ones.
    const fallback = view.name === 'p2p' || view.name === 'text' || view.name === 'hex';
    if (priority < 0 && !(fallback && payload.length <= 4096)) continue;
    if (view.name === winner) continue; // already rendered (and checked) by the registry
    if (view.name === 'hex' && payload.length > 4096) continue;
    try {
      const v = view.render(payload, ctx);
      checkView(v, payload.length, rec, `view:${view.name}`);
    } catch (err) {
      rec.exception(`view:${view.name}.render`, err);
    }
  }
}

function runDecoder(chunks: readonly Chunk[], limits: Partial<FramerLimits> | undefined, views: boolean, rec: Recorder, report: FuzzReport, target = 'decoder'): DecodedFrame[] | null {
  report.targetRuns[target] = (report.targetRuns[target] ?? 0) + 1;
  let frames: DecodedFrame[];
  const t = performance.now();
  try {
    frames = decodeChunks(chunks, limits ? { views, limits } : { views }).frames;
  } catch (err) {
    rec.exception(target, err);
    return null;
  } finally {
    report.targetMs[target] = (report.targetMs[target] ?? 0) + performance.now() - t;
  }
  report.frames += frames.length;
  if (frames.length > report.maxFrames.frames) {
    report.maxFrames = { frames: frames.length, bytes: chunks.reduce((n, c) => n + c.bytes.length, 0), index: rec.current.index, kind: rec.current.kind };
  }
  report.conservationChecks++;
  checkDecoded(chunks, frames, rec, target);
  for (const f of frames) if (f.view) checkSwallowedViews(f.view.issues, rec, `${target}/views`);
  return frames;
}

function signature(frames: readonly DecodedFrame[]): string {
  return JSON.stringify(frames, (key, value: unknown) => (key === 't_ms' || key === 'latencyMs' ? undefined : value));
}

/** Deep equality of decoded frames, ignoring times (re-chunking moves reads in time). */
function sameFrames(a: unknown, b: unknown, key = ''): boolean {
  if (key === 't_ms' || key === 'latencyMs') return true;
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameFrames(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!sameFrames((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], k)) return false;
  return true;
}

/** What redaction must keep of a frame: its kind, command, whether it carries a payload, was cut short or over the cap. */
function shape(f: DecodedFrame): string {
  const cut = f.issues.some((i) => i.startsWith('truncated:')) ? ' cut' : '';
  const oversize = f.issues.some((i) => i.startsWith('oversize:')) ? ' oversize' : '';
  return `${f.kind} ${f.command} ${f.payloadLength === null ? '-' : 'P'}${cut}${oversize}`;
}

function perStream(frames: readonly DecodedFrame[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of frames) {
    const key = `${f.conn} ${f.dir}`;
    let list = out.get(key);
    if (!list) out.set(key, (list = []));
    list.push(shape(f));
  }
  return out;
}

function runRedaction(chunks: readonly Chunk[], rec: Recorder, report: FuzzReport): void {
  report.redactionRuns++;
  report.targetRuns.redaction = (report.targetRuns.redaction ?? 0) + 1;
  let result: ReturnType<typeof redactChunks>;
  try {
    result = redactChunks(chunks);
  } catch (err) {
    rec.exception('redaction', err);
    return;
  }
  const keys = new Set(chunks.map((c) => streamKey(c.conn, c.dir)));
  for (const c of result.chunks) {
    if (!Buffer.isBuffer(c.bytes) || !keys.has(streamKey(c.conn, c.dir))) {
      rec.add('redaction', 'redaction', 'redacted output has a read for a stream that was not in the input');
      return;
    }
  }
  if (result.changedFrames === 0) {
    const same = result.chunks.length === chunks.length && result.chunks.every((c, i) => c.bytes.equals((chunks[i] as Chunk).bytes));
    if (!same) rec.add('redaction', 'redaction', 'nothing redacted, yet the reads changed');
    return;
  }
  // Redaction replaces values: every stream keeps its frames (kinds, commands, payloads, cut-short
  // frames), and the frames of all streams keep their order (redact-chunks.ts promises both).
  try {
    const before = decodeChunks(chunks).frames;
    const after = decodeChunks(result.chunks).frames;
    const a = perStream(before);
    const b = perStream(after);
    let streamProblem = false;
    for (const [key, list] of a) {
      const other = b.get(key) ?? [];
      if (list.join('\n') === other.join('\n')) continue;
      let i = 0;
      while (i < list.length && list[i] === other[i]) i++;
      const was = list[i] ?? '(none)';
      const now = other[i] ?? '(none)';
      const group = was.endsWith(' cut') && !now.endsWith(' cut') ? 'a payload cut short by the end of the stream became complete' : 'framing of a stream changed';
      rec.add('redaction', 'redaction', `${key}: frame ${i} was "${was}", now "${now}"`, undefined, group);
      streamProblem = true;
      break;
    }
    if (!streamProblem) {
      const order = (frames: readonly DecodedFrame[]) => frames.map((f) => `${f.conn} ${f.dir}`);
      const x = order(before);
      const y = order(after);
      if (x.join('\n') !== y.join('\n')) {
        let i = 0;
        while (i < x.length && x[i] === y[i]) i++;
        const firstSeen = (cs: readonly Chunk[]) => [...new Set(cs.map((c) => c.conn))].join(',');
        const group = firstSeen(chunks) !== firstSeen(result.chunks) ? 'connections first seen in another order (reads emptied by redaction dropped)' : 'frame order across streams changed';
        rec.add('redaction', 'redaction', `frame ${i} of the capture was from ${x[i] ?? '(none)'}, now from ${y[i] ?? '(none)'}; connections in order of first read: ${firstSeen(chunks)} before, ${firstSeen(result.chunks)} after`, undefined, group);
      }
    }
    const again = redactChunks(result.chunks);
    if (again.changedFrames !== 0) rec.add('redaction', 'redaction', `redacting the redacted output changed ${again.changedFrames} more frames`, undefined, 'not idempotent');
  } catch (err) {
    rec.exception('redaction', err);
  }
}

function runStream(c: Extract<Case, { type: 'stream' }>, r: Rng, rec: Recorder, report: FuzzReport, all: boolean, rechunkFraction: number, redactFraction: number): void {
  for (const ch of c.chunks) report.bytes += ch.bytes.length;
  // Framer alone, per stream, with a fixed negotiated version.
  report.targetRuns.framer = (report.targetRuns.framer ?? 0) + 1;
  const rechunk = all || r.bool(rechunkFraction);
  for (const s of streamsOf(c.chunks).values()) {
    const version = r.pick([0, 0, 2, 8, 11, 12, 13, 15, 18, 21]);
    const label = `${s.conn} ${s.dir} (version ${version})`;
    const sigs = timed(report, 'framer', () => frameStream(s.pieces, s.dir, version, c.limits, rec, label));
    if (sigs && rechunk) {
      report.rechunkChecks++;
      const again = timed(report, 'framer', () => frameStream(recut(r, s.pieces), s.dir, version, c.limits, rec, `${label}, re-chunked`));
      if (again && again.join('\n') !== sigs.join('\n')) {
        let i = 0;
        while (i < sigs.length && sigs[i] === again[i]) i++;
        rec.add('rechunk', 'framer', `${label}: frame ${i} is "${sigs[i] ?? '(none)'}" but "${again[i] ?? '(none)'}" when re-chunked`, undefined, 'framer frames differ');
      }
    }
  }
  // The whole decoder with payload views.
  const frames = runDecoder(c.chunks, c.limits, true, rec, report);
  if (frames && rechunk) {
    report.rechunkChecks++;
    const other = recutChunks(r, c.chunks);
    const again = runDecoder(other, c.limits, true, rec, report, 'decoder(re-chunked)');
    if (again && timed(report, 'compare', () => !sameFrames(frames, again))) {
      const a = frames.map((f) => signature([f]));
      const b = again.map((f) => signature([f]));
      let i = 0;
      while (i < a.length && a[i] === b[i]) i++;
      rec.add('rechunk', 'decoder', `frame ${i} differs when re-chunked: ${(a[i] ?? '(none)').slice(0, 300)} vs ${(b[i] ?? '(none)').slice(0, 300)}`, undefined, 'decoder frames differ');
    }
  }
  if (all || r.bool(redactFraction)) timed(report, 'redaction', () => runRedaction(c.chunks, rec, report));
}

function runFile(c: Extract<Case, { type: 'file' }>, r: Rng, rec: Recorder, report: FuzzReport, all: boolean, redactFraction: number): void {
  report.bytes += c.bytes.length;
  report.targetRuns.reader = (report.targetRuns.reader ?? 0) + 1;
  let result: ReturnType<typeof readInput>;
  try {
    result = timed(report, 'reader', () => readInput(c.bytes, c.name));
  } catch (err) {
    rec.exception('reader', err);
    return;
  }
  for (const issue of result.issues) {
    if (/reading as \w+ failed: /.test(issue) || /^(?:TypeError|RangeError|ReferenceError|SyntaxError: (?!JSON|Unexpected|Expected|Bad|Unterminated))/.test(issue)) {
      rec.add('swallowed', `reader:${result.format}`, issue);
    }
  }
  const chunks = result.chunks;
  for (const ch of chunks) {
    if (!Buffer.isBuffer(ch.bytes) || (ch.dir !== 'c2s' && ch.dir !== 's2c') || typeof ch.conn !== 'string' || ch.conn === '' || typeof ch.t_ms !== 'number' || !Number.isFinite(ch.t_ms)) {
      rec.add('reader-contract', `reader:${result.format}`, `reader returned a malformed chunk: ${JSON.stringify({ ...ch, bytes: undefined })}`, undefined, 'malformed chunk');
      return;
    }
  }
  if (chunks.length === 0) return;
  runDecoder(chunks, undefined, all || r.bool(0.3), rec, report, 'decoder(read)');
  if (all || r.bool(redactFraction)) timed(report, 'redaction', () => runRedaction(chunks, rec, report));
}

/** RSS after every input (cheap), heap every `memEvery` inputs; the input that raised RSS to its maximum is kept. */
function memory(report: FuzzReport, rec: Recorder, rssLimit: number | null, heap: boolean): void {
  const rss = process.memoryUsage.rss();
  if (rss > report.maxRss) {
    report.maxRss = rss;
    report.maxRssAt = { index: rec.current.index, kind: rec.current.kind };
  }
  if (heap) {
    const used = process.memoryUsage().heapUsed;
    if (used > report.maxHeap) report.maxHeap = used;
  }
  if (rssLimit !== null && rss - report.startRss > rssLimit && report.memoryFailures === 0) {
    rec.add('memory', 'process', `RSS ${mb(rss)} grew more than ${mb(rssLimit)} over the start (${mb(report.startRss)}), after input ${rec.current.index}`);
  }
}

/** Heap after a full GC: what the decoder really keeps (a leak grows this; garbage does not). */
function retained(report: FuzzReport, rec?: Recorder, limit?: number | null): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  gc();
  const used = process.memoryUsage().heapUsed;
  const r = report.retainedHeap;
  if (r.samples === 0) r.start = used;
  r.max = Math.max(r.max, used);
  r.samples++;
  if (rec && limit != null && used - r.start > limit && !rec.report.findings.some((f) => f.check === 'memory' && f.target === 'heap')) {
    rec.add('memory', 'heap', `heap retained after GC grew by ${mb(used - r.start)} (from ${mb(r.start)}), after input ${rec.current.index}`);
  }
}

export function runFuzz(options: FuzzOptions): FuzzReport {
  const corpus = options.corpus ?? loadCorpus();
  const start = options.start ?? 0;
  const memEvery = options.memEvery ?? 1000;
  const rechunkFraction = options.rechunkFraction ?? 0.125;
  const redactFraction = options.redactFraction ?? 0.1;
  const all = options.allChecks ?? false;
  const slowMs = options.slowMs ?? 2000;
  const m0 = process.memoryUsage();
  const report: FuzzReport = {
    seed: options.seed, start, inputs: 0, byKind: {}, byType: {}, targetRuns: {}, targetMs: {}, kindMs: {}, slowest: { ms: 0, index: -1, kind: '' }, slowInputs: 0, maxFrames: { frames: 0, bytes: 0, index: -1, kind: '' }, exceptions: 0, swallowed: 0,
    conservationFailures: 0, conservationChecks: 0, rechunkChecks: 0, rechunkFailures: 0, viewContractFailures: 0,
    readerContractFailures: 0, redactionRuns: 0, redactionFailures: 0, memoryFailures: 0, frames: 0, bytes: 0,
    startRss: m0.rss, maxRss: m0.rss, maxRssAt: { index: -1, kind: '' }, startHeap: m0.heapUsed, maxHeap: m0.heapUsed, retainedHeap: { start: 0, max: 0, samples: 0 }, durationMs: 0, inputsPerSec: 0,
    findings: [], corpus: corpus.description,
  };
  const current: { c: Case | null; kind: string; index: number } = { c: null, kind: '', index: 0 };
  const rec = new Recorder(report, options.writeDir ?? null, current);
  retained(report);
  const t0 = performance.now();
  let lastProgress = t0;
  for (let index = start; index < start + options.count; index++) {
    if (options.timeBudgetMs !== undefined && performance.now() - t0 > options.timeBudgetMs) break;
    current.index = index;
    current.c = null;
    current.kind = 'generator';
    let c: Case;
    const tGen = performance.now();
    try {
      c = makeCase(options.seed, index, corpus);
    } catch (err) {
      rec.exception('generator', err);
      continue;
    } finally {
      report.targetMs.generate = (report.targetMs.generate ?? 0) + performance.now() - tGen;
    }
    current.c = c;
    current.kind = c.kind;
    report.inputs++;
    report.byKind[c.kind] = (report.byKind[c.kind] ?? 0) + 1;
    report.byType[c.type] = (report.byType[c.type] ?? 0) + 1;
    // The checks draw from their own generator, so the input does not depend on which checks run.
    const r = new Rng(options.seed ^ 0x5bd1e995, index);
    const tCase = performance.now();
    if (c.type === 'stream') runStream(c, r, rec, report, all, rechunkFraction, redactFraction);
    else if (c.type === 'payload') {
      report.bytes += c.payload.length;
      timed(report, 'views', () => renderViews(c.payload, c.ctx, rec, report));
    } else runFile(c, r, rec, report, all, redactFraction);
    const caseMs = performance.now() - tCase;
    report.kindMs[c.kind] = (report.kindMs[c.kind] ?? 0) + caseMs;
    if (caseMs > report.slowest.ms) report.slowest = { ms: caseMs, index, kind: c.kind };
    if (caseMs > slowMs) {
      report.slowInputs++;
      rec.add('slow', c.type === 'file' ? 'reader' : c.type === 'payload' ? 'views' : 'decoder', `input took ${(caseMs / 1000).toFixed(1)} s (threshold ${(slowMs / 1000).toFixed(1)} s)`);
    }
    memory(report, rec, options.rssLimit ?? null, (index - start + 1) % memEvery === 0);
    if ((index - start + 1) % (memEvery * 50) === 0) retained(report, rec, options.retainedLimit ?? null);
    if ((index - start + 1) % memEvery === 0) {
      const now = performance.now();
      if (options.progress && now - lastProgress >= (options.progressEveryMs ?? 10_000)) {
        lastProgress = now;
        report.durationMs = now - t0;
        report.inputsPerSec = report.inputs / (report.durationMs / 1000);
        options.progress(index - start + 1, report);
      }
    }
  }
  current.c = null;
  memory(report, rec, options.rssLimit ?? null, true);
  retained(report, rec, options.retainedLimit ?? null);
  report.durationMs = performance.now() - t0;
  report.inputsPerSec = report.inputs / Math.max(report.durationMs / 1000, 1e-9);
  return report;
}

/** Whether the run found nothing wrong. */
export function passed(report: FuzzReport): boolean {
  return report.exceptions === 0 && report.swallowed === 0 && report.conservationFailures === 0 && report.rechunkFailures === 0 &&
    report.viewContractFailures === 0 && report.readerContractFailures === 0 && report.redactionFailures === 0 && report.memoryFailures === 0;
}

function mb(n: number): string {
  return `${(n / 1048576).toFixed(0)} MB`;
}

export function formatReport(report: FuzzReport): string {
  const kinds = Object.entries(report.byKind).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
  const lines = [
    `fuzz seed ${report.seed}: ${report.inputs} inputs run, from index ${report.start} (${Object.entries(report.byType).map(([k, n]) => `${k} ${n}`).join(', ')})`,
    `  by kind: ${kinds}`,
    `  target runs: ${Object.entries(report.targetRuns).map(([k, n]) => `${k} ${n}`).join(', ')}; ${report.frames} frames, ${mb(report.bytes)} of input`,
    `  exceptions: ${report.exceptions}/${report.inputs}; swallowed by guards: ${report.swallowed}`,
    `  conservation failures: ${report.conservationFailures} (${report.conservationChecks} decoder checks + every framer run); re-chunk: ${report.rechunkFailures}/${report.rechunkChecks}`,
    `  view contract: ${report.viewContractFailures}; reader contract: ${report.readerContractFailures}; redaction: ${report.redactionFailures}/${report.redactionRuns}`,
    `  memory (per process): RSS start ${mb(report.startRss)}, max ${mb(report.maxRss)} (+${mb(report.maxRss - report.startRss)}, reached at input ${report.maxRssAt.index}, ${report.maxRssAt.kind}); heap start ${mb(report.startHeap)}, max ${mb(report.maxHeap)}${report.retainedHeap.samples ? `; heap retained after GC ${mb(report.retainedHeap.start)} at start, max ${mb(report.retainedHeap.max)} (${report.retainedHeap.samples} samples)` : ''}${report.memoryFailures ? ' — BOUND EXCEEDED' : ''}`,
    `  time: ${(report.durationMs / 1000).toFixed(1)} s, ${report.inputsPerSec.toFixed(0)} inputs/s; by target: ${Object.entries(report.targetMs).sort((a, b) => b[1] - a[1]).map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`).join(', ')}`,
    `  by kind: ${Object.entries(report.kindMs).sort((a, b) => b[1] - a[1]).map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`).join(', ')}`,
    `  slowest input: ${report.slowest.ms.toFixed(0)} ms (input ${report.slowest.index}, ${report.slowest.kind}); slow-input warnings: ${report.slowInputs}`,
    `  most frames from one input: ${report.maxFrames.frames} frames from ${report.maxFrames.bytes} bytes (input ${report.maxFrames.index}, ${report.maxFrames.kind})`,
    `  corpus: ${report.corpus}`,
    `  result: ${passed(report) ? 'PASS' : 'FAIL'}`,
  ];
  for (const f of report.findings) {
    lines.push(`  - [${f.check}] ${f.target} (${f.kind}, ${f.count}×): ${f.message.slice(0, 400)}`);
    lines.push(`      reproduce: npx tsx scripts/fuzz.ts --seed ${f.seed} --only ${f.index}${f.file ? `   input: ${f.file}` : ''}`);
    if (f.stack) lines.push(...f.stack.split('\n').slice(1, 5).map((l) => `      ${l.trim()}`));
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Command line.

interface Args {
  count: number;
  seed: number;
  start: number;
  only: number | null;
  jobs: number;
  write: boolean;
  rssLimitMb: number;
  json: boolean;
  child: boolean;
}

const USAGE = 'usage: npx tsx scripts/fuzz.ts [--count N] [--seed S] [--start I] [--jobs J] [--only I] [--rss-limit-mb M] [--no-write] [--json]';

function parseArgs(argv: readonly string[]): Args {
  const out: Args = { count: 1_000_000, seed: 1, start: 0, only: null, jobs: Math.max(1, Math.min(availableParallelism(), 4)), write: true, rssLimitMb: 300, json: false, child: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): number => {
      const v = inline ?? argv[++i];
      const n = Number(String(v).replace(/_/g, ''));
      if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a non-negative number`);
      return Math.floor(n);
    };
    switch (flag) {
      case '--count': case '-n': out.count = value(); break;
      case '--seed': case '-s': out.seed = value() >>> 0; break;
      case '--start': out.start = value(); break;
      case '--only': out.only = value(); break;
      case '--jobs': case '-j': out.jobs = Math.max(1, value()); break;
      case '--rss-limit-mb': out.rssLimitMb = value(); break;
      case '--no-write': out.write = false; break;
      case '--json': out.json = true; break;
      case '--child': out.child = true; break;
      case '--help': case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default: throw new Error(`unknown argument ${a}\n${USAGE}`);
    }
  }
  return out;
}

type ChildMessage = { type: 'progress'; done: number; report: FuzzReport } | { type: 'report'; report: FuzzReport };

function progressLine(done: number, total: number, r: FuzzReport, perSec: number, rss: number): string {
  const other = r.swallowed + r.conservationFailures + r.rechunkFailures + r.viewContractFailures + r.readerContractFailures + r.redactionFailures + r.memoryFailures;
  return `[fuzz] ${done}/${total} inputs, ${perSec.toFixed(0)}/s, RSS ${mb(rss)}, exceptions ${r.exceptions}, other failures ${other}`;
}

const COUNTER_FIELDS = [
  'inputs', 'exceptions', 'swallowed', 'conservationFailures', 'conservationChecks', 'rechunkChecks', 'rechunkFailures', 'viewContractFailures',
  'readerContractFailures', 'redactionRuns', 'redactionFailures', 'memoryFailures', 'frames', 'bytes', 'slowInputs',
] as const;

/** Sums the reports of the shards of one run. */
export function mergeReports(reports: readonly FuzzReport[], durationMs: number): FuzzReport {
  const first = reports[0];
  if (!first) throw new Error('no reports to merge');
  const sum = (pick: (r: FuzzReport) => Record<string, number>): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const r of reports) for (const [k, v] of Object.entries(pick(r))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const merged: FuzzReport = {
    ...first,
    start: Math.min(...reports.map((r) => r.start)),
    byKind: sum((r) => r.byKind), byType: sum((r) => r.byType), targetRuns: sum((r) => r.targetRuns),
    targetMs: sum((r) => r.targetMs), kindMs: sum((r) => r.kindMs),
    maxFrames: reports.map((r) => r.maxFrames).reduce((a, b) => (b.frames > a.frames ? b : a)),
    slowest: reports.map((r) => r.slowest).reduce((a, b) => (b.ms > a.ms ? b : a)),
    startRss: Math.max(...reports.map((r) => r.startRss)), maxRss: Math.max(...reports.map((r) => r.maxRss)),
    maxRssAt: reports.reduce((a, b) => (b.maxRss > a.maxRss ? b : a)).maxRssAt,
    startHeap: Math.max(...reports.map((r) => r.startHeap)), maxHeap: Math.max(...reports.map((r) => r.maxHeap)),
    retainedHeap: { start: Math.max(...reports.map((r) => r.retainedHeap.start)), max: Math.max(...reports.map((r) => r.retainedHeap.max)), samples: reports.reduce((n, r) => n + r.retainedHeap.samples, 0) },
    findings: [], durationMs, inputsPerSec: 0,
  };
  for (const f of COUNTER_FIELDS) merged[f] = reports.reduce((n, r) => n + r[f], 0);
  merged.inputsPerSec = merged.inputs / Math.max(durationMs / 1000, 1e-9);
  // The same problem found by several shards is one finding.
  const byKey = new Map<string, Finding>();
  for (const f of reports.flatMap((r) => r.findings)) {
    const known = byKey.get(f.key);
    if (known) known.count += f.count;
    else byKey.set(f.key, { ...f });
  }
  merged.findings = [...byKey.values()];
  return merged;
}

/** Runs the inputs in `jobs` child processes (each its own heap and RSS bound) and merges their reports. */
async function runSharded(args: Args, corpusDescription: string): Promise<FuzzReport> {
  const script = fileURLToPath(import.meta.url);
  const t0 = performance.now();
  const shards: Array<{ start: number; count: number }> = [];
  const per = Math.ceil(args.count / args.jobs);
  for (let s = args.start; s < args.start + args.count; s += per) shards.push({ start: s, count: Math.min(per, args.start + args.count - s) });
  const latest = new Map<number, { done: number; report: FuzzReport }>();
  const finals: FuzzReport[] = [];
  const crashes: Finding[] = [];
  let lastPrint = t0;
  const print = () => {
    const now = performance.now();
    if (now - lastPrint < 10_000) return;
    lastPrint = now;
    const reports = [...latest.values()].map((x) => x.report);
    if (reports.length === 0) return;
    const m = mergeReports(reports, now - t0);
    const done = [...latest.values()].reduce((n, x) => n + x.done, 0);
    console.error(progressLine(done, args.count, m, done / ((now - t0) / 1000), m.maxRss));
  };
  await Promise.all(shards.map((shard, w) => new Promise<void>((done) => {
    const argv = ['--child', '--seed', String(args.seed), '--start', String(shard.start), '--count', String(shard.count), '--rss-limit-mb', String(args.rssLimitMb), ...(args.write ? [] : ['--no-write'])];
    const child = fork(script, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, '--expose-gc'] });
    let lastBeat = performance.now();
    // A child that stops reporting progress is stuck on an input (or a pathological one is very slow).
    const watchdog = setInterval(() => {
      if (performance.now() - lastBeat > 300_000) {
        const at = latest.get(w)?.done ?? 0;
        crashes.push({ check: 'exception', target: 'process', kind: 'hang', seed: args.seed, index: shard.start + at, message: `no progress for 5 minutes in inputs ${shard.start + at}..${shard.start + at + 999}; killed`, count: 1, key: `hang ${w}` });
        child.kill('SIGKILL');
      }
    }, 10_000);
    child.on('message', (m: ChildMessage) => {
      lastBeat = performance.now();
      if (m.type === 'progress') {
        latest.set(w, { done: m.done, report: m.report });
        print();
      } else {
        latest.set(w, { done: m.report.inputs, report: m.report });
        finals.push(m.report);
      }
    });
    child.on('exit', (code, signal) => {
      clearInterval(watchdog);
      if (!finals.some((r) => r.start === shard.start)) {
        const at = latest.get(w)?.done ?? 0;
        crashes.push({
          check: 'exception', target: 'process', kind: 'crash', seed: args.seed, index: shard.start + at,
          message: `shard ${shard.start}..${shard.start + shard.count - 1} died (${signal ?? `exit ${code}`}) in inputs ${shard.start + at}..${shard.start + at + 999}`, count: 1, key: `crash ${w}`,
        });
      }
      done();
    });
  })));
  const report = finals.length > 0 ? mergeReports(finals, performance.now() - t0) : mergeReports([runFuzz({ count: 0, seed: args.seed, corpus: loadCorpus() })], performance.now() - t0);
  report.start = args.start;
  report.corpus = corpusDescription;
  for (const c of crashes) {
    report.exceptions++;
    report.findings.push(c);
  }
  return report;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const writeDir = args.write ? join(tmpdir(), 'msnp-fuzz') : null;
  const rssLimit = args.rssLimitMb * 1048576;
  if (args.child) {
    // One shard of a sharded run: progress and the final report go to the parent.
    const send = (m: ChildMessage) => process.send?.(m);
    const report = runFuzz({
      count: args.count, seed: args.seed, start: args.start, writeDir, rssLimit, retainedLimit: 100 * 1048576, progressEveryMs: 2000,
      progress: (done, r) => send({ type: 'progress', done, report: r }),
    });
    send({ type: 'report', report });
    process.disconnect?.();
    return;
  }
  const corpus = loadCorpus();
  if (args.only !== null) {
    const c = makeCase(args.seed, args.only, corpus);
    console.log(`input ${args.only} of seed ${args.seed}: ${c.kind} (${c.type}${c.type === 'stream' ? `, ${c.chunks.length} reads, ${c.chunks.reduce((n, x) => n + x.bytes.length, 0)} bytes` : c.type === 'payload' ? `, ${c.payload.length} bytes, context ${JSON.stringify(c.ctx)}` : `, ${c.bytes.length} bytes, name ${c.name}`})`);
    const report = runFuzz({ count: 1, seed: args.seed, start: args.only, writeDir, allChecks: true, corpus });
    for (const f of report.findings) {
      console.log(`[${f.check}] ${f.target}: ${f.message}`);
      if (f.stack) console.log(f.stack);
      if (f.file) console.log(`input written to ${f.file}`);
    }
    console.log(!passed(report) ? 'FAIL' : report.findings.length > 0 ? 'no failure (warnings only)' : 'no problem found');
    process.exitCode = passed(report) ? 0 : 1;
    return;
  }
  const jobs = Math.min(args.jobs, Math.max(1, Math.ceil(args.count / 1000)));
  console.error(`[fuzz] seed ${args.seed}, ${args.count} inputs from ${args.start}, ${jobs} process${jobs > 1 ? 'es' : ''}; corpus: ${corpus.description}${writeDir ? `; failing inputs go to ${writeDir}` : ''}`);
  let report: FuzzReport;
  if (jobs > 1) report = await runSharded({ ...args, jobs }, corpus.description);
  else {
    const t0 = performance.now();
    report = runFuzz({
      count: args.count, seed: args.seed, start: args.start, writeDir, corpus, rssLimit,
      progress: (done, r) => console.error(progressLine(done, args.count, r, done / ((performance.now() - t0) / 1000), process.memoryUsage().rss)),
    });
  }
  console.log(args.json ? JSON.stringify(report, null, 2) : formatReport(report));
  process.exitCode = passed(report) ? 0 : 1;
}

const invoked = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 2;
  });
}
