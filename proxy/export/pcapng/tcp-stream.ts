// One TCP connection as segments: handshake, data in both directions with consistent sequence and
// acknowledgement numbers, and a FIN close.
import { type Endpoint, type Segment, TCP_FLAGS } from './ipv4-tcp.js';

/** Largest payload per segment: an IPv4 packet holds at most 65535 bytes with its headers. */
export const MAX_SEGMENT = 65_000;

const { ACK, FIN, PSH, SYN } = TCP_FLAGS;

export class TcpStream {
  readonly client: Endpoint;
  readonly server: Endpoint;
  #clientSeq: number;
  #serverSeq: number;

  constructor(client: Endpoint, server: Endpoint, isnClient: number, isnServer: number) {
    this.client = client;
    this.server = server;
    this.#clientSeq = isnClient >>> 0;
    this.#serverSeq = isnServer >>> 0;
  }

  #seg(fromClient: boolean, flags: number, payload: Buffer = Buffer.alloc(0)): Segment {
    const s: Segment = fromClient
      ? { from: this.client, to: this.server, seq: this.#clientSeq, ack: this.#serverSeq, flags, payload }
      : { from: this.server, to: this.client, seq: this.#serverSeq, ack: this.#clientSeq, flags, payload };
    // SYN and FIN take one sequence number each.
    const used = payload.length + (flags & (SYN | FIN) ? 1 : 0);
    if (fromClient) this.#clientSeq = (this.#clientSeq + used) >>> 0;
    else this.#serverSeq = (this.#serverSeq + used) >>> 0;
    return s;
  }

  handshake(): Segment[] {
    const syn = this.#seg(true, SYN);
    const synAck = this.#seg(false, SYN | ACK);
    syn.ack = 0;
    return [syn, synAck, this.#seg(true, ACK)];
  }

  /** One MSNP frame: one segment, or several when it is larger than MAX_SEGMENT. */
  data(fromClient: boolean, bytes: Buffer): Segment[] {
    const out: Segment[] = [];
    for (let at = 0; at < bytes.length; at += MAX_SEGMENT) {
      out.push(this.#seg(fromClient, PSH | ACK, bytes.subarray(at, at + MAX_SEGMENT)));
    }
    return out;
  }

  close(byClient: boolean): Segment[] {
    return [this.#seg(byClient, FIN | ACK), this.#seg(!byClient, FIN | ACK), this.#seg(byClient, ACK)];
  }
}
