// One live-stream subscriber with a bounded queue. Messages go to the socket while its send buffer is
// short; behind a slow browser they wait here, and past the bound the queue is dropped and the client is
// told to `reset` (reload from REST). Nothing here ever waits on the client, so it cannot slow the relay.
import { type LiveMessage, encodeLive } from '../../../shared/api/live.js';

/** What the client needs of a WebSocket (ws's WebSocket has all of it). */
export interface LiveSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string): void;
}

export interface LiveClientLimits {
  /** Frames waiting in the queue beyond which the client is reset (default 2000). */
  maxQueuedFrames?: number;
  /** Bytes waiting (queue + socket buffer) beyond which the client is reset (default 4 MiB). */
  maxQueuedBytes?: number;
}

const OPEN = 1;

/** A message as sent, and how many frames it announces (what the queue bound counts). */
export interface EncodedMessage {
  text: string;
  frames: number;
}

export function encode(message: LiveMessage): EncodedMessage {
  return { text: encodeLive(message), frames: message.type === 'frames/add' ? message.frames.length : 0 };
}

export class LiveClient {
  readonly socket: LiveSocket;
  readonly #maxFrames: number;
  readonly #maxBytes: number;
  /** Above this much in the socket's buffer, messages wait in the queue instead. */
  readonly #highWater: number;
  #queue: EncodedMessage[] = [];
  #queuedFrames = 0;
  #queuedBytes = 0;
  /** The queue overflowed: drop everything until the socket has drained, then send the reset. */
  #overflowed = false;
  resets = 0;

  constructor(socket: LiveSocket, limits: LiveClientLimits = {}) {
    this.socket = socket;
    this.#maxFrames = Math.max(0, limits.maxQueuedFrames ?? 2000);
    this.#maxBytes = Math.max(1, limits.maxQueuedBytes ?? 4 * 1024 * 1024);
    this.#highWater = Math.ceil(this.#maxBytes / 4);
  }

  get queuedFrames(): number { return this.#queuedFrames; }

  send(message: LiveMessage): void {
    this.sendEncoded(encode(message));
  }

  /** The same message goes to every client: the hub encodes it once. */
  sendEncoded(message: EncodedMessage): void {
    if (this.socket.readyState !== OPEN) return;
    if (this.#overflowed) {
      // Whatever is dropped now was committed before the reset goes out, so the reload will find it.
      this.pump();
      return;
    }
    this.#queue.push(message);
    this.#queuedFrames += message.frames;
    this.#queuedBytes += message.text.length;
    this.pump();
    if (this.#queue.length > 0 && (this.#queuedFrames > this.#maxFrames || this.#queuedBytes + this.socket.bufferedAmount > this.#maxBytes)) {
      this.#queue = [];
      this.#queuedFrames = 0;
      this.#queuedBytes = 0;
      this.#overflowed = true;
      this.pump();
    }
  }

  /** Hands queued messages to the socket while it has room; called on every tick too. */
  pump(): void {
    if (this.socket.readyState !== OPEN) return;
    if (this.#overflowed) {
      if (this.socket.bufferedAmount > this.#highWater) return;
      this.#overflowed = false;
      this.resets++;
      this.socket.send(JSON.stringify({ type: 'reset', reason: 'the live stream fell behind: reload' } satisfies LiveMessage));
      return;
    }
    while (this.#queue.length > 0 && this.socket.bufferedAmount <= this.#highWater) {
      const next = this.#queue.shift() as EncodedMessage;
      this.#queuedFrames -= next.frames;
      this.#queuedBytes -= next.text.length;
      this.socket.send(next.text);
    }
  }
}
