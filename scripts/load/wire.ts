// Both scripted ends cut what they receive into frames themselves (a command line, plus a payload of
// the length its last token names for MSG/ADL/GCF), independently of the proxy's framer, and count
// every byte and frame they send and receive.

import { PAYLOAD_COMMANDS } from './shapes.js';

/** Byte and frame counts of one end, per direction. */
export interface Counts {
  c2sBytes: number;
  s2cBytes: number;
  c2sFrames: number;
  s2cFrames: number;
}

export const zeroCounts = (): Counts => ({ c2sBytes: 0, s2cBytes: 0, c2sFrames: 0, s2cFrames: 0 });

export function addCounts(into: Counts, from: Counts): Counts {
  into.c2sBytes += from.c2sBytes;
  into.s2cBytes += from.s2cBytes;
  into.c2sFrames += from.c2sFrames;
  into.s2cFrames += from.s2cFrames;
  return into;
}

export interface WireFrame {
  bytes: Buffer;
  /** The command line without its line end. */
  line: string;
  command: string;
}

/** Cuts a byte stream into frames; `push` returns the frames completed by a read. */
export class FrameCutter {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): WireFrame[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: WireFrame[] = [];
    for (;;) {
      const eol = this.#buf.indexOf(0x0a);
      if (eol < 0) break;
      const line = this.#buf.toString('utf8', 0, eol).replace(/\r$/, '');
      const tokens = line.split(' ');
      const command = tokens[0] ?? '';
      let size = eol + 1;
      if (PAYLOAD_COMMANDS.has(command) && tokens.length > 1) {
        const length = Number(tokens[tokens.length - 1]);
        if (Number.isInteger(length) && length >= 0) size += length;
      }
      if (this.#buf.length < size) break;
      out.push({ bytes: Buffer.from(this.#buf.subarray(0, size)), line, command });
      this.#buf = this.#buf.subarray(size);
    }
    return out;
  }

  /** Bytes received that make no complete frame yet. */
  get pending(): number {
    return this.#buf.length;
  }
}
