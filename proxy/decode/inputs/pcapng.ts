// pcapng files: a sequence of typed blocks. Each Section Header Block sets the byte order
// for the blocks after it and resets the interface list; packets name their interface,
// which supplies the link type and timestamp resolution.
import type { Frame } from './packet.js';
import { reassembleTcp } from './tcp-reassembly.js';
import type { InputResult } from './types.js';

export const PCAPNG_MAGIC = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const BLOCK_IDB = 0x00000001;
const BLOCK_OBSOLETE_PACKET = 0x00000002;
const BLOCK_SPB = 0x00000003;
const BLOCK_EPB = 0x00000006;

const OPT_END = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

interface Interface {
  linkType: number;
  snapLen: number;
  /** Timestamp units per second. */
  unitsPerSecond: bigint;
  offsetSeconds: bigint;
}

class Reader {
  constructor(
    readonly buf: Buffer,
    public le: boolean,
  ) {}
  u16(off: number): number {
    return this.le ? this.buf.readUInt16LE(off) : this.buf.readUInt16BE(off);
  }
  u32(off: number): number {
    return this.le ? this.buf.readUInt32LE(off) : this.buf.readUInt32BE(off);
  }
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Reads an Interface Description Block body (after type and length). */
function readInterface(r: Reader, body: number, end: number): Interface {
  const iface: Interface = {
    linkType: r.u16(body),
    snapLen: r.u32(body + 4),
    unitsPerSecond: 1_000_000n, // default: microseconds
    offsetSeconds: 0n,
  };
  let off = body + 8;
  while (off + 4 <= end) {
    const code = r.u16(off);
    const len = r.u16(off + 2);
    const value = off + 4;
    if (code === OPT_END || value + len > end) break;
    if (code === OPT_IF_TSRESOL && len >= 1) {
      const v = r.buf[value]!;
      // High bit clear: 10^-n seconds; set: 2^-n seconds.
      iface.unitsPerSecond = v & 0x80 ? 1n << BigInt(v & 0x7f) : 10n ** BigInt(v);
    } else if (code === OPT_IF_TSOFFSET && len >= 8) {
      iface.offsetSeconds = r.le ? r.buf.readBigInt64LE(value) : r.buf.readBigInt64BE(value);
    }
    off = value + pad4(len);
  }
  return iface;
}

function toMs(iface: Interface, high: number, low: number): number {
  const ticks = (BigInt(high) << 32n) | BigInt(low);
  const seconds = ticks / iface.unitsPerSecond + iface.offsetSeconds;
  const rest = ticks % iface.unitsPerSecond;
  // Split so nanosecond timestamps keep their precision past 2^53.
  return Number(seconds) * 1000 + (Number(rest) * 1000) / Number(iface.unitsPerSecond);
}

export function pcapngFrames(bytes: Buffer, issues: string[]): Frame[] {
  const frames: Frame[] = [];
  let interfaces: Interface[] = [];
  const r = new Reader(bytes, true);
  let lastMs = 0;
  let off = 0;
  let sawSection = false;
  const unknownInterface = new Set<number>();

  while (off + 12 <= bytes.length) {
    const type = bytes.readUInt32LE(off); // the SHB type reads the same in both byte orders
    if (type === PCAPNG_MAGIC) {
      const bom = bytes.readUInt32LE(off + 8);
      if (bom === BYTE_ORDER_MAGIC) r.le = true;
      else if (bom === 0x4d3c2b1a) r.le = false;
      else {
        issues.push(`pcapng: bad byte-order magic in section header at byte ${off}`);
        break;
      }
      interfaces = [];
      sawSection = true;
    } else if (!sawSection) {
      issues.push('not a pcapng file (no section header block first)');
      break;
    }
    const blockType = r.u32(off);
    const total = r.u32(off + 4);
    if (total < 12 || total % 4 !== 0 || off + total > bytes.length) {
      issues.push(`pcapng: block at byte ${off} has an impossible length ${total}; stopping there`);
      break;
    }
    const body = off + 8;
    const end = off + total - 4;

    if (blockType === BLOCK_IDB && end - body >= 8) {
      interfaces.push(readInterface(r, body, end));
    } else if ((blockType === BLOCK_EPB || blockType === BLOCK_OBSOLETE_PACKET) && end - body >= 20) {
      // EPB: if_id u32; obsolete Packet Block: if_id u16 + drops u16. Same layout after that.
      const ifId = blockType === BLOCK_EPB ? r.u32(body) : r.u16(body);
      const capLen = r.u32(body + 12);
      const origLen = r.u32(body + 16);
      const data = body + 20;
      const iface = interfaces[ifId];
      if (!iface) {
        if (!unknownInterface.has(ifId)) issues.push(`pcapng: packet on undeclared interface ${ifId} skipped`);
        unknownInterface.add(ifId);
      } else if (data + capLen > end) {
        issues.push(`pcapng: packet block at byte ${off} overruns its block; skipped`);
      } else {
        lastMs = toMs(iface, r.u32(body + 4), r.u32(body + 8));
        frames.push({ linkType: iface.linkType, t_ms: lastMs, data: bytes.subarray(data, data + capLen), origLen });
      }
    } else if (blockType === BLOCK_SPB && end - body >= 4) {
      // Simple Packet Block: always interface 0, no timestamp, captured length implied by the block.
      const iface = interfaces[0];
      const origLen = r.u32(body);
      const capLen = Math.min(origLen, end - (body + 4), iface?.snapLen || Infinity);
      if (!iface) issues.push(`pcapng: simple packet block before any interface; skipped`);
      else frames.push({ linkType: iface.linkType, t_ms: lastMs, data: bytes.subarray(body + 4, body + 4 + capLen), origLen });
    }
    // Any other block (name resolution, statistics, custom, ...) carries nothing we need.
    off += total;
  }
  if (off < bytes.length && off + 12 > bytes.length) issues.push('pcapng: trailing bytes after the last block');
  return frames;
}

export function readPcapng(bytes: Buffer): InputResult {
  const issues: string[] = [];
  const frames = pcapngFrames(bytes, issues);
  const r = reassembleTcp(frames);
  return { format: 'pcapng', chunks: r.chunks, connections: r.connections, issues: [...issues, ...r.issues] };
}
