// Builds synthetic captures for reader tests: TCP/IP packets, link-layer wrappers, and
// pcap / pcapng containers. Checksums are left zero; the readers never verify them.

export const FLAG = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

export interface TcpFields {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack?: number;
  flags: number;
  payload?: Buffer | string;
}

function tcpHeader(f: TcpFields): Buffer {
  const payload = typeof f.payload === 'string' ? Buffer.from(f.payload, 'latin1') : (f.payload ?? Buffer.alloc(0));
  const h = Buffer.alloc(20);
  h.writeUInt16BE(f.srcPort, 0);
  h.writeUInt16BE(f.dstPort, 2);
  h.writeUInt32BE(f.seq >>> 0, 4);
  h.writeUInt32BE((f.ack ?? 0) >>> 0, 8);
  h[12] = 5 << 4;
  h[13] = f.flags;
  h.writeUInt16BE(65535, 14);
  return Buffer.concat([h, payload]);
}

function ipv4Bytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map(Number));
}

export interface Ipv4Options {
  /** Bytes of IP options (padded to 4 by the caller). */
  options?: Buffer;
  moreFragments?: boolean;
  fragmentOffset?: number;
}

export function ipv4Packet(src: string, dst: string, tcp: TcpFields, o: Ipv4Options = {}): Buffer {
  const options = o.options ?? Buffer.alloc(0);
  const seg = tcpHeader(tcp);
  const h = Buffer.alloc(20);
  h[0] = 0x40 | ((20 + options.length) / 4);
  h.writeUInt16BE(20 + options.length + seg.length, 2);
  h.writeUInt16BE((o.moreFragments ? 0x2000 : 0) | ((o.fragmentOffset ?? 0) & 0x1fff), 6);
  h[8] = 64;
  h[9] = 6;
  ipv4Bytes(src).copy(h, 12);
  ipv4Bytes(dst).copy(h, 16);
  return Buffer.concat([h, options, seg]);
}

function ipv6Bytes(ip: string): Buffer {
  const [head = '', tail] = ip.split('::');
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const a = parse(head);
  const b = tail === undefined ? [] : parse(tail);
  const groups = [...a, ...Array<number>(8 - a.length - b.length).fill(0), ...b];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** IPv6 packet; `hopByHop` inserts an 8-byte Hop-by-Hop options header before TCP. */
export function ipv6Packet(src: string, dst: string, tcp: TcpFields, o: { hopByHop?: boolean; fragment?: boolean } = {}): Buffer {
  const seg = tcpHeader(tcp);
  const ext: Buffer[] = [];
  let first = 6;
  if (o.fragment) {
    const frag = Buffer.alloc(8);
    frag[0] = 6;
    ext.unshift(frag);
    first = 44;
  }
  if (o.hopByHop) {
    const hbh = Buffer.alloc(8); // next header, length 0 (= 8 bytes), PadN filling the rest
    hbh[0] = first;
    hbh[2] = 1;
    hbh[3] = 4;
    ext.unshift(hbh);
    first = 0;
  }
  const extBytes = Buffer.concat(ext);
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(extBytes.length + seg.length, 4);
  h[6] = first;
  h[7] = 64;
  ipv6Bytes(src).copy(h, 8);
  ipv6Bytes(dst).copy(h, 24);
  return Buffer.concat([h, extBytes, seg]);
}

const MAC_A = Buffer.from([0x02, 0, 0, 0, 0, 1]);
const MAC_B = Buffer.from([0x02, 0, 0, 0, 0, 2]);

function etherTypeOf(ip: Buffer): number {
  return (ip[0]! >> 4) === 6 ? 0x86dd : 0x0800;
}

/** Ethernet II frame, optionally 802.1Q tagged, padded to the 60-byte minimum like real NICs. */
export function ethernet(ip: Buffer, vlanId?: number): Buffer {
  const parts = [MAC_B, MAC_A];
  if (vlanId !== undefined) {
    const tag = Buffer.alloc(4);
    tag.writeUInt16BE(0x8100, 0);
    tag.writeUInt16BE(vlanId, 2);
    parts.push(tag);
  }
  const type = Buffer.alloc(2);
  type.writeUInt16BE(etherTypeOf(ip), 0);
  const frame = Buffer.concat([...parts, type, ip]);
  return frame.length >= 60 ? frame : Buffer.concat([frame, Buffer.alloc(60 - frame.length)]);
}

export function linuxSll(ip: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0); // packet type: to us
  h.writeUInt16BE(1, 2); // ARPHRD_ETHER
  h.writeUInt16BE(6, 4);
  MAC_A.copy(h, 6);
  h.writeUInt16BE(etherTypeOf(ip), 14);
  return Buffer.concat([h, ip]);
}

