// Turns captured frames into per-connection, in-order TCP payload chunks. Each in-order
// segment stays one chunk, so the packet boundaries a real client would read survive.
import type { Direction } from '../../../shared/msnp/types.js';
import { decodeFrame, type Frame, type TcpSegment } from './packet.js';
import { PendingSegments } from './pending-segments.js';
import type { Chunk, ConnectionInfo } from './types.js';

export const MSNP_PORT = 1863;

export interface ReassemblyResult {
  chunks: Chunk[];
  connections: ConnectionInfo[];
  issues: string[];
}

/** One direction of a connection, named by its sender. */
interface Side {
  addr: string;
  port: number;
  /** Next sequence number we expect to deliver; null until the side's first segment. */
  nextSeq: number | null;
  finSeq: number | null;
  finConsumed: boolean;
  pending: PendingSegments;
  /** Start of the delivered stream, kept to recognise MSNP on unusual ports. */
  head: Buffer[];
  headLen: number;
}

interface Conn {
  order: number;
  sides: [Side, Side];
  synFrom: string | null;
  synAckFrom: string | null;
  closed: boolean;
  dropped: number;
  gaps: { from: string; bytes: number }[];
}

interface Delivery {
  conn: Conn;
  from: string;
  t_ms: number;
  bytes: Buffer;
}

const HEAD_LIMIT = 4096;

/** Signed distance a - b in 32-bit sequence space. */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

function newSide(addr: string, port: number): Side {
  return { addr, port, nextSeq: null, finSeq: null, finConsumed: false, pending: new PendingSegments(), head: [], headLen: 0 };
}

export function reassembleTcp(frames: Iterable<Frame>): ReassemblyResult {
  const flows = new Map<string, Conn>();
  const all: Conn[] = [];
  const out: Delivery[] = [];
  const frameIssues = new Map<string, { first: number; count: number }>();
  let frameNo = 0;
  let now = 0;

  const noteFrame = (message: string): void => {
    const seen = frameIssues.get(message);
    if (seen) seen.count++;
    else frameIssues.set(message, { first: frameNo, count: 1 });
  };

  const emit = (conn: Conn, side: Side, bytes: Buffer): void => {
    if (bytes.length === 0) return;
    side.nextSeq = ((side.nextSeq ?? 0) + bytes.length) >>> 0;
    if (side.headLen < HEAD_LIMIT) {
      side.head.push(bytes);
      side.headLen += bytes.length;
    }
    out.push({ conn, from: side.addr, t_ms: now, bytes });
  };

  const consumeFin = (side: Side): void => {
    if (side.finSeq !== null && !side.finConsumed && side.nextSeq === side.finSeq) {
      side.finConsumed = true;
      side.nextSeq = (side.nextSeq + 1) >>> 0;
    }
  };

  /** Delivers every buffered segment that now starts at or before nextSeq. */
  const drain = (conn: Conn, side: Side): void => {
    for (;;) {
      consumeFin(side);
      const next = side.nextSeq!;
      const first = side.pending.first();
      if (!first) return;
      const d = seqDiff(first.seq, next);
      if (d > 0) return; // a hole before it
      side.pending.take();
      if (d + first.bytes.length <= 0) conn.dropped++; // delivered already by an overlapping segment
      else emit(conn, side, first.bytes.subarray(-d));
    }
  };

  const accept = (conn: Conn, side: Side, seq: number, bytes: Buffer): void => {
    if (side.nextSeq === null) side.nextSeq = seq;
    const d = seqDiff(seq, side.nextSeq);
    if (d + bytes.length <= 0) {
      conn.dropped++; // retransmission or keep-alive probe: the first copy was delivered already
      return;
    }
    if (d > 0) {
      // Out of order: hold it until the hole before it fills (or is declared lost).
      side.pending.add(seq, bytes);
      return;
    }
    // Overlaps what we already delivered: keep the first copy, pass on only the new tail.
    emit(conn, side, bytes.subarray(-d));
    drain(conn, side);
  };

  /** Declares the bytes before the lowest buffered segment (or before `limit`) lost. */
  const skipGap = (conn: Conn, side: Side, limit: number | null): boolean => {
    const next = side.nextSeq;
    if (next === null) return false;
    const first = side.pending.first();
    let target: number;
    if (first && (limit === null || seqDiff(limit, first.seq) > 0)) target = first.seq;
    else if (limit !== null) target = limit;
    else return false;
    const missing = seqDiff(target, next);
    if (missing <= 0) return false;
    conn.gaps.push({ from: side.addr, bytes: missing });
    side.nextSeq = target;
    drain(conn, side);
    return true;
  };

  /** The peer acknowledged bytes we never saw: the capture lost them, they will not come again. */
  const onAck = (conn: Conn, side: Side, ack: number): void => {
    for (let guard = 0; guard < 1000; guard++) {
      const next = side.nextSeq;
      if (next === null || seqDiff(ack, next) <= 0) return;
      if (side.pending.size === 0 && seqDiff(ack, next) === 1) return; // only a FIN we did not capture
      if (!skipGap(conn, side, ack)) return;
    }
  };

  const startConn = (key: string, seg: TcpSegment): Conn => {
    const conn: Conn = {
      order: all.length,
      sides: [newSide(seg.src, seg.srcPort), newSide(seg.dst, seg.dstPort)],
      synFrom: null,
      synAckFrom: null,
      closed: false,
      dropped: 0,
      gaps: [],
    };
    flows.set(key, conn);
    all.push(conn);
    return conn;
  };

  const onSegment = (seg: TcpSegment): void => {
    const key = [seg.src, seg.dst].sort().join(' ');
    let conn = flows.get(key);
    // A fresh SYN on a finished 4-tuple is a new connection reusing the ports.
    if (conn && seg.syn && !seg.ackFlag && (conn.closed || senderFinished(conn, seg.src))) {
      conn = undefined;
    }
    conn ??= startConn(key, seg);
    const side = conn.sides[0].addr === seg.src ? conn.sides[0] : conn.sides[1];
    const peer = side === conn.sides[0] ? conn.sides[1] : conn.sides[0];

    let dataSeq = seg.seq;
    if (seg.syn) {
      if (seg.ackFlag) conn.synAckFrom ??= seg.src;
      else conn.synFrom ??= seg.src;
      dataSeq = (seg.seq + 1) >>> 0; // SYN takes one sequence number
      if (side.nextSeq === null) side.nextSeq = dataSeq;
    }
    if (seg.payload.length < seg.wireLen) noteFrame('frames truncated by the capture snapshot length (their missing bytes show up as gaps)');
    if (seg.payload.length > 0) accept(conn, side, dataSeq, seg.payload);
    else if (side.nextSeq === null) side.nextSeq = dataSeq;
    if (seg.fin) {
      side.finSeq = (dataSeq + seg.wireLen) >>> 0;
      consumeFin(side);
    }
    if (seg.rst) conn.closed = true;
    if (seg.fin && peer.finSeq !== null) conn.closed = true;
    if (seg.ackFlag) onAck(conn, peer, seg.ack);
  };

  for (const frame of frames) {
    frameNo++;
    now = frame.t_ms;
    const r = decodeFrame(frame);
    if (r.kind === 'issue') noteFrame(r.message);
    else if (r.kind === 'tcp') onSegment(r.seg);
  }

  // End of capture: whatever is still buffered sits behind bytes that never arrived.
  for (const conn of all) {
    for (const side of conn.sides) while (skipGap(conn, side, null));
  }

  return finish(all, out, frameIssues);
}

