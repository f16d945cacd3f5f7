// How a capture store reaches its BatchWriter: on the shared writer thread (so SQLite never runs on the
// relaying thread), or inline on the caller's thread when that thread is unavailable.
import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import { startTypeScriptWorker } from '../threads/typescript-worker.js';
import { BatchWriter, type BatchWriterOptions, type Op, type WriteReply, describe } from './batch-writer.js';
import { type EncodedOps, encodeOps } from './op-codec.js';
import type { OpenMessage, StoreRequest } from './writer-thread.js';

/**
 * How the store feeds a writer: its default batch (all that may be uncommitted at once, so all a kill -9
 * can lose) and how many transactions a batch is cut into (as many may be with the writer at once).
 */
export interface Pipeline {
  batchSize: number;
  batchBytes: number;
  depth: number;
}

export const PIPELINES: Record<'inline' | 'thread', Pipeline> = {
  // A commit blocks the relaying thread: short transactions (250 records).
  inline: { batchSize: 500, batchBytes: 512 * 1024, depth: 2 },
  // Transactions as large as a raw batched insert's (500 records), and three in the pipe: when the thread
  // answers one it starts the next at once while a third gathers (measured: with two of 250 records it
  // idled between batches and paid twice the commits, 0.6-0.8 of a raw insert's rate instead of 0.9-1).
  thread: { batchSize: 1500, batchBytes: 1536 * 1024, depth: 3 },
};

export interface WriterLink {
  readonly pipeline: Pipeline;
  /**
   * Hands a batch over; `done` gets its outcome, later (perhaps synchronously for an inline writer).
   * Batches are written in order; once one fails, later ones of the same `chain` are refused unwritten.
   */
  write(ops: Op[], chain: number, done: (reply: WriteReply) => void): void;
  /** Blocks until at most `unanswered` batches handed over still wait for their `done`; false if that took over timeoutMs. */
  settle(timeoutMs: number, unanswered?: number): boolean;
  /** Calls `done` for batches already answered, without waiting (cheap enough to call per record). */
  poll(): void;
  setMaxPageCount(pages: number): number;
  close(): void;
}

export class InlineLink implements WriterLink {
  readonly pipeline = PIPELINES.inline;
  readonly #writer: BatchWriter;

  constructor(file: string, options: BatchWriterOptions) {
    this.#writer = new BatchWriter(file, options);
  }

  // One batch at a time, answered at once: a later one of a failed chain cannot be waiting.
  write(ops: Op[], _chain: number, done: (reply: WriteReply) => void): void {
    done(this.#writer.write(ops));
  }

  settle(): boolean {
    return true;
  }

  poll(): void {}

  setMaxPageCount(pages: number): number {
    return this.#writer.setMaxPageCount(pages);
  }

  close(): void {
    this.#writer.close();
  }
}

type Reply = { seq: number; spare?: ArrayBuffer } & ({ ok: true; value?: number } | { ok: false; error: string }) & Partial<WriteReply>;

/** Buffers the writer thread gave back, kept for packing later batches into. */
const SPARES = 4;

export class ThreadLink implements WriterLink {
  readonly pipeline = PIPELINES.thread;
  readonly #file: string;
  readonly #options: BatchWriterOptions;
  readonly #pending = new Map<number, (reply: Reply) => void>();
  // Connected on the first request, so a store opened and closed without writing starts no thread.
  #port: MessagePort | null = null;
  #signal: Int32Array | null = null;
  #thread: WriterThread | null = null;
  #seq = 0;
  readonly #spares: ArrayBuffer[] = [];
  /** The reply counter when the port was last drained by poll(). */
  #seen = 0;
  #dead: string | null = null;

  constructor(file: string, options: BatchWriterOptions) {
    this.#file = file;
    this.#options = { ...options };
  }

  write(ops: Op[], chain: number, done: (reply: WriteReply) => void): void {
    let encoded: EncodedOps;
    try {
      encoded = encodeOps(ops, (size) => this.#spare(size));
    } catch {
      this.#writeEncodable(ops, chain, done);
      return;
    }
    this.#request({ type: 'write', seq: 0, chain, ops: encoded }, done as (reply: Reply) => void, [encoded.numbers.buffer as ArrayBuffer, encoded.bytes]);
  }

  /**
   * A batch holding a value that cannot be encoded (a caller bug: a symbol for a number, …): that record
   * is set aside, as SQLite sets aside a value it cannot bind, and the rest goes to the thread in its
   * turn — never written here, where it could overtake a batch still with the thread.
   */
  #writeEncodable(ops: Op[], chain: number, done: (reply: WriteReply) => void): void {
    const kept: Op[] = [];
    const keptAt: number[] = [];
    const refused: Array<{ index: number; why: string }> = [];
    ops.forEach((op, i) => {
      try {
        encodeOps([op]);
        kept.push(op);
        keptAt.push(i);
      } catch (error) {
        refused.push({ index: i, why: `${describe(op)}: cannot be written: ${(error as Error).message}` });
      }
    });
    const setAside = new Set(refused.map((r) => r.index));
    this.write(kept, chain, (reply) => {
      if (!reply.ok) return done(reply);
      // Back to the batch's own positions: a frame set aside has no row id (0).
      let f = 0;
      const frameIds = ops.flatMap((op, i) => (op.type !== 'frame' ? [] : [setAside.has(i) ? 0 : reply.frameIds[f++] ?? 0]));
      const byThread = reply.refused.map((r) => ({ index: keptAt[r.index] as number, why: r.why }));
      done({ ok: true, frameIds, refused: [...refused, ...byThread].sort((a, b) => a.index - b.index) });
    });
  }

