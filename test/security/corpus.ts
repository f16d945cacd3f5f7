// A corpus of hostile MSNP traffic as real protocol bytes: display names, messages, MIME headers, XML
// payloads and P2P packets built to break a page that turns captured text into markup, a decoder that
// expands entities or fetches external ones, or a view that trusts binary lengths. Every entry carries
// a unique marker, so a test can find the frame it went into and check the marker is shown as text.
import type { Chunk } from '../../proxy/decode/inputs/types.js';
import type { Direction } from '../../shared/msnp/types.js';

export interface CorpusEntry {
  /** Unique, longer than one hex-dump row (16 bytes), so only a text rendering can show it whole. */
  marker: string;
  what: string;
  /** Where the marker must show once the frame is open. */
  shows: 'summary' | 'fields' | 'payload';
  /** The payload view the frame must get (when it has a payload). */
  view?: 'mime' | 'xml' | 'text';
  /** Text the detail must also show, e.g. invisible characters made visible. */
  alsoShows?: string[];
}

export interface CorpusSession {
  /** Input file name for `import` (the session is named after it). */
  name: string;
  chunks: Chunk[];
  entries: CorpusEntry[];
}

export interface CorpusOptions {
  /** An address nothing may ever contact (put in external entities, img src, stylesheet links …). */
  canary: string;
}

/** The page-side canary every script-shaped payload tries to set. */
export const PWNED = '__pwned';

/** Entity nesting of the billion-laughs payload: fully expanded it would be 3·10⁹ bytes. */
export const LAUGHS_DEPTH = 9;

// Builds one connection's reads: each frame split in two or three reads, so framing is exercised too.
class Conn {
  readonly chunks: Chunk[] = [];
  constructor(
    readonly label: string,
    private readonly clock: { t: number },
  ) {}

  c(line: string, payload?: string | Buffer): this {
    return this.send('c2s', line, payload);
  }

  s(line: string, payload?: string | Buffer): this {
    return this.send('s2c', line, payload);
  }

  raw(dir: Direction, bytes: Buffer): this {
    const cuts = bytes.length < 8 ? [bytes.length] : [Math.floor(bytes.length / 3), Math.floor((bytes.length * 2) / 3), bytes.length];
    let at = 0;
    for (const cut of cuts) {
      if (cut > at) this.chunks.push({ conn: this.label, dir, t_ms: this.clock.t++, bytes: bytes.subarray(at, cut) });
      at = cut;
    }
    return this;
  }

  private send(dir: Direction, line: string, payload?: string | Buffer): this {
    if (payload === undefined) return this.raw(dir, Buffer.from(`${line}\r\n`, 'utf8'));
    const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
    return this.raw(dir, Buffer.concat([Buffer.from(`${line} ${body.length}\r\n`, 'utf8'), body]));
  }
}

class Builder {
  readonly entries: CorpusEntry[] = [];
  readonly conns: Conn[] = [];
  private readonly clock = { t: 1_700_000_000_000 };

  conn(label: string): Conn {
    const c = new Conn(label, this.clock);
    this.conns.push(c);
    return c;
  }

  /** Registers an entry and returns its marker. */
  mark(id: string, what: string, shows: CorpusEntry['shows'], view?: CorpusEntry['view'], alsoShows?: string[]): string {
    const marker = `HOSTILEMARK-${id}-${this.entries.length.toString().padStart(2, '0')}`;
    if (marker.length <= 16) throw new Error(`marker ${marker} is too short`);
    this.entries.push({ marker, what, shows, ...(view ? { view } : {}), ...(alsoShows ? { alsoShows } : {}) });
    return marker;
  }

  session(name: string): CorpusSession {
    const chunks = this.conns.flatMap((c) => c.chunks).sort((a, b) => a.t_ms - b.t_ms);
    return { name, chunks, entries: this.entries };
  }
}

/** Script-shaped snippets; each would set the canary if it ever ran. */
function bait(canary: string, tag: string): string[] {
  const set = `window.${PWNED}='${tag}'`;
  return [
    `<script>${set}</script>`,
    `<img src=x onerror="${set}">`,
    `<svg onload="${set}"><circle r=1 /></svg>`,
    `<iframe srcdoc="<script>parent.${set}</script>"></iframe>`,
    `<a href="javascript:${set}">click</a>`,
    `<object data="${canary}/object"></object>`,
    `<img src="${canary}/img">`,
    `<link rel=stylesheet href="${canary}/css">`,
    `<style>@import url(${canary}/import)</style>`,
    `<meta http-equiv=refresh content="0;url=${canary}/refresh">`,
    `<base href="${canary}/">`,
    `{{constructor.constructor('${set}')()}}`,
    `\${${set}}`,
  ];
}