export function linuxSll2(ip: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(etherTypeOf(ip), 0);
  h.writeUInt32BE(1, 4); // interface index
  h.writeUInt16BE(1, 8);
  h[11] = 6;
  MAC_A.copy(h, 12);
  return Buffer.concat([h, ip]);
}

/** BSD loopback header: the address family in the capturing host's byte order. */
export function nullLoopback(ip: Buffer, littleEndian = true): Buffer {
  const h = Buffer.alloc(4);
  const family = (ip[0]! >> 4) === 6 ? 30 : 2;
  if (littleEndian) h.writeUInt32LE(family, 0);
  else h.writeUInt32BE(family, 0);
  return Buffer.concat([h, ip]);
}

export interface CapturedPacket {
  t_ms: number;
  data: Buffer;
  /** Wire length, when the capture truncated the packet. */
  origLen?: number;
}

export function writePcap(
  packets: CapturedPacket[],
  o: { linkType: number; bigEndian?: boolean; nano?: boolean; snapLen?: number },
): Buffer {
  const le = !o.bigEndian;
  const u32 = (b: Buffer, v: number, off: number) => (le ? b.writeUInt32LE(v >>> 0, off) : b.writeUInt32BE(v >>> 0, off));
  const u16 = (b: Buffer, v: number, off: number) => (le ? b.writeUInt16LE(v, off) : b.writeUInt16BE(v, off));
  const header = Buffer.alloc(24);
  u32(header, o.nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(header, 2, 4);
  u16(header, 4, 6);
  u32(header, o.snapLen ?? 262144, 16);
  u32(header, o.linkType, 20);
  const records = packets.map((p) => {
    const r = Buffer.alloc(16);
    const sec = Math.floor(p.t_ms / 1000);
    const frac = Math.round((p.t_ms - sec * 1000) * (o.nano ? 1e6 : 1e3));
    u32(r, sec, 0);
    u32(r, frac, 4);
    u32(r, p.data.length, 8);
    u32(r, p.origLen ?? p.data.length, 12);
    return Buffer.concat([r, p.data]);
  });
  return Buffer.concat([header, ...records]);
}

/** pcapng block builder in one byte order. */
export class PcapngBuilder {
  private readonly blocks: Buffer[] = [];
  constructor(private readonly bigEndian = false) {}

  private u32(v: number): Buffer {
    const b = Buffer.alloc(4);
    if (this.bigEndian) b.writeUInt32BE(v >>> 0);
    else b.writeUInt32LE(v >>> 0);
    return b;
  }
  private u16(v: number): Buffer {
    const b = Buffer.alloc(2);
    if (this.bigEndian) b.writeUInt16BE(v);
    else b.writeUInt16LE(v);
    return b;
  }
  private static pad(b: Buffer): Buffer {
    return b.length % 4 === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]);
  }
  private option(code: number, value: Buffer): Buffer {
    return Buffer.concat([this.u16(code), this.u16(value.length), PcapngBuilder.pad(value)]);
  }
  block(type: number, body: Buffer): this {
    const padded = PcapngBuilder.pad(body);
    const total = padded.length + 12;
    this.blocks.push(Buffer.concat([this.u32(type), this.u32(total), padded, this.u32(total)]));
    return this;
  }
  section(): this {
    const body = Buffer.concat([this.u32(0x1a2b3c4d), this.u16(1), this.u16(0), Buffer.alloc(8, 0xff)]);
    return this.block(0x0a0d0d0a, body);
  }
  /** tsresol is the raw if_tsresol byte (6 = microseconds, 9 = nanoseconds, 0x80|n = 2^-n). */
  iface(linkType: number, o: { tsresol?: number; tsoffsetSeconds?: number; snapLen?: number } = {}): this {
    const opts: Buffer[] = [this.option(2, Buffer.from('test0'))];
    if (o.tsresol !== undefined) opts.push(this.option(9, Buffer.from([o.tsresol])));
    if (o.tsoffsetSeconds !== undefined) {
      const v = Buffer.alloc(8);
      if (this.bigEndian) v.writeBigInt64BE(BigInt(o.tsoffsetSeconds));
      else v.writeBigInt64LE(BigInt(o.tsoffsetSeconds));
      opts.push(this.option(14, v));
    }
    opts.push(this.option(0, Buffer.alloc(0)));
    return this.block(1, Buffer.concat([this.u16(linkType), this.u16(0), this.u32(o.snapLen ?? 0), ...opts]));
  }
  /** Enhanced Packet Block; `ticks` is the timestamp in the interface's units. */
  packet(ifId: number, ticks: bigint, data: Buffer): this {
    const high = Number(ticks >> 32n);
    const low = Number(ticks & 0xffffffffn);
    return this.block(
      6,
      Buffer.concat([this.u32(ifId), this.u32(high), this.u32(low), this.u32(data.length), this.u32(data.length), PcapngBuilder.pad(data)]),
    );
  }
  simplePacket(data: Buffer): this {
    return this.block(3, Buffer.concat([this.u32(data.length), PcapngBuilder.pad(data)]));
  }
  build(): Buffer {
    return Buffer.concat(this.blocks);
  }
}

