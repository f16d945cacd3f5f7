// The capture writer thread: one per process, one BatchWriter per open capture store. Each store talks
// to it through its own MessagePort and a shared counter the thread bumps after every reply, so the
// store can also wait for a reply synchronously (flush, close, process exit).
import { type MessagePort, parentPort } from 'node:worker_threads';
import { BatchWriter } from './batch-writer.js';
import type { EncodedOps } from './op-codec.js';

export interface OpenMessage {
  type: 'open';
  file: string;
  maxPageCount?: number;
  port: MessagePort;
  /** Int32Array over a SharedArrayBuffer: [0] counts replies posted on the port. */
  signal: SharedArrayBuffer;
}

export type StoreRequest =
  | { type: 'write'; seq: number; chain: number; ops: EncodedOps }
  | { type: 'pages'; seq: number; pages: number }
  | { type: 'close'; seq: number };

function serve(message: OpenMessage): void {
  const writer = new BatchWriter(message.file, message.maxPageCount === undefined ? {} : { maxPageCount: message.maxPageCount });
  const signal = new Int32Array(message.signal);
  const port = message.port;
  const reply = (value: object, transfer: ArrayBuffer[] = []): void => {
    port.postMessage(value, transfer);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  };
  // The chain whose batch failed last: its later batches were handed over before the store knew, and
  // must not be written before that one is.
  let failedChain: number | null = null;
  port.on('message', (request: StoreRequest) => {
    switch (request.type) {
      case 'write': {
        // The batch's bytes go back with the answer, for the next batch to be packed into: a buffer
        // left here would wait for this thread's next garbage collection, which its little allocation
        // makes rare (tens of MiB of them piled up relaying 1 GiB).
        const spare = request.ops.bytes;
        if (request.chain === failedChain) {
          reply({ seq: request.seq, ok: false, error: 'not written: an earlier batch failed', spare }, [spare]);
          return;
        }
        const result = writer.writeEncoded(request.ops);
        if (!result.ok) failedChain = request.chain;
        reply({ seq: request.seq, ...result, spare }, [spare]);
        return;
      }
      case 'pages':
        try {
          reply({ seq: request.seq, ok: true, value: writer.setMaxPageCount(request.pages) });
        } catch (error) {
          reply({ seq: request.seq, ok: false, error: (error as Error).message });
        }
        return;
      case 'close':
        writer.close();
        reply({ seq: request.seq, ok: true });
        port.close();
        return;
    }
  });
}

parentPort?.on('message', (message: OpenMessage) => {
  if (message.type === 'open') serve(message);
});
