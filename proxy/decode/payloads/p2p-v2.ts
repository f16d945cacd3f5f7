// P2P v2 (capsex 0x20, MSNP18+): big-endian transport header with TLVs, an optional data packet header
// with its own TLVs, the data, then a 4-byte footer (matrix E.2).
import type { ViewNode } from '../../../shared/msnp/views.js';
import { group, Issues, leaf } from './nodes.js';
import { p2pAppName } from './names.js';
import { renderData, type P2PRender } from './p2p-data.js';

const TF_NAMES: Readonly<Record<number, string>> = {
  0x01: 'SLP (session 0) or data preparation',
  0x04: 'MSN object data',
  0x05: 'MSN object data, first packet',
  0x06: 'file data',
  0x07: 'file data, first packet',
};

export function v2Plausibility(buf: Uint8Array): number {
  if (buf.length < 8) return 0;
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const hl = b[0]!;
  const op = b[1]!;
  const pl = b.readUInt16BE(2);
  if (hl < 8 || hl > b.length) return 0;
  let score: number;
  if (hl + pl + 4 === b.length) score = 80;
  else if (hl + pl === b.length) score = 60;
  else if (hl + pl < b.length) score = 15;
  else score = 5;
  if (op & ~0x3) score -= 30;
  if (pl > 0) {
    const dl = b[hl];
    if (dl === undefined || dl < 8 || dl > pl) score -= 30;
    else score += 10;
  }
  return Math.max(0, score);
}

export function renderV2(buf: Uint8Array, base = 0): P2PRender {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const issues = new Issues(50);
  const span = (from: number, to: number): [number, number] => [base + from, base + to];
  const nodes: ViewNode[] = [];
  if (b.length < 8) {
    issues.add(`P2P v2 transport header truncated: ${b.length} of at least 8 bytes`);
    nodes.push(leaf('P2P v2 transport header', `${b.length} bytes`, span(0, b.length), 'truncated'));
    return { title: 'P2P v2 (truncated header)', nodes, issues: issues.done() };
  }
  const hl = b[0]!;
  const op = b[1]!;
  const pl = b.readUInt16BE(2);
  const seq = b.readUInt32BE(4);
  const ops = [op & 0x1 ? 'SYN' : '', op & 0x2 ? 'RAK (request ACK)' : '', op & ~0x3 ? `unknown 0x${(op & ~0x3).toString(16)}` : ''].filter(Boolean);
  const transport: ViewNode[] = [
    leaf('header length', String(hl), span(0, 1)),
    { label: 'operation code', value: `0x${op.toString(16).padStart(2, '0')}`, span: span(1, 2), children: [leaf('meaning', ops.join(', ') || 'none')] },
    leaf('payload length', String(pl), span(2, 4)),
    leaf('sequence number', String(seq), span(4, 8)),
  ];
  const hlEnd = Math.min(hl, b.length);
  if (hl < 8) issues.add(`P2P v2 header length ${hl} is below the minimum of 8`);
  if (hl > b.length) issues.add(`P2P v2 transport header truncated: ${b.length} of ${hl} bytes`);
  transport.push(...tlvs(b, 8, hlEnd, base, transportTlv, issues));
  nodes.push(group('P2P v2 transport header', transport, span(0, hlEnd)));

  let summary = op & 0x1 ? 'SYN' : pl === 0 ? 'ACK / control' : `${pl} payload bytes`;
  let end = hlEnd;
  if (pl > 0 && hl >= 8 && hl < b.length) {
    const r = dataPacket(b, hl, pl, base, issues);
    nodes.push(...r.nodes);
    if (r.summary) summary = r.summary;
    end = r.end;
  } else if (pl > 0) {
    issues.add(`P2P v2 payload truncated: 0 of ${pl} bytes present`);
  }

  const rest = b.length - end;
  if (rest >= 4) {
    const app = b.readUInt32BE(end);
    nodes.push({ label: 'footer (application id)', value: String(app), span: span(end, end + 4), children: [leaf('meaning', p2pAppName(app) ?? 'unknown application id')] });
    if (rest > 4) issues.add(`${rest - 4} unexpected bytes after the P2P v2 footer`);
  } else if (rest > 0) {
    issues.add(`P2P v2 footer truncated: ${rest} of 4 bytes`);
  }
  return { title: `P2P v2 seq ${seq}: ${summary}`, nodes, issues: issues.done() };
}

