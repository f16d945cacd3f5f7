// Incremental MSNP framer for one direction of one connection.
//
// A frame is a CRLF-terminated command line plus, for payload commands, exactly N payload bytes.
// Whether a line announces a payload is decided by the caller's rule (it depends on the command, the
// direction and the negotiated version, all of which the framer knows nothing about).
//
// Design (after pg-protocol's parser): one buffer plus start/end offsets; a chunk arriving with nothing
// pending is adopted without a copy; a partial frame is carried into a buffer sized on what is
// pending, never concatenated per chunk. No exception crosses `push`/`end`: bad input becomes a `raw`
// frame or a frame with issues, and framing resynchronises at the next line that looks like a command.
// Frames are views: their bytes and line text are only materialised when someone reads them.
//
// Frame boundaries depend only on the bytes, never on how they were chunked: every byte pushed comes
// out in exactly one frame, and the same stream split anywhere yields the same frames.
//
// Garbage (a line that is not a command) goes out as a raw frame the moment its line ends. The garbage
// lines right after it are gathered into raw frames of up to maxLine bytes, so a flood of junk (say
// 1 MiB of bare LFs) makes a few dozen frames, not a million. A gathered frame waits for the first line
// that cannot join it (one that starts like a command, or one too long to fit), or for the end of the
// stream.

export interface FramerLimits {
  /** Longest command line accepted, CRLF included (default 16 KiB). */
  maxLine: number;
  /** Largest payload accepted (default 1 MiB). */
  maxPayload: number;
}

export const DEFAULT_LIMITS: FramerLimits = { maxLine: 16 * 1024, maxPayload: 1024 * 1024 };

/**
 * Decides whether a command line ending in a decimal number announces a payload of that many bytes.
 * `command` is the first token (3 letters or 3 digits); `tokenCount()` counts the tokens after it
 * (computed only when asked: error replies need it, commands do not). Lines not ending in a number
 * never carry a payload, so the rule is not asked about them.
 */
export type PayloadRule = (command: string, tokenCount: () => number) => boolean;

/** One frame: a view into the bytes the framer was given (they are never overwritten). */
export class Frame {
  /** `command`: a command line (+ payload); `raw`: bytes that could not be framed. */
  readonly kind: 'command' | 'raw';
  /** Offset of the frame's first byte in this direction's stream. */
  readonly offset: number;
  /** Number of bytes in the frame. */
  readonly size: number;
  /** Length announced on the line, when it announces a payload. */
  readonly payloadLength: number | null;
  readonly issues: string[];
  readonly #source: Buffer;
  readonly #start: number;
  /** Bytes of the command line including its line end, and of its text alone (0 for raw frames). */
  readonly #lineLength: number;
  readonly #textLength: number;
  #bytes: Buffer | null = null;
  #line: string | null = null;

  constructor(
    kind: 'command' | 'raw', offset: number, source: Buffer, start: number, size: number,
    lineLength: number, textLength: number, payloadLength: number | null, issues: string[],
  ) {
    this.kind = kind;
    this.offset = offset;
    this.size = size;
    this.payloadLength = payloadLength;
    this.issues = issues;
    this.#source = source;
    this.#start = start;
    this.#lineLength = lineLength;
    this.#textLength = textLength;
  }