function senderFinished(conn: Conn, addr: string): boolean {
  const side = conn.sides[0].addr === addr ? conn.sides[0] : conn.sides[1];
  return side.finSeq !== null;
}

/** Which address opened the connection: SYN sender, else SYN-ACK receiver, else by port. */
function clientOf(conn: Conn): { client: Side; server: Side; guessed: boolean } {
  const [a, b] = conn.sides;
  const pick = (client: Side, guessed: boolean) => ({ client, server: client === a ? b : a, guessed });
  if (conn.synFrom !== null) return pick(conn.synFrom === a.addr ? a : b, false);
  if (conn.synAckFrom !== null) return pick(conn.synAckFrom === a.addr ? b : a, false);
  if (a.port === MSNP_PORT && b.port !== MSNP_PORT) return pick(b, true);
  if (b.port === MSNP_PORT && a.port !== MSNP_PORT) return pick(a, true);
  if (a.port !== b.port) return pick(a.port > b.port ? a : b, true);
  return pick(a, true); // same port both ends: the first sender
}

const MSNP_LINE = /^(?:[A-Z]{3}|\d{3})[ \r][^\r\n]*\r\n/;
const HTTP_REQUEST = /^[A-Z]+ \S+ HTTP\/\d/;

/** True when the stream's first line is shaped like an MSNP command (and is not HTTP). */
export function looksLikeMsnp(head: Buffer): boolean {
  const text = head.subarray(0, 1024).toString('latin1');
  return MSNP_LINE.test(text) && !HTTP_REQUEST.test(text);
}

function finish(
  all: Conn[],
  out: Delivery[],
  frameIssues: Map<string, { first: number; count: number }>,
): ReassemblyResult {
  const issues: string[] = [];
  for (const [message, { first, count }] of frameIssues) {
    issues.push(count > 1 ? `frame ${first}: ${message} (and ${count - 1} more frames)` : `frame ${first}: ${message}`);
  }

  const labels = new Map<Conn, { label: string; dirOf: (from: string) => Direction }>();
  const connections: ConnectionInfo[] = [];
  for (const conn of all) {
    const { client, server, guessed } = clientOf(conn);
    const byPort = client.port === MSNP_PORT || server.port === MSNP_PORT;
    if (!byPort && !looksLikeMsnp(Buffer.concat(client.head))) {
      issues.push(`ignored TCP stream ${client.addr} -> ${server.addr}: not port ${MSNP_PORT} and it does not open with an MSNP command`);
      continue;
    }
    const label = `conn${labels.size + 1}`;
    labels.set(conn, { label, dirOf: (from) => (from === client.addr ? 'c2s' : 's2c') });
    const info: ConnectionInfo = { conn: label, client: client.addr, server: server.addr };
    if (guessed) info.note = 'no SYN captured; client and server guessed from the ports';
    connections.push(info);
    if (conn.dropped > 0) issues.push(`${label}: ${conn.dropped} retransmitted or duplicate segment(s) dropped`);
    for (const gap of conn.gaps) {
      const dir = gap.from === client.addr ? 'c2s' : 's2c';
      issues.push(`${label}: ${gap.bytes} byte(s) ${dir} missing from the capture (lost segment); continuing after the gap`);
    }
  }

  const chunks: Chunk[] = [];
  for (const d of out) {
    const l = labels.get(d.conn);
    if (l) chunks.push({ conn: l.label, dir: l.dirOf(d.from), t_ms: d.t_ms, bytes: d.bytes });
  }
  return { chunks, connections, issues };
}