const enc = (text: string) => encodeURIComponent(text);

function laughs(marker: string): string {
  const defs = ['<!ENTITY lol "lol">'];
  for (let i = 1; i <= LAUGHS_DEPTH; i++) defs.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
  return `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n ${defs.join('\n ')}\n]>\n<Data><PSM>&lol${LAUGHS_DEPTH}; ${marker}</PSM><CurrentMedia>&lol${LAUGHS_DEPTH};</CurrentMedia></Data>`;
}

function externalEntities(marker: string, canary: string): string {
  return `<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="${canary}/xsl"?>\n<!DOCTYPE Data [\n <!ENTITY file SYSTEM "file:///etc/passwd">\n <!ENTITY web SYSTEM "${canary}/xxe">\n <!ENTITY % remote SYSTEM "${canary}/dtd">\n %remote;\n]>\n<Data xmlns:xi="http://www.w3.org/2001/XInclude"><PSM>&file;&web; ${marker}</PSM><xi:include href="${canary}/xinclude"/></Data>`;
}

const MIME_TEXT = 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n';

/** P2P v1: the 48-byte little-endian header with whatever sizes the caller claims, then data and footer. */
function p2pV1(data: Buffer, h: { session: number; id: number; offset: bigint; total: bigint; length: number; flags: number }): Buffer {
  const head = Buffer.alloc(48);
  head.writeUInt32LE(h.session, 0);
  head.writeUInt32LE(h.id, 4);
  head.writeBigUInt64LE(h.offset, 8);
  head.writeBigUInt64LE(h.total, 16);
  head.writeUInt32LE(h.length, 24);
  head.writeUInt32LE(h.flags, 28);
  head.writeUInt32LE(0xdeadbeef, 32);
  head.writeUInt32LE(0xffffffff, 36);
  head.writeBigUInt64LE(0xffffffffffffffffn, 40);
  return Buffer.concat([head, data, Buffer.from([0, 0, 0, 0])]);
}

/** P2P v2: transport header (with lying lengths when asked), a data header, data, footer. */
function p2pV2(data: Buffer, h: { headerLength?: number; payloadLength?: number; dataHeaderLength?: number; tlv?: Buffer }): Buffer {
  const tlv = h.tlv ?? Buffer.alloc(0);
  const dh = Buffer.alloc(8);
  dh[0] = h.dataHeaderLength ?? 8;
  dh[1] = 0x01;
  dh.writeUInt16BE(0xffff, 2);
  dh.writeUInt32BE(0, 4);
  const th = Buffer.alloc(8);
  th[0] = h.headerLength ?? 8 + tlv.length;
  th[1] = 0x02;
  th.writeUInt16BE(h.payloadLength ?? dh.length + data.length, 2);
  th.writeUInt32BE(0xffffffff, 4);
  return Buffer.concat([th, tlv, dh, data, Buffer.from([0, 0, 0, 1])]);
}

function slp(marker: string, canary: string, msnobj: string): Buffer {
  const set = `window.${PWNED}='slp'`;
  const context = Buffer.from(`${msnobj}\0`).toString('base64');
  const body = `EUF-GUID: {A4268EEC-FEC5-49E5-95C3-F126696BDBF6}\r\nSessionID: 99\r\nAppID: 1\r\nContext: ${context}\r\nX-Note: <script>${set}</script> ${marker}\r\n\r\n\0`;
  const head = [
    `INVITE MSNMSGR:<img src=x onerror="${set}"> MSNSLP/1.0`,
    `To: <msnmsgr:<svg onload="${set}">>`,
    `From: <msnmsgr:<a href="javascript:${set}">x</a>>`,
    `Via: MSNSLP/1.0/TLP ;branch={<iframe src="${canary}/via">}`,
    'CSeq: 18446744073709551615 ',
    'Call-ID: {<script>}',
    'Max-Forwards: -1',
    'Content-Type: application/x-msnmsgr-sessionreqbody',
    'Content-Length: 4294967295',
    '',
    '',
  ].join('\r\n');
  return Buffer.from(head + body, 'utf8');
}

