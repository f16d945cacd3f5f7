// P2P v1 (MSNC1+): 48-byte little-endian header, data, then a 4-byte big-endian footer (matrix E.2).
import type { ViewNode } from '../../../shared/msnp/views.js';
import { group, Issues, leaf } from './nodes.js';
import { p2pAppName } from './names.js';
import { renderData, type P2PRender } from './p2p-data.js';

export const V1_HEADER_SIZE = 48;

const FLAG_BITS: ReadonlyArray<[number, string]> = [
  [0x1, 'NAK'],
  [0x2, 'ACK'],
  [0x4, 'require ACK'],
  [0x8, 'error'],
  [0x10, 'file'],
  [0x20, 'data (MSN object)'],
  [0x40, 'close session'],
  [0x80, 'TLP error'],
  [0x100, 'direct handshake'],
  [0x01000000, 'MSNSLP info'],
];

export function v1FlagNames(flags: number): string {
  if (flags === 0) return 'normal';
  if (flags === 0x01000030) return 'file data';
  if (flags === 0x01000020) return 'MSN object data';
  const names: string[] = [];
  let rest = flags >>> 0;
  for (const [bit, name] of FLAG_BITS) {
    if (flags & bit) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest) names.push(`unknown 0x${rest.toString(16)}`);
  return names.join(', ');
}

/** How plausible it is that `buf` is a v1 packet (0–100), judged from sizes and flags. */
export function v1Plausibility(buf: Uint8Array): number {
  if (buf.length < V1_HEADER_SIZE) return 0;
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const size = b.readUInt32LE(24);
  const flags = b.readUInt32LE(28);
  const offset = b.readBigUInt64LE(8);
  const total = b.readBigUInt64LE(16);
  let score = 0;
  if (V1_HEADER_SIZE + size + 4 === buf.length) score = 80;
  else if (V1_HEADER_SIZE + size === buf.length) score = 60;
  else if (V1_HEADER_SIZE + size < buf.length) score = 15;
  else score = 5;
  if (offset + BigInt(size) <= total || (size === 0 && (flags & 0x2) !== 0)) score += 10;
  if (v1FlagNames(flags).includes('unknown')) score -= 30;
  return Math.max(0, score);
}

/** Renders a v1 packet; `base` shifts spans when the packet sits inside a larger payload. */
export function renderV1(buf: Uint8Array, base = 0): P2PRender {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const issues = new Issues(50);
  const fields: ViewNode[] = [];
  const span = (at: number, len: number): [number, number] => [base + at, base + at + len];
  const has = (at: number, len: number) => b.length >= at + len;
  const u32 = (at: number) => (has(at, 4) ? b.readUInt32LE(at) : undefined);
  const u64 = (at: number) => (has(at, 8) ? b.readBigUInt64LE(at) : undefined);

  const sessionId = u32(0);
  const identifier = u32(4);
  const offset = u64(8);
  const total = u64(16);
  const size = u32(24);
  const flags = u32(28);
  const isAck = flags !== undefined && (flags & 0x2) !== 0;
  const put = (label: string, at: number, len: number, value: number | bigint | undefined, note?: string) => {
    if (value === undefined) return;
    const node = leaf(label, value.toString(), span(at, len));
    if (note) node.children = [leaf('meaning', note)];
    fields.push(node);
  };
  put('SessionID', 0, 4, sessionId, sessionId === 0 ? 'MSNSLP signalling' : undefined);
  put('Identifier', 4, 4, identifier);
  put('Offset', 8, 8, offset);
  put('TotalSize', 16, 8, total);
  put('MessageSize', 24, 4, size);
  if (flags !== undefined) {
    fields.push({ label: 'Flags', value: `0x${flags.toString(16).padStart(8, '0')}`, span: span(28, 4), children: [leaf('meaning', v1FlagNames(flags))] });
  }
  put('AckSessionID', 32, 4, u32(32), isAck ? 'Identifier of the acknowledged message' : undefined);
  put('AckIdentifier', 36, 4, u32(36), isAck ? 'AckSessionID of the acknowledged message' : undefined);
  put('AckTotalSize', 40, 8, u64(40), isAck ? 'TotalSize of the acknowledged message' : undefined);

  const nodes: ViewNode[] = [group('P2P v1 header', fields, span(0, Math.min(V1_HEADER_SIZE, b.length)))];
  if (b.length < V1_HEADER_SIZE) {
    issues.add(`P2P v1 header truncated: ${b.length} of ${V1_HEADER_SIZE} bytes`);
    return { title: 'P2P v1 (truncated header)', nodes, issues: issues.done() };
  }

  const declared = size ?? 0;
  const present = Math.min(declared, b.length - V1_HEADER_SIZE);
  if (present < declared) issues.add(`P2P v1 data truncated: ${present} of ${declared} bytes present`);
  const data = b.subarray(V1_HEADER_SIZE, V1_HEADER_SIZE + present);
  const slpCandidate = sessionId === 0 && !isAck;
  const d = renderData(data, base + V1_HEADER_SIZE, { slp: slpCandidate, continuation: offset !== undefined && offset > 0n });
  issues.addAll(d.issues);
  if (data.length > 0) nodes.push(d.node);

  const after = V1_HEADER_SIZE + present;
  const rest = b.length - after;
  if (rest >= 4) {
    const app = b.readUInt32BE(after);
    nodes.push({ label: 'footer (application id)', value: String(app), span: span(after, 4), children: [leaf('meaning', p2pAppName(app) ?? 'unknown application id')] });
    if (rest > 4) issues.add(`${rest - 4} unexpected bytes after the P2P v1 footer`);
  } else if (rest > 0) {
    issues.add(`P2P v1 footer truncated: ${rest} of 4 bytes`);
  } else if (present === declared) {
    nodes.push(leaf('footer', 'none (direct connection framing has no footer)'));
  }

  const what = isAck ? 'ACK' : d.summary ?? `${declared} data bytes`;
  return { title: `P2P v1 session ${sessionId ?? '?'}: ${what}`, nodes, issues: issues.done() };
}