/**
 * Tracks sequence numbers for one TCP conversation so tests can write it as a script and
 * then reorder, duplicate or drop the resulting segments.
 */
export class TcpConversation {
  private cSeq: number;
  private sSeq: number;
  constructor(
    readonly client: { ip: string; port: number },
    readonly server: { ip: string; port: number },
    isn: { client?: number; server?: number } = {},
  ) {
    this.cSeq = isn.client ?? 1000;
    this.sSeq = isn.server ?? 5000;
  }

  private seg(fromClient: boolean, flags: number, payload = ''): { src: string; dst: string; tcp: TcpFields } {
    const from = fromClient ? this.client : this.server;
    const to = fromClient ? this.server : this.client;
    const tcp: TcpFields = {
      srcPort: from.port,
      dstPort: to.port,
      seq: fromClient ? this.cSeq : this.sSeq,
      ack: fromClient ? this.sSeq : this.cSeq,
      flags,
      payload,
    };
    const used = Buffer.byteLength(payload, 'latin1') + (flags & (FLAG.SYN | FLAG.FIN) ? 1 : 0);
    if (fromClient) this.cSeq = (this.cSeq + used) >>> 0;
    else this.sSeq = (this.sSeq + used) >>> 0;
    return { src: from.ip, dst: to.ip, tcp };
  }

  handshake() {
    return [this.seg(true, FLAG.SYN), this.seg(false, FLAG.SYN | FLAG.ACK), this.seg(true, FLAG.ACK)];
  }
  c2s(payload: string) {
    return this.seg(true, FLAG.PSH | FLAG.ACK, payload);
  }
  s2c(payload: string) {
    return this.seg(false, FLAG.PSH | FLAG.ACK, payload);
  }
  /** A pure ACK from one side, acknowledging everything the other sent so far. */
  ackFrom(client: boolean) {
    return this.seg(client, FLAG.ACK);
  }
  fin(client: boolean) {
    return this.seg(client, FLAG.FIN | FLAG.ACK);
  }
}

type Seg = ReturnType<TcpConversation['c2s']>;

/** Turns conversation segments into IPv4 frames one millisecond apart, wrapped by `link`. */
export function toFrames(segs: Seg[], link: (ip: Buffer) => Buffer = (ip) => ip, startMs = 1_000_000): CapturedPacket[] {
  return segs.map((s, i) => ({
    t_ms: startMs + i,
    data: link(s.src.includes(':') ? ipv6Packet(s.src, s.dst, s.tcp) : ipv4Packet(s.src, s.dst, s.tcp)),
  }));
}
