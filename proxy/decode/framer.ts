// Incremental MSNP framer for one direction of one connection.
//
// A frame is a CRLF-terminated command line plus, for payload commands, exactly N payload bytes.
// Whether a line announces a payload is decided by the caller's `payloadLength` rule (it depends on the
// command, the direction and the negotiated version, all of which the framer knows nothing about).
//
// Design (after pg-protocol's parser): one buffer plus start/end offsets; a chunk arriving with nothing
// pending is adopted without a copy; a partial frame is compacted or the buffer doubled, never
// concatenated per chunk. No exception crosses `push`/`end`: bad input becomes a `raw` frame or a frame
// with issues, and framing resynchronises at the next line that looks like a command.
//
// Frame boundaries depend only on the bytes, never on how they were chunked: every byte pushed comes
// out in exactly one frame, and the same stream split anywhere yields the same frames.

export interface FramerLimits {
  /** Longest command line accepted, CRLF included (default 16 KiB). */
  maxLine: number;
  /** Largest payload accepted (default 1 MiB). */
  maxPayload: number;
}

export const DEFAULT_LIMITS: FramerLimits = { maxLine: 16 * 1024, maxPayload: 1024 * 1024 };

export interface Frame {
  /** `command`: a command line (+ payload); `raw`: bytes that could not be framed. */
  kind: 'command' | 'raw';
  /** Offset of the frame's first byte in this direction's stream. */
  offset: number;
  /** The exact bytes of the frame. */
  bytes: Buffer;
  /** The command line without its line end (command frames only). */
  line: string | null;
  /** Length announced on the line, when it announces a payload. */
  payloadLength: number | null;
  /** Payload bytes actually framed (shorter than announced only when the stream ended). */
  payload: Buffer | null;
  issues: string[];
}

/**
 * Decides whether a command line announces a payload: returns its byte length, or null for none.
 * `command` is the first token (3 letters or 3 digits); `tokens` are the rest of the line.
 */
export type PayloadRule = (command: string, tokens: readonly string[]) => number | null;

const LF = 0x0a;
const CR = 0x0d;

type Mode =
  | { kind: 'line' }
  /** Inside an over-long line: everything up to its LF goes out as raw frames of at most maxLine. */
  | { kind: 'overlong' }
  /** Waiting for `need` payload bytes after a line of `lineLength` bytes at the buffer's start. */
  | { kind: 'payload'; lineLength: number; need: number; line: string; issues: string[] };

export class Framer {
  readonly #limits: FramerLimits;
  readonly #payloadLength: PayloadRule;
  readonly #emit: (frame: Frame) => void;

  #buf: Buffer = Buffer.alloc(0);
  #start = 0; // first unconsumed byte
  #end = 0; // one past the last buffered byte
  #scanned = 0; // bytes after #start already searched for LF without success
  #offset = 0; // stream offset of #start
  #mode: Mode = { kind: 'line' };

  constructor(payloadLength: PayloadRule, emit: (frame: Frame) => void, limits: Partial<FramerLimits> = {}) {
    this.#payloadLength = payloadLength;
    this.#emit = emit;
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Bytes buffered but not yet emitted in a frame. */
  get pending(): number {
    return this.#end - this.#start;
  }

  /** The bytes of a command line still waiting for its line end, or null (none, or inside a payload). */
  partialLine(): Buffer | null {
    if (this.#mode.kind !== 'line' || this.#end === this.#start) return null;
    return this.#buf.subarray(this.#start, this.#end);
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#append(chunk);
    this.#drain();
  }

  /** The stream ended: whatever is buffered goes out, flagged as cut short. */
  end(): void {
    const left = this.#end - this.#start;
    if (left === 0) return;
    const mode = this.#mode;
    if (mode.kind === 'payload') {
      const got = left - mode.lineLength;
      const bytes = this.#take(left);
      this.#emit({
        kind: 'command', offset: this.#offset - left, bytes, line: mode.line, payloadLength: mode.need,
        payload: bytes.subarray(mode.lineLength),
        issues: [...mode.issues, `truncated: stream ended after ${got} of ${mode.need} payload bytes`],
      });
    } else {
      const issue = mode.kind === 'overlong'
        ? 'overlong: end of an over-long line (stream ended before its line end)'
        : 'truncated: stream ended inside a line (no CRLF)';
      this.#emitRaw(left, issue);
    }
    this.#mode = { kind: 'line' };
  }