  poll(): void {
    // The thread bumps the counter after each reply: reading it costs far less than asking the port.
    if (!this.#signal || Atomics.load(this.#signal, 0) === this.#seen) return;
    this.#seen = Atomics.load(this.#signal, 0);
    for (let m = receiveMessageOnPort(this.#port!); m; m = receiveMessageOnPort(this.#port!)) this.#deliver((m as { message: Reply }).message);
  }

  settle(timeoutMs: number, unanswered = 0): boolean {
    const deadline = Date.now() + timeoutMs;
    while (this.#pending.size > unanswered && this.#port && this.#signal) {
      const seen = Atomics.load(this.#signal, 0);
      const received = receiveMessageOnPort(this.#port) as { message: Reply } | undefined;
      if (received) {
        this.#deliver(received.message);
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.#dead !== null) return this.#pending.size <= unanswered;
      Atomics.wait(this.#signal, 0, seen, Math.min(left, 100));
    }
    return true;
  }

  setMaxPageCount(pages: number): number {
    this.#options.maxPageCount = pages;
    let result: Reply | undefined;
    this.#request({ type: 'pages', seq: 0, pages }, (reply) => (result = reply));
    this.settle(10_000);
    if (!result) throw new Error('capture writer thread did not answer');
    if (!result.ok) throw new Error(result.error);
    return result.value ?? pages;
  }

  close(): void {
    if (!this.#port) return;
    this.#request({ type: 'close', seq: 0 }, () => {});
    this.settle(10_000);
    this.#thread?.links.delete(this);
    this.#port.close();
  }

  /** The thread is gone: every batch in flight fails (the store keeps and retries it). */
  died(why: string): void {
    this.#dead = why;
    for (const [seq, done] of this.#pending) {
      this.#pending.delete(seq);
      done({ seq, ok: false, error: why });
    }
  }

  get dead(): string | null {
    return this.#dead;
  }

  #request(request: StoreRequest, done: (reply: Reply) => void, transfer: ArrayBuffer[] = []): void {
    if (this.#dead !== null) {
      done({ seq: 0, ok: false, error: this.#dead });
      return;
    }
    request.seq = ++this.#seq;
    this.#pending.set(request.seq, done);
    try {
      this.#connect().postMessage(request, transfer);
    } catch (error) {
      this.#pending.delete(request.seq);
      throw error;
    }
  }

  #connect(): MessagePort {
    if (this.#port) return this.#port;
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    this.#thread = writerThread();
    this.#thread.links.add(this);
    const open: OpenMessage = { type: 'open', file: this.#file, port: port2, signal, ...(this.#options.maxPageCount !== undefined ? { maxPageCount: this.#options.maxPageCount } : {}) };
    this.#thread.worker.postMessage(open, [port2]);
    port1.on('message', (reply: Reply) => this.#deliver(reply));
    // Replies must not keep the process alive: the store's exit hook settles what is in flight.
    port1.unref();
    this.#port = port1;
    this.#signal = new Int32Array(signal);
    return port1;
  }

  /** A spare buffer of at least `size` bytes (the smallest that fits), or a new one. */
  #spare(size: number): ArrayBuffer {
    let best = -1;
    this.#spares.forEach((b, i) => {
      if (b.byteLength >= size && (best < 0 || b.byteLength < (this.#spares[best] as ArrayBuffer).byteLength)) best = i;
    });
    return best < 0 ? new ArrayBuffer(size) : (this.#spares.splice(best, 1)[0] as ArrayBuffer);
  }

  #deliver(reply: Reply): void {
    if (reply.spare) {
      this.#spares.push(reply.spare);
      // The largest are kept: they fit any batch.
      if (this.#spares.length > SPARES) this.#spares.sort((a, b) => b.byteLength - a.byteLength).pop();
    }
    const done = this.#pending.get(reply.seq);
    if (!done) return;
    this.#pending.delete(reply.seq);
    done(reply);
  }
}

interface WriterThread {
  worker: Worker;
  links: Set<ThreadLink>;
}

let thread: WriterThread | null = null;

/** The process's writer thread, started on first use. */
function writerThread(): WriterThread {
  if (thread) return thread;
  // A small young generation: the thread allocates little that lives, and RSS is what users watch.
  const worker = startTypeScriptWorker(new URL('./writer-thread.ts', import.meta.url), { name: 'capture writer', resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  worker.unref();
  const started: WriterThread = { worker, links: new Set() };
  let why = 'capture writer thread stopped';
  worker.on('error', (error) => (why = `capture writer thread failed: ${error.stack ?? error.message}`));
  worker.on('exit', () => {
    if (thread === started) thread = null;
    for (const link of started.links) link.died(why);
  });
  thread = started;
  return started;
}

/** Stops the writer thread (stores fall back to writing inline); resolves once it is gone. */
export async function stopWriterThread(): Promise<void> {
  if (thread) await thread.worker.terminate();
}
