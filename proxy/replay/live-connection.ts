// One live TCP connection of a client replay: sends bytes, decodes what the server sends (with the
// decoder, so payload rules follow the negotiated version) and hands frames out on request.
import net from 'node:net';
import type { DecodedFrame } from '../../shared/msnp/decoded.js';
import { ConnectionDecoder, type SessionContext } from '../decode/connection.js';
import { parseHostPort } from '../relay/address.js';

export interface LiveFrame {
  frame: DecodedFrame;
  line: string | null;
  bytes: Buffer;
  payload: Buffer | null;
}

export class LiveConnection {
  readonly label: string;
  readonly socket: net.Socket;
  readonly #decoder: ConnectionDecoder;
  readonly #queue: LiveFrame[] = [];
  #wake: (() => void) | null = null;
  #ended = false;

  private constructor(label: string, socket: net.Socket, session: SessionContext) {
    this.label = label;
    this.socket = socket;
    this.#decoder = new ConnectionDecoder(label, session, (frame, raw) => {
      if (frame.dir !== 's2c') return;
      this.#queue.push({ frame, line: raw.line, bytes: Buffer.from(raw.bytes), payload: raw.payload && Buffer.from(raw.payload) });
      this.#wake?.();
    });
    socket.on('data', (data: Buffer) => this.#decoder.push('s2c', data, Date.now()));
    const end = () => {
      this.#ended = true;
      this.#wake?.();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  static open(label: string, address: string, session: SessionContext, timeoutMs: number): Promise<LiveConnection> {
    const { host, port } = parseHostPort(address);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, allowHalfOpen: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`${label}: no connection to ${address} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        resolve(new LiveConnection(label, socket, session));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`${label}: cannot connect to ${address}: ${error.message}`));
      });
    });
  }

  get ended(): boolean {
    return this.#ended;
  }

  send(bytes: Buffer): void {
    this.#decoder.push('c2s', bytes, Date.now());
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytes);
  }

  /**
   * Takes the first received frame for which `best` holds, waiting up to `timeoutMs`; when none came,
   * the first for which `fallback` holds; null when neither.
   */
  async take(best: (f: DecodedFrame) => boolean, fallback: (f: DecodedFrame) => boolean, timeoutMs: number): Promise<LiveFrame | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.#queue.findIndex((f) => best(f.frame));
      if (i >= 0) return this.#queue.splice(i, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0 || this.#ended) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
    const j = this.#queue.findIndex((f) => fallback(f.frame));
    return j >= 0 ? this.#queue.splice(j, 1)[0]! : null;
  }

  /** Frames received and never taken. */
  leftovers(): LiveFrame[] {
    return this.#queue.splice(0);
  }

  end(): void {
    if (!this.socket.destroyed) this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
