// Peels one captured frame down to its TCP segment: link layer -> IPv4/IPv6 -> TCP.

/** A frame as a capture file stores it. */
export interface Frame {
  linkType: number;
  t_ms: number;
  data: Buffer;
  /** Length on the wire; larger than data.length when the capture truncated the frame. */
  origLen: number;
}

export interface TcpSegment {
  src: string; // "ip:port"
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number; // unsigned 32-bit
  ack: number;
  syn: boolean;
  ackFlag: boolean;
  fin: boolean;
  rst: boolean;
  payload: Buffer;
  /** Payload length the IP header claims; more than payload.length when the frame was truncated. */
  wireLen: number;
}

/** Either a segment, nothing of interest (ARP, UDP, ...), or a problem worth reporting. */
export type FrameResult = { kind: 'tcp'; seg: TcpSegment } | { kind: 'other' } | { kind: 'issue'; message: string };

const OTHER: FrameResult = { kind: 'other' };

export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);

export function decodeFrame(frame: Frame): FrameResult {
  const ip = linkPayload(frame.linkType, frame.data);
  if (ip === null) return { kind: 'issue', message: `unsupported link type ${frame.linkType}` };
  if (ip.length === 0) return OTHER;
  return decodeIp(ip);
}

/** Returns the network-layer bytes, an empty buffer for non-IP frames, or null for an unknown link type. */
function linkPayload(linkType: number, d: Buffer): Buffer | null {
  const EMPTY = Buffer.alloc(0);
  switch (linkType) {
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP:
      // A 4-byte address family whose byte order depends on the capturing host; the IP
      // version nibble tells v4 from v6 without caring about it.
      return d.length > 4 ? d.subarray(4) : EMPTY;
    case LINKTYPE.RAW:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6:
    case 12: // DLT_RAW as some BSDs number it
      return d;
    case LINKTYPE.ETHERNET: {
      let off = 12;
      if (d.length < off + 2) return EMPTY;
      let type = d.readUInt16BE(off);
      while (VLAN_TAGS.has(type) && d.length >= off + 6) {
        off += 4;
        type = d.readUInt16BE(off);
      }
      return ipOrEmpty(type, d.subarray(off + 2));
    }
    case LINKTYPE.LINUX_SLL:
      return d.length < 16 ? EMPTY : ipOrEmpty(d.readUInt16BE(14), d.subarray(16));
    case LINKTYPE.LINUX_SLL2:
      return d.length < 20 ? EMPTY : ipOrEmpty(d.readUInt16BE(0), d.subarray(20));
    default:
      return null;
  }
}

function ipOrEmpty(etherType: number, rest: Buffer): Buffer {
  return etherType === ETHERTYPE_IPV4 || etherType === ETHERTYPE_IPV6 ? rest : Buffer.alloc(0);
}

function decodeIp(d: Buffer): FrameResult {
  const version = (d[0] ?? 0) >> 4;
  if (version === 4) return decodeIpv4(d);
  if (version === 6) return decodeIpv6(d);
  return OTHER;
}

function decodeIpv4(d: Buffer): FrameResult {
  if (d.length < 20) return { kind: 'issue', message: 'truncated IPv4 header' };
  const ihl = (d[0]! & 0x0f) * 4;
  const total = d.readUInt16BE(2);
  if (ihl < 20 || d.length < ihl) return { kind: 'issue', message: 'bad IPv4 header length' };
  if (d[9] !== 6) return OTHER;
  const src = ipv4(d.subarray(12, 16));
  const dst = ipv4(d.subarray(16, 20));
  const fragField = d.readUInt16BE(6);
  const moreFragments = (fragField & 0x2000) !== 0;
  const fragOffset = fragField & 0x1fff;
  if (moreFragments || fragOffset !== 0) {
    return { kind: 'issue', message: `IPv4 fragment ${src} -> ${dst} skipped (fragments are not reassembled)` };
  }
  // total === 0 happens with TCP segmentation offload captures; trust the captured length then.
  const wireEnd = total >= ihl ? total : d.length;
  return decodeTcp(d.subarray(ihl, Math.min(wireEnd, d.length)), wireEnd - ihl, src, dst, false);
}

// Extension headers that may sit between the IPv6 header and TCP.
const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const AUTH = 51;
const DEST_OPTS = 60;
const MOBILITY = 135;

function decodeIpv6(d: Buffer): FrameResult {
  if (d.length < 40) return { kind: 'issue', message: 'truncated IPv6 header' };
  const src = ipv6(d.subarray(8, 24));
  const dst = ipv6(d.subarray(24, 40));
  const payloadLen = d.readUInt16BE(4);
  // Jumbograms carry 0 here; fall back to what was captured.
  const wireEnd = payloadLen === 0 ? d.length : 40 + payloadLen;
  let next = d[6]!;
  let off = 40;
  for (;;) {
    if (next === 6) break;
    if (next === FRAGMENT) {
      return { kind: 'issue', message: `IPv6 fragment ${src} -> ${dst} skipped (fragments are not reassembled)` };
    }
    if (next !== HOP_BY_HOP && next !== ROUTING && next !== DEST_OPTS && next !== AUTH && next !== MOBILITY) {
      return OTHER;
    }
    if (d.length < off + 2) return { kind: 'issue', message: 'truncated IPv6 extension header' };
    const len = next === AUTH ? (d[off + 1]! + 2) * 4 : (d[off + 1]! + 1) * 8;
    next = d[off]!;
    off += len;
  }
  if (off > d.length) return { kind: 'issue', message: 'truncated IPv6 extension header' };
  return decodeTcp(d.subarray(off, Math.min(wireEnd, d.length)), wireEnd - off, src, dst, true);
}

function decodeTcp(t: Buffer, wireLen: number, srcIp: string, dstIp: string, v6: boolean): FrameResult {
  if (t.length < 20) return { kind: 'issue', message: `truncated TCP header ${srcIp} -> ${dstIp}` };
  const dataOff = (t[12]! >> 4) * 4;
  if (dataOff < 20 || t.length < dataOff) return { kind: 'issue', message: `bad TCP header length ${srcIp} -> ${dstIp}` };
  const flags = t[13]!;
  const srcPort = t.readUInt16BE(0);
  const dstPort = t.readUInt16BE(2);
  const host = (ip: string): string => (v6 ? `[${ip}]` : ip);
  return {
    kind: 'tcp',
    seg: {
      src: `${host(srcIp)}:${srcPort}`,
      dst: `${host(dstIp)}:${dstPort}`,
      srcPort,
      dstPort,
      seq: t.readUInt32BE(4),
      ack: t.readUInt32BE(8),
      fin: (flags & 0x01) !== 0,
      syn: (flags & 0x02) !== 0,
      rst: (flags & 0x04) !== 0,
      ackFlag: (flags & 0x10) !== 0,
      payload: t.subarray(dataOff),
      wireLen: Math.max(0, wireLen - dataOff),
    },
  };
}

function ipv4(b: Buffer): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** RFC 5952 text form: lower-case hex, longest run of zero groups collapsed to "::". */
function ipv6(b: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
