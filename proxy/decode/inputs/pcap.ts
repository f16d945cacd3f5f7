// Classic libpcap files: 24-byte global header, then 16-byte record headers each followed by
// the captured bytes. The magic number gives both the byte order and the timestamp unit.
import type { Frame } from './packet.js';
import { reassembleTcp } from './tcp-reassembly.js';
import type { InputResult } from './types.js';

interface PcapVariant {
  littleEndian: boolean;
  /** Sub-second field units per second. */
  fractionPerSecond: number;
  /** Extra bytes after each record header (Kuznetsov's patched format). */
  extraRecordHeader: number;
}

const VARIANTS = new Map<number, { fractionPerSecond: number; extraRecordHeader: number }>([
  [0xa1b2c3d4, { fractionPerSecond: 1e6, extraRecordHeader: 0 }],
  [0xa1b23c4d, { fractionPerSecond: 1e9, extraRecordHeader: 0 }],
  [0xa1b2cd34, { fractionPerSecond: 1e6, extraRecordHeader: 8 }],
]);

/** Recognises a pcap magic number in either byte order; null when the bytes are not pcap. */
export function pcapVariant(bytes: Buffer): PcapVariant | null {
  if (bytes.length < 4) return null;
  const be = VARIANTS.get(bytes.readUInt32BE(0));
  if (be) return { littleEndian: false, ...be };
  const le = VARIANTS.get(bytes.readUInt32LE(0));
  if (le) return { littleEndian: true, ...le };
  return null;
}

/** Splits a pcap file into frames; problems go to `issues`. */
export function pcapFrames(bytes: Buffer, issues: string[]): Frame[] {
  const v = pcapVariant(bytes);
  if (!v) {
    issues.push('not a pcap file (unknown magic number)');
    return [];
  }
  if (bytes.length < 24) {
    issues.push('pcap file shorter than its 24-byte header');
    return [];
  }
  const u32 = (off: number): number => (v.littleEndian ? bytes.readUInt32LE(off) : bytes.readUInt32BE(off));
  // The top bits of the link-type field may carry FCS information; the type is the low 16.
  const linkType = u32(20) & 0xffff;
  const recordHeader = 16 + v.extraRecordHeader;

  const frames: Frame[] = [];
  let off = 24;
  while (off < bytes.length) {
    if (off + recordHeader > bytes.length) {
      issues.push(`pcap: truncated record header at byte ${off} (file cut short?)`);
      break;
    }
    const sec = u32(off);
    const frac = u32(off + 4);
    const capLen = u32(off + 8);
    const origLen = u32(off + 12);
    const start = off + recordHeader;
    if (start + capLen > bytes.length) {
      issues.push(`pcap: record ${frames.length + 1} claims ${capLen} bytes but the file ends first`);
      break;
    }
    frames.push({
      linkType,
      t_ms: sec * 1000 + (frac * 1000) / v.fractionPerSecond,
      data: bytes.subarray(start, start + capLen),
      origLen,
    });
    off = start + capLen;
  }
  return frames;
}

export function readPcap(bytes: Buffer): InputResult {
  const issues: string[] = [];
  const frames = pcapFrames(bytes, issues);
  const r = reassembleTcp(frames);
  return { format: 'pcap', chunks: r.chunks, connections: r.connections, issues: [...issues, ...r.issues] };
}