/** MSNP15: names in presence and switchboard commands, MIME messages, XML, P2P v1. */
function msnp15(o: CorpusOptions): CorpusSession {
  const b = new Builder();
  const ns = b.conn('ns1');
  const sb = b.conn('sb1');
  const caps = '1342177280';
  const cookie = '1111.2222.3333';
  ns.c('VER 1 MSNP15 CVR0').s('VER 1 MSNP15');
  ns.s('NLN NLN eve@example.com 1 <img/src=x/onerror=window.__pwned=1>' + b.mark('name-raw-img', 'raw <img onerror> name', 'summary') + ` ${caps}`);
  ns.s(`NLN NLN mal@example.com 1 ${enc(`<script>window.${PWNED}=2</script> ${b.mark('name-enc-script', 'URL-encoded <script> name', 'fields')}`)} ${caps}`);
  ns.s(`NLN NLN svg@example.com 1 ${enc(`<svg onload=window.${PWNED}=3> ${b.mark('name-enc-svg', 'URL-encoded <svg onload> name', 'fields')}`)} ${caps}`);
  ns.s(`ILN 7 NLN js@example.com 1 ${enc(`javascript:window.${PWNED}=4 ${b.mark('name-js-url', 'javascript: URL name', 'fields')}`)} ${caps}`);
  ns.s(`NLN BSY tpl@example.com 1 ${enc(`{{constructor.constructor('window.${PWNED}=5')()}} \${window.${PWNED}=6} {#if x}{@html y} ${b.mark('name-template', 'template bait name', 'fields')}`)} ${caps}`);
  ns.s(`NLN AWY rtl@example.com 1 ${enc(`\u202Egnp.exe\u202C \u2066\u2067\u200F ${b.mark('name-rtl', 'RTL override name', 'fields', undefined, ['⟨U+202E⟩gnp.exe⟨U+202C⟩', 'capabilities=MSNC5 (0x50000000)'])} \u202E<b>`)} ${caps}`);
  ns.s(`NLN NLN nul@example.com 1 ${b.mark('name-nul', 'name with NULs', 'fields')}%00%00<script>%00window.${PWNED}=7</script> ${caps}`);
  ns.raw('s2c', Buffer.from(`NLN NLN nul2@example.com 1 ${b.mark('name-raw-nul', 'name with raw NUL bytes', 'fields', undefined, ['␀␀<b>␀'])}\0\0<b>\0 ${caps}\r\n`, 'utf8'));
  ns.s(`NLN NLN big@example.com 1 ${enc(`${b.mark('name-16k', '16 KiB name', 'fields')} `)}${enc('<img src=x onerror=window.__pwned=8>').repeat(300).slice(0, 16_000)} ${caps}`);
  // Over the framer's line limit: stored and shown as raw bytes, whose summary shows only the start.
  ns.raw('s2c', Buffer.from(`NLN ${b.mark('name-over-limit', 'name past the line limit', 'summary')} huge@example.com 1 ${'<svg/onload=window.__pwned=9>'.repeat(700)} ${caps}\r\n`));
  ns.c(`PRP 8 MFN ${enc(`${bait(o.canary, 'prp').join(' ')} ${b.mark('prp-mfn', 'own name with every bait', 'fields')}`)}`);
  ns.s(`PRP 8 MFN ${enc(`<iframe src=javascript:window.${PWNED}=10></iframe> ${b.mark('prp-echo', 'PRP echo', 'fields')}`)}`);

  // XML: entity expansion, external entities, CDATA, huge attribute.
  ns.c('UUX 9', laughs(b.mark('xml-laughs', 'billion laughs in UUX', 'payload', 'xml'))).s('UUX 9 0');
  ns.s('UBX eve@example.com 1', externalEntities(b.mark('xml-xxe', 'external entities in UBX', 'payload', 'xml'), o.canary));
  ns.s('UBX mal@example.com 1', `<Data><PSM><![CDATA[<script>window.${PWNED}=11</script><img src=x onerror=window.${PWNED}=12>]]> ${b.mark('xml-cdata', 'CDATA with script', 'payload', 'xml')}</PSM><CurrentMedia>\\0Music\\01\\0{0} <b onmouseover=x>\\0</CurrentMedia></Data>`);
  ns.c('ADL 10', `<ml l="1"><d n="example.com"><c n="${'A'.repeat(65_536)}" l="3" t="1" x="${b.mark('xml-huge-attr', 'a 64 KiB attribute', 'payload', 'xml')}" onload="window.${PWNED}=13" style="background:url(${o.canary}/style)"/></d></ml>`).s('ADL 10 OK');
  ns.c('XFR 11 SB').s(`XFR 11 SB 192.0.2.20:1863 CKI ${cookie} U messenger.msn.com 1`);
  // A profile whose headers are markup.
  ns.s('MSG Hotmail Hotmail', `MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\nLoginTime: <script>window.${PWNED}=14</script>\r\n<img src=x onerror=window.${PWNED}=15>: ${b.mark('mime-header-name', 'markup as a header name', 'payload', 'mime')}\r\nClientIP: <svg onload=window.${PWNED}=16>\r\n\r\n`);

  sb.c(`USR 1 alice@example.com ${cookie}`).s('USR 1 OK alice@example.com Alice');
  sb.s(`IRO 1 1 1 eve@example.com ${enc(`<body onload=window.${PWNED}=17> ${b.mark('iro-name', 'IRO name', 'fields')}`)} ${caps}`);
  sb.s(`JOI bob@example.com ${enc(`</span></div><script>window.${PWNED}=18</script> ${b.mark('joi-name', 'JOI name closing tags', 'fields')}`)} ${caps}`);
  sb.s('MSG eve@example.com Eve', `${MIME_TEXT}X-MMS-IM-Format: FN=${enc(`<script>window.${PWNED}=19</script>`)}; EF=<img src=x onerror=window.${PWNED}=20>; CO=red;background:url(${o.canary}/co); CS=0; PF=22\r\n\r\n<html><body onload="window.${PWNED}=21"><script>window.${PWNED}=22</script>${bait(o.canary, 'msg').join('')} ${b.mark('msg-html-body', 'HTML/JS message body', 'payload', 'mime')}</body></html>`);
  sb.s('MSG mal@example.com Mal', `MIME-Version: 1.0\r\nContent-Type: text/html\r\nContent-Type: text/plain\r\nX-Injected: a\rSet-Cookie: pwned=1\r\nX-Lf: b\nLocation: ${o.canary}/lf\r\nX-Folded: one\r\n <script>window.${PWNED}=23</script>\r\nno colon line <b>\r\nX-Nul: a\0b\r\nContent-Length: -1\r\nX-Marker: ${b.mark('mime-crlf', 'CRLF tricks and duplicate headers', 'payload', 'mime')}\r\n\r\nbody <i>`);
  sb.s('MSG big@example.com Big', `${MIME_TEXT}X-Long: ${'<u>'.repeat(4000)}\r\n${'X-Many: <s>\r\n'.repeat(300)}X-Marker: ${b.mark('mime-many', 'thousands of header bytes', 'payload', 'mime')}\r\n\r\nx`);
  // P2P v1 with absurd sizes and offsets, carrying an MSNSLP INVITE whose every header is markup.
  const friendly = Buffer.from(`<img src=x onerror=window.${PWNED}=24>`, 'utf16le').toString('base64');
  const msnobj = `<msnobj Creator="<script>window.${PWNED}=25</script>" Size="-1" Type="3" Location="${o.canary}/obj" Friendly="${friendly}" SHA1D="<b>"/>`;
  const invite = slp(b.mark('p2p-v1-slp', 'MSNSLP with script in P2P v1', 'payload', 'mime'), o.canary, msnobj);
  // Binary P2P data shows as hex: the marker also goes into a header, where it is text.
  const p2pMime = (marker = '') => `MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: <script>window.${PWNED}=26</script>\r\n${marker ? `X-Marker: ${marker}\r\n` : ''}\r\n`;
  sb.c('MSG 2 D', Buffer.concat([Buffer.from(p2pMime()), p2pV1(invite, { session: 0, id: 0xffffffff, offset: 0n, total: BigInt(invite.length), length: invite.length, flags: 0 })]));
  const absurdMarker = b.mark('p2p-v1-absurd', 'P2P v1 with absurd sizes', 'payload', 'mime');
  const absurd = Buffer.from(`${absurdMarker} <script>window.${PWNED}=27</script>`);
  sb.c('MSG 3 D', Buffer.concat([Buffer.from(p2pMime(absurdMarker)), p2pV1(absurd, { session: 0xffffffff, id: 1, offset: 0xfffffffffffffff0n, total: 0xffffffffffffffffn, length: 0xffffffff, flags: 0xffffffff })]));
  sb.c('MSG 4 D', Buffer.concat([Buffer.from(`MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nX-Marker: ${b.mark('p2p-v1-short', 'P2P v1 header cut short', 'payload', 'mime')}\r\n\r\n`), Buffer.alloc(20, 0xff)]));
  sb.c('OUT');
  ns.c('OUT');
  return b.session('hostile-msnp15.jsonl');
}

/** MSNP18: nid:handle names, P2P v2 with lying lengths, and a message that claims more than it has. */
function msnp18(o: CorpusOptions): CorpusSession {
  const b = new Builder();
  const ns = b.conn('ns1');
  const sb = b.conn('sb1');
  const cookie = '4444.5555.6666';
  const me = 'alice@example.com;{f52973b6-c926-4bad-9ba8-7c1e840e4ab0}';
  ns.c('VER 1 MSNP18 CVR0').s('VER 1 MSNP18');
  ns.s(`NLN NLN 1:eve@example.com ${enc(`<img src="${o.canary}/nln" onerror=window.${PWNED}=30> ${b.mark('msnp18-name', 'MSNP18 name', 'fields')}`)} 2789003324:48 0`);
  ns.s('UBX 1:eve@example.com', `<Data><PSM>${enc('<script>')} &lt;script&gt;window.${PWNED}=31&lt;/script&gt; ${b.mark('msnp18-escaped', 'escaped markup decoded to text', 'payload', 'xml')}</PSM><DDP>${o.canary}/ddp</DDP></Data>`);
  ns.c('XFR 2 SB').s(`XFR 2 SB 192.0.2.21:1863 CKI ${cookie} U messenger.msn.com 1`);
  sb.c(`USR 1 ${me} ${cookie}`).s(`USR 1 OK ${me} Alice`);
  const v2Mime = (marker = '') => `MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: bob@example.com;{<svg onload=window.${PWNED}=32>}\r\nP2P-Src: ${me}\r\n${marker ? `X-Marker: ${marker}\r\n` : ''}\r\n`;
  const invite = slp(b.mark('p2p-v2-slp', 'MSNSLP with script in P2P v2', 'payload', 'mime'), o.canary, '<msnobj/>');
  sb.c('MSG 2 D', Buffer.concat([Buffer.from(v2Mime()), p2pV2(invite, { tlv: Buffer.from([0x01, 0xff, 0xaa, 0xbb, 0x02, 0x04, 0, 0]) })]));
  const lying = Buffer.from(`<img src=x onerror=window.${PWNED}=33>`);
  const headerPast = b.mark('p2p-v2-header-past-end', 'P2P v2 header length past the end', 'payload', 'mime');
  sb.c('MSG 3 D', Buffer.concat([Buffer.from(v2Mime(headerPast)), p2pV2(lying, { headerLength: 255, payloadLength: 0xffff, dataHeaderLength: 0 })]));
  const dataPast = b.mark('p2p-v2-data-past-end', 'P2P v2 data header past the end', 'payload', 'mime');
  sb.c('MSG 4 D', Buffer.concat([Buffer.from(v2Mime(dataPast)), p2pV2(lying.subarray(0, 5), { payloadLength: 0xffff, dataHeaderLength: 250 })]));
  // Claims more bytes than the connection ever sends: the frame stays incomplete until the close.
  sb.raw('c2s', Buffer.from(`MSG 5 N 1048576\r\n${MIME_TEXT}\r\n<script>window.${PWNED}=34</script> ${b.mark('msg-truncated', 'a message cut short', 'payload', 'mime')}`));
  return b.session('hostile-msnp18.jsonl');
}

export function hostileCorpus(options: CorpusOptions): CorpusSession[] {
  return [msnp15(options), msnp18(options)];
}

/** Chunk JSONL, as `import` reads it. */
export function toJsonl(session: CorpusSession): string {
  return session.chunks.map((c) => `${JSON.stringify({ dir: c.dir, conn: c.conn, t_ms: c.t_ms, b64: c.bytes.toString('base64') })}\n`).join('');
}