  /** The command (3 letters or 3 digits) of a command frame, without materialising the line. */
  get command(): string | null {
    return this.kind === 'raw' ? null : commandName(this.#source, this.#start);
  }

  /** The exact bytes of the frame. */
  get bytes(): Buffer {
    return (this.#bytes ??= this.#source.subarray(this.#start, this.#start + this.size));
  }

  /** The command line without its line end (command frames only). */
  get line(): string | null {
    if (this.kind === 'raw') return null;
    return (this.#line ??= this.#source.toString('latin1', this.#start, this.#start + this.#textLength));
  }

  /** Payload bytes actually framed (shorter than announced only when the stream ended). */
  get payload(): Buffer | null {
    if (this.payloadLength === null || this.issues.some((i) => i.startsWith('oversize'))) return null;
    return this.bytes.subarray(this.#lineLength);
  }
}

const NO_ISSUES: string[] = Object.freeze([]) as unknown as string[];
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
/** Longest payload length token read (10 digits: beyond any cap). */
const MAX_LENGTH_DIGITS = 10;

type Mode =
  | { kind: 'line' }
  /** Inside an over-long line: everything up to its LF goes out as raw frames of at most maxLine. */
  | { kind: 'overlong' }
  /** After a garbage line: `held` bytes of further garbage lines (`lines` of them) wait at the buffer's start. */
  | GarbageMode
  /** Waiting for `need` payload bytes after a line at the buffer's start. */
  | { kind: 'payload'; lineLength: number; textLength: number; need: number; issues: string[] };

interface GarbageMode {
  kind: 'garbage';
  held: number;
  lines: number;
}

const LINE: Mode = { kind: 'line' };
const OVERLONG: Mode = { kind: 'overlong' };

export class Framer {
  readonly #limits: FramerLimits;
  readonly #announces: PayloadRule;
  readonly #emit: (frame: Frame) => void;

  #buf: Buffer = Buffer.alloc(0);
  #start = 0; // first unconsumed byte
  #end = 0; // one past the last buffered byte
  #scanned = 0; // bytes after #start already searched for LF without success
  #offset = 0; // stream offset of #start
  #mode: Mode = LINE;

  constructor(announces: PayloadRule, emit: (frame: Frame) => void, limits: Partial<FramerLimits> = {}) {
    this.#announces = announces;
    this.#emit = emit;
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Bytes buffered but not yet emitted in a frame. */
  get pending(): number {
    return this.#end - this.#start;
  }

  /** The bytes of a command line still waiting for its line end, or null (none, or inside a payload). */
  partialLine(): Buffer | null {
    const mode = this.#mode;
    const from = this.#start + (mode.kind === 'garbage' ? mode.held : 0);
    if ((mode.kind !== 'line' && mode.kind !== 'garbage') || this.#end === from) return null;
    return this.#buf.subarray(from, this.#end);
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#append(chunk);
    this.#drain();
  }

  /** The stream ended: whatever is buffered goes out, flagged as cut short. */
  end(): void {
    const mode = this.#mode;
    if (mode.kind === 'garbage' && mode.held > 0) this.#emitGathered(mode);
    const left = this.#end - this.#start;
    if (left === 0) {
      this.#mode = LINE;
      this.#release();
      return;
    }
    if (mode.kind === 'payload') {
      const got = left - mode.lineLength;
      const issues = [...mode.issues, `truncated: stream ended after ${got} of ${mode.need} payload bytes`];
      this.#emitFrame('command', left, mode.lineLength, mode.textLength, mode.need, issues);
    } else {
      this.#emitRaw(left, mode.kind === 'overlong'
        ? 'overlong: end of an over-long line (stream ended before its line end)'
        : 'truncated: stream ended inside a line (no CRLF)');
    }
    this.#mode = LINE;
    this.#release();
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
    const lineLimit = this.#limits.maxLine;
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
        this.#emitFrame('command', total, mode.lineLength, mode.textLength, mode.need, mode.issues);
        this.#mode = LINE;
        continue;
      }
      if (mode.kind === 'garbage') {
        if (!this.#gather(mode)) return;
        continue;
      }
      const lf = this.#findLf();
      const length = lf < 0 ? avail : lf - this.#start + 1;
      if (lf < 0 && avail < lineLimit) return; // wait for the rest of the line
      if (length > lineLimit || lf < 0) {
        this.#emitRaw(lineLimit, mode.kind === 'overlong'
          ? 'overlong: continuation of an over-long line'
          : `overlong: no line end within ${lineLimit} bytes`);
        this.#mode = OVERLONG;
        continue;
      }
      if (mode.kind === 'overlong') {
        this.#emitRaw(length, 'overlong: end of an over-long line');
        this.#mode = LINE;
        continue;
      }
      this.#onLine(length);
    }
  }

  #findLf(from = this.#start): number {
    const lf = this.#buf.indexOf(LF, Math.max(from, this.#start + this.#scanned));
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
    const textLength = length - (crlf ? 2 : 1);
    if (!looksLikeCommand(buf, s, s + textLength)) {
      this.#emitRaw(length, 'garbage: not an MSNP command line');
      this.#mode = { kind: 'garbage', held: 0, lines: 0 };
      return;
    }
    const issues = crlf ? NO_ISSUES : ['line end: LF without CR'];
    const need = this.#announced(buf, s, s + textLength);
    if (need < 0) {
      this.#emitFrame('command', length, length, textLength, null, issues);
    } else if (need > this.#limits.maxPayload) {
      const oversize = `oversize: announced payload of ${need} bytes exceeds the ${this.#limits.maxPayload}-byte cap; not framed as payload`;
      this.#emitFrame('command', length, length, textLength, need, [...issues, oversize]);
    } else {
      this.#mode = { kind: 'payload', lineLength: length, textLength, need, issues };
    }
  }

  /**
   * Adds the next line to the gathered garbage, or emits what is gathered when the line cannot join
   * (then, with nothing gathered, hands the line to line mode). False: wait for more bytes.
   */
  #gather(mode: GarbageMode): boolean {
    const limit = this.#limits.maxLine;
    const from = this.#start + mode.held;
    const lf = this.#findLf(from);
    if (lf < 0) {
      // Wait while the line may still end in time to fit, unless it already shows a command's start
      // (deciding on the first 4 bytes keeps the decision where redaction leaves bytes unchanged).
      const partial = this.#end - from;
      const command = partial >= 4 && looksLikeCommand(this.#buf, from, from + 4);
      if (!command && partial < limit - mode.held) return false;
    } else {
      const length = lf - from + 1;
      const crlf = length >= 2 && this.#buf[lf - 1] === CR;
      if (mode.held + length <= limit && !looksLikeCommand(this.#buf, from, lf + 1 - (crlf ? 2 : 1))) {
        mode.held += length;
        mode.lines++;
        return true;
      }
    }
    if (mode.held > 0) this.#emitGathered(mode);
    else this.#mode = LINE;
    return true;
  }

  #emitGathered(mode: GarbageMode): void {
    const issue = mode.lines === 1 ? 'garbage: not an MSNP command line' : `garbage: ${mode.lines} lines that are not MSNP command lines`;
    this.#emitRaw(mode.held, issue);
    mode.held = 0;
    mode.lines = 0;
  }

  /** The payload length the line at [s, end) announces, or -1. Reads only its last token. */
  #announced(buf: Buffer, s: number, end: number): number {
    let i = end;
    while (i > s + 3 && end - i <= MAX_LENGTH_DIGITS && isDigit(buf[i - 1] as number)) i--;
    if (i === end || buf[i - 1] !== SPACE || !isDigit(buf[i] as number) || end - i > MAX_LENGTH_DIGITS) return -1;
    if (!this.#announces(commandName(buf, s), () => countTokens(buf, s + 3, end))) return -1;
    let n = 0;
    for (let j = i; j < end; j++) n = n * 10 + ((buf[j] as number) - 0x30);
    return n;
  }

  #emitFrame(kind: 'command' | 'raw', size: number, lineLength: number, textLength: number, payloadLength: number | null, issues: string[]): void {
    const frame = new Frame(kind, this.#offset, this.#buf, this.#start, size, lineLength, textLength, payloadLength, issues);
    this.#start += size;
    this.#offset += size;
    this.#scanned = Math.max(0, this.#scanned - size);
    this.#emit(frame);
  }

  #emitRaw(size: number, issue: string): void {
    this.#emitFrame('raw', size, 0, 0, null, [issue]);
  }

  /** Everything consumed: drop the buffer so the next chunk can be adopted without a copy. */
  #release(): void {
    if (this.#end !== this.#start) return;
    this.#buf = Buffer.alloc(0);
    this.#start = this.#end = this.#scanned = 0;
  }
}

/**
 * A command line starts with three upper-case letters or three digits, followed by a space or the
 * line end (payload bodies and binary garbage fail this). Only the first four bytes are read, to keep
 * framing close to the speed of a bare line scan; control bytes further on are the decoder's to flag.
 */
function looksLikeCommand(buf: Buffer, start: number, end: number): boolean {
  if (end - start < 3) return false;
  const a = buf[start] as number, b = buf[start + 1] as number, c = buf[start + 2] as number;
  if (!(isUpper(a) && isUpper(b) && isUpper(c)) && !(isDigit(a) && isDigit(b) && isDigit(c))) return false;
  return end - start === 3 || buf[start + 3] === SPACE;
}

/** Tokens in [start, end), runs of spaces counting as one separator. */
function countTokens(buf: Buffer, start: number, end: number): number {
  let tokens = 0;
  let inToken = false;
  for (let i = start; i < end; i++) {
    const space = buf[i] === SPACE;
    if (!space && !inToken) tokens++;
    inToken = !space;
  }
  return tokens;
}

/** Command names repeat endlessly: build each 3-byte name's string once. */
const names = new Map<number, string>();
function commandName(buf: Buffer, start: number): string {
  const key = ((buf[start] as number) << 16) | ((buf[start + 1] as number) << 8) | (buf[start + 2] as number);
  let name = names.get(key);
  if (name === undefined) {
    name = buf.toString('latin1', start, start + 3);
    names.set(key, name);
  }
  return name;
}

const isUpper = (x: number) => x >= 0x41 && x <= 0x5a;
const isDigit = (x: number) => x >= 0x30 && x <= 0x39;