  #append(chunk: Uint8Array): void {
    const pending = this.#end - this.#start;
    if (pending === 0) {
      // Nothing pending: adopt the chunk as the buffer, no copy.
      this.#buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
      this.#start = 0;
      this.#end = chunk.length;
      this.#scanned = 0;
      return;
    }
    if (this.#end + chunk.length > this.#buf.length) {
      // Grow into a fresh buffer: emitted frames are views into the old one and must never be
      // overwritten, so there is no in-place compaction. Sizing on what is pending keeps copies linear.
      const needed = pending + chunk.length;
      const grown = Buffer.allocUnsafe(Math.max(needed * 2, 4096));
      this.#buf.copy(grown, 0, this.#start, this.#end);
      this.#buf = grown;
      this.#end = pending;
      this.#start = 0;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  #drain(): void {
    for (;;) {
      const mode = this.#mode;
      const avail = this.#end - this.#start;
      if (avail === 0) {
        this.#release();
        return;
      }
      if (mode.kind === 'payload') {
        const total = mode.lineLength + mode.need;
        if (avail < total) return;
        const bytes = this.#take(total);
        this.#emit({
          kind: 'command', offset: this.#offset - total, bytes, line: mode.line, payloadLength: mode.need,
          payload: bytes.subarray(mode.lineLength), issues: mode.issues,
        });
        this.#mode = { kind: 'line' };
        continue;
      }
      const lf = this.#findLf();
      const lineLimit = this.#limits.maxLine;
      if (lf < 0) {
        if (avail < lineLimit) return; // wait for the rest of the line
        this.#emitRaw(lineLimit, mode.kind === 'overlong'
          ? 'overlong: continuation of an over-long line'
          : `overlong: no line end within ${lineLimit} bytes`);
        this.#mode = { kind: 'overlong' };
        continue;
      }
      const length = lf - this.#start + 1;
      if (length > lineLimit) {
        this.#emitRaw(lineLimit, mode.kind === 'overlong'
          ? 'overlong: continuation of an over-long line'
          : `overlong: no line end within ${lineLimit} bytes`);
        this.#mode = { kind: 'overlong' };
        continue;
      }
      if (mode.kind === 'overlong') {
        this.#emitRaw(length, 'overlong: end of an over-long line');
        this.#mode = { kind: 'line' };
        continue;
      }
      this.#onLine(length);
    }
  }

  #findLf(): number {
    const from = this.#start + this.#scanned;
    const lf = this.#buf.indexOf(LF, from);
    if (lf >= 0 && lf < this.#end) {
      this.#scanned = 0;
      return lf;
    }
    this.#scanned = this.#end - this.#start;
    return -1;
  }

  /** A complete line of `length` bytes (LF included) starts at #start. */
  #onLine(length: number): void {
    const buf = this.#buf;
    const s = this.#start;
    const crlf = length >= 2 && buf[s + length - 2] === CR;
    const textEnd = s + length - (crlf ? 2 : 1);
    if (!isCommandLine(buf, s, textEnd)) {
      this.#emitRaw(length, 'garbage: not an MSNP command line');
      return;
    }
    const line = buf.toString('latin1', s, textEnd);
    const issues: string[] = [];
    if (!crlf) issues.push('line end: LF without CR');
    const parts = line.split(' ');
    const command = parts[0] as string;
    let tokens = parts.slice(1);
    if (tokens.includes('')) {
      issues.push('syntax: empty parameter (repeated or trailing space)');
      tokens = tokens.filter((t) => t !== '');
    }
    const need = this.#payloadLength(command, tokens);
    if (need === null) {
      const bytes = this.#take(length);
      this.#emit({ kind: 'command', offset: this.#offset - length, bytes, line, payloadLength: null, payload: null, issues });
      return;
    }
    if (need > this.#limits.maxPayload) {
      issues.push(`oversize: announced payload of ${need} bytes exceeds the ${this.#limits.maxPayload}-byte cap; not framed as payload`);
      const bytes = this.#take(length);
      this.#emit({ kind: 'command', offset: this.#offset - length, bytes, line, payloadLength: need, payload: null, issues });
      return;
    }
    this.#mode = { kind: 'payload', lineLength: length, need, line, issues };
  }

  #emitRaw(length: number, issue: string): void {
    const bytes = this.#take(length);
    this.#emit({ kind: 'raw', offset: this.#offset - length, bytes, line: null, payloadLength: null, payload: null, issues: [issue] });
  }

  /** Removes `length` bytes from the front of the buffer and returns them (a view, not a copy). */
  #take(length: number): Buffer {
    const bytes = this.#buf.subarray(this.#start, this.#start + length);
    this.#start += length;
    this.#offset += length;
    this.#scanned = Math.max(0, this.#scanned - length);
    return bytes;
  }

  /** Everything consumed: drop the buffer so emitted views are never overwritten by a compaction. */
  #release(): void {
    this.#buf = Buffer.alloc(0);
    this.#start = this.#end = this.#scanned = 0;
  }
}

/**
 * A line is a command line when it starts with three upper-case letters or three digits, followed by
 * a space or the line end, and holds no control bytes (payload bodies and binary garbage fail this).
 */
function isCommandLine(buf: Buffer, start: number, end: number): boolean {
  if (end - start < 3) return false;
  const a = buf[start] as number, b = buf[start + 1] as number, c = buf[start + 2] as number;
  const letters = isUpper(a) && isUpper(b) && isUpper(c);
  const digits = isDigit(a) && isDigit(b) && isDigit(c);
  if (!letters && !digits) return false;
  if (end - start > 3 && buf[start + 3] !== 0x20) return false;
  for (let i = start + 3; i < end; i++) {
    const x = buf[i] as number;
    if (x < 0x20 || x === 0x7f) return false;
  }
  return true;
}

const isUpper = (x: number) => x >= 0x41 && x <= 0x5a;
const isDigit = (x: number) => x >= 0x30 && x <= 0x39;
