// `pcapng`: one synthesised TCP stream per connection (handshake, one MSNP frame per packet, FIN
// close), packet times from the capture, and each data packet's decoded summary as its comment, so
// Wireshark and tshark show the session with the MSN dissector and our one-line descriptions.
import { EndpointAllocator, MSNP_PORT } from './pcapng/endpoints.js';
import { enhancedPacket, interfaceDescription, sectionHeader } from './pcapng/blocks.js';
import { type Segment, packet } from './pcapng/ipv4-tcp.js';
import { TcpStream } from './pcapng/tcp-stream.js';
import { generatorName } from './generator.js';
import { type ExportConnection, decodeModel, frameBytes, modelStreams, selectedConnections } from './model.js';
import type { ExportWriter } from './types.js';

interface Event {
  t: number;
  /** Capture-order position: frames by their order, opens just before, closes just after. */
  order: number;
  emit: () => Array<{ segment: Segment; comment?: string }>;
}

/** Frame comment per segment: the summary, marked when a frame spans several segments. */
function segmentComments(summary: string, count: number): string[] {
  if (count === 1) return [summary];
  return Array.from({ length: count }, (_, i) => (i === 0 ? summary : `${summary} (continued, segment ${i + 1} of ${count})`));
}

export const pcapngWriter: ExportWriter = {
  summary: 'pcapng: one synthesised TCP stream per connection (server port 1863), a packet per frame, summaries as packet comments',
  binary: true,
  *write(model) {
    const decoded = decodeModel(model);
    const streams = modelStreams(model);
    const allocator = new EndpointAllocator();
    const tcp = new Map<string, TcpStream>();
    const conns = new Map<string, ExportConnection>(selectedConnections(model).map((c) => [c.key, c]));
    const events: Event[] = [];
    const span = new Map<string, { first: number; last: number; firstT: number; lastT: number }>();

    // Frame times never run backwards in capture order, so sorting by time keeps frame order.
    let clock = Number.NEGATIVE_INFINITY;
    decoded.frames.forEach((frame, order) => {
      const c = conns.get(frame.conn);
      if (!c) return;
      clock = Math.max(clock, frame.t_ms);
      const t = clock;
      const s = span.get(c.key);
      if (s) Object.assign(s, { last: order, lastT: t });
      else span.set(c.key, { first: order, last: order, firstT: t, lastT: t });
      const bytes = frameBytes(streams, frame);
      events.push({
        t, order, emit: () => {
          const segments = tcp.get(c.key)!.data(frame.dir === 'c2s', bytes);
          const comments = segmentComments(frame.summary, segments.length);
          return segments.map((segment, i) => ({ segment, comment: comments[i] }));
        },
      });
    });

    for (const [key, s] of span) {
      const c = conns.get(key)!;
      const { client, server } = allocator.pair(c.client, c.upstream);
      const n = tcp.size + 1;
      tcp.set(key, new TcpStream(client, server, 1_000_000 * n, 2_000_000_000 + 1_000_000 * n));
      const real = `${c.client ?? 'unknown client'} → ${c.upstream ?? 'unknown server'}`;
      const note = `${key}: ${c.kind} connection ${real}${c.upstream?.endsWith(`:${MSNP_PORT}`) ? '' : ` (server port written as ${MSNP_PORT})`}`;
      events.push({
        t: Math.min(c.openedWall ?? s.firstT, s.firstT), order: s.first - 0.5,
        emit: () => tcp.get(key)!.handshake().map((segment, i) => ({ segment, ...(i === 0 ? { comment: note } : {}) })),
      });
      if (c.closeReason !== null) {
        const byClient = !c.closeReason.startsWith('upstream');
        events.push({
          t: Math.max(c.closedWall ?? s.lastT, s.lastT), order: s.last + 0.5,
          emit: () => tcp.get(key)!.close(byClient).map((segment, i) => ({ segment, ...(i === 0 ? { comment: `${key}: ${c.closeReason}` } : {}) })),
        });
      }
    }
    events.sort((a, b) => a.t - b.t || a.order - b.order);

    const sessions = model.sessions.map((s) => s.id ?? '?').join(', ');
    yield sectionHeader(generatorName(), `MSNP session ${sessions} from ${model.source}${model.redacted ? ', credentials redacted' : ''}; addresses are the capture's where known, made-up 10.x otherwise`);
    yield interfaceDescription('msnp-inspector');
    for (const event of events) {
      for (const { segment, comment } of event.emit()) yield enhancedPacket(event.t, packet(segment), comment);
    }
  },
};