function dataPacket(b: Buffer, at: number, pl: number, base: number, issues: Issues): { nodes: ViewNode[]; summary?: string; end: number } {
  const span = (from: number, to: number): [number, number] => [base + from, base + to];
  const end = Math.min(at + pl, b.length);
  if (at + pl > b.length) issues.add(`P2P v2 payload truncated: ${b.length - at} of ${pl} bytes present`);
  if (end - at < 8) {
    issues.add('P2P v2 data packet header truncated');
    return { nodes: [leaf('data packet header', `${end - at} bytes`, span(at, end), 'truncated')], end };
  }
  const dl = b[at]!;
  const tf = b[at + 1]!;
  const pkg = b.readUInt16BE(at + 2);
  const sid = b.readUInt32BE(at + 4);
  const header: ViewNode[] = [
    leaf('header length', String(dl), span(at, at + 1)),
    { label: 'TF combination', value: `0x${tf.toString(16).padStart(2, '0')}`, span: span(at + 1, at + 2), children: [leaf('meaning', TF_NAMES[tf] ?? 'unknown')] },
    leaf('package number', String(pkg), span(at + 2, at + 4)),
    { label: 'session id', value: String(sid), span: span(at + 4, at + 8), ...(sid === 0 ? { children: [leaf('meaning', 'MSNSLP signalling')] } : {}) },
  ];
  const dlEnd = Math.min(at + Math.max(dl, 8), end);
  if (dl < 8) issues.add(`P2P v2 data header length ${dl} is below the minimum of 8`);
  if (at + dl > end) issues.add('P2P v2 data packet header truncated');
  header.push(...tlvs(b, at + 8, dlEnd, base, dataTlv, issues));
  const nodes: ViewNode[] = [group('data packet header', header, span(at, dlEnd))];
  const data = b.subarray(dlEnd, end);
  if (data.length === 0) return { nodes, end };
  const d = renderData(data, base + dlEnd, { slp: sid === 0 && (tf & 0x01) === 0x01, continuation: false });
  issues.addAll(d.issues);
  nodes.push(d.node);
  return d.summary ? { nodes, summary: d.summary, end } : { nodes, end };
}

type TlvNamer = (t: number, value: Buffer) => { name: string; value: string };

function tlvs(b: Buffer, from: number, to: number, base: number, namer: TlvNamer, issues: Issues): ViewNode[] {
  const out: ViewNode[] = [];
  let i = from;
  while (i < to) {
    const t = b[i]!;
    if (t === 0) {
      // Type 0 is padding up to the declared header length.
      out.push(leaf('padding', `${to - i} bytes`, [base + i, base + to]));
      break;
    }
    if (i + 2 > to) {
      issues.add('P2P v2 TLV truncated (no length byte)');
      out.push(leaf(`TLV type ${t}`, undefined, [base + i, base + to], 'truncated'));
      break;
    }
    const l = b[i + 1]!;
    if (i + 2 + l > to) {
      issues.add(`P2P v2 TLV type ${t} truncated: ${to - i - 2} of ${l} bytes`);
      out.push(leaf(`TLV type ${t}`, undefined, [base + i, base + to], 'truncated'));
      break;
    }
    const named = namer(t, b.subarray(i + 2, i + 2 + l));
    out.push(leaf(`TLV ${t} (${named.name})`, named.value, [base + i, base + i + 2 + l]));
    i += 2 + l;
  }
  return out;
}

function hex(v: Buffer): string {
  return v.toString('hex');
}

const transportTlv: TlvNamer = (t, v) => {
  if (t === 1 && v.length === 12) {
    // Peer info is little-endian inside the otherwise big-endian header.
    return {
      name: 'peer info',
      value: `protocol ${v.readUInt16LE(0)}, implementation ${v.readUInt16LE(2)}, version ${v.readUInt16LE(4)}, capabilities 0x${v.readUInt32LE(8).toString(16)}`,
    };
  }
  if (t === 2 && v.length === 4) return { name: 'ACK sequence', value: String(v.readUInt32BE(0)) };
  if (t === 3 && v.length === 4) return { name: 'NAK sequence', value: String(v.readUInt32BE(0)) };
  return { name: 'unknown', value: hex(v) };
};

const dataTlv: TlvNamer = (t, v) => {
  if (t === 1 && v.length === 8) return { name: 'remaining data size', value: v.readBigUInt64BE(0).toString() };
  return { name: 'unknown', value: hex(v) };
};
