// Keeps the proxy in the middle: rewrites the server addresses in the server's referrals
// (`XFR … NS host:port …`, `XFR … SB host:port CKI cookie …`, `RNG session host:port CKI cookie …`)
// to addresses of the proxy's own, and changes nothing else.
//
// It frames the server's stream with the real framer (so a payload that happens to contain "XFR" is
// never touched) and forwards each read at once, except a partial line that may still turn out to be
// a referral: those bytes are held back until the line is complete, then forwarded rewritten.
import { payloadRule } from '../../shared/msnp/framing.js';
import { ANY_VERSION, parseVersion } from '../../shared/msnp/versions.js';
import { type Frame, Framer } from '../decode/framer.js';

export interface Referral {
  /** Where the client is sent: a notification server or a switchboard. */
  kind: 'NS' | 'SB';
  command: 'XFR' | 'RNG';
  /** The real "host:port" the server named. */
  target: string;
  /** Switchboard authentication cookie (XFR SB, RNG). */
  cookie?: string;
}

/**
 * Returns the "host:port" of ours to put in the referral's place, or null to leave it unchanged; a
 * promise when our listener for that server is still being opened.
 */
export type Redirect = (referral: Referral) => string | null | Promise<string | null>;

export interface Rewrite {
  /** Offset of the frame in the server's stream. */
  offset: number;
  original: Buffer;
  rewritten: Buffer;
  referral: Referral;
}

/** A referral line seen, waiting to be forwarded rewritten. */
interface PendingRewrite {
  offset: number;
  original: Buffer;
  line: string[];
  eol: Buffer;
  addressToken: number;
  referral: Referral;
  ours: string | null | Promise<string | null>;
}

const HOST_PORT = /^[^\s:]+:\d{1,5}$/;
/**
 * Largest payload framed as a payload here, far above the decoder's 1 MiB display cap: past a cap the
 * framer reads the payload as lines, and a line in it that looked like a referral would be rewritten,
 * changing the payload under its announced length. A payload is kept in memory until it is complete.
 */
const MAX_PAYLOAD = 64 * 1024 * 1024;
const CANDIDATES = ['XFR ', 'RNG '];

/** Could a partial line still become a referral line? */
function mayBeReferral(partial: Buffer): boolean {
  const head = partial.toString('latin1', 0, Math.min(4, partial.length));
  return CANDIDATES.some((c) => c.startsWith(head) || head.startsWith(c));
}

/** The referral a line makes, and the index of its address token, if it makes one. */
export function parseReferral(line: string): { referral: Referral; addressToken: number } | null {
  const t = line.split(' ');
  if (t[0] === 'XFR' && (t[2] === 'NS' || t[2] === 'SB') && HOST_PORT.test(t[3] ?? '')) {
    const kind = t[2];
    const cookie = kind === 'SB' && t[4] === 'CKI' ? t[5] : undefined;
    return { referral: { kind, command: 'XFR', target: t[3] as string, ...(cookie ? { cookie } : {}) }, addressToken: 3 };
  }
  if (t[0] === 'RNG' && HOST_PORT.test(t[2] ?? '') && t[3] === 'CKI' && t[4] !== undefined) {
    return { referral: { kind: 'SB', command: 'RNG', target: t[2] as string, cookie: t[4] }, addressToken: 2 };
  }
  return null;
}

export class AddressRewriter {
  readonly #redirect: Redirect;
  readonly #onRewrite: (rewrite: Rewrite) => void;
  readonly #framer: Framer;
  #version: number;
  /** Bytes received but not forwarded yet (a partial line that may be a referral). */
  #held: Buffer = Buffer.alloc(0);
  /** Stream offset of the first held byte. */
  #heldOffset = 0;
  #pendingRewrites: PendingRewrite[] = [];

  constructor(redirect: Redirect, onRewrite: (rewrite: Rewrite) => void = () => {}, version = ANY_VERSION) {
    this.#redirect = redirect;
    this.#onRewrite = onRewrite;
    this.#version = version;
    this.#framer = new Framer(
      payloadRule('s2c', () => this.#version),
      (frame) => this.#onFrame(frame),
      { maxPayload: MAX_PAYLOAD },
    );
  }

  /**
   * Takes one read from the server; returns what to forward to the client now (a promise only while
   * a listener of ours for a new server is being opened).
   */
  push(chunk: Buffer): Buffer | Promise<Buffer> {
    this.#framer.push(chunk);
    const window = this.#held.length === 0 ? chunk : Buffer.concat([this.#held, chunk]);
    const partial = this.#framer.partialLine();
    const hold = partial !== null && mayBeReferral(partial) ? partial.length : 0;
    return this.#release(window, window.length - hold);
  }

  /** The server closed: forward whatever is held (rewritten if it completed a referral). */
  end(): Buffer | Promise<Buffer> {
    this.#framer.end();
    return this.#release(this.#held, this.#held.length);
  }

  /** Forwards window[0, upTo) with rewrites applied; keeps the rest held. */
  #release(window: Buffer, upTo: number): Buffer | Promise<Buffer> {
    const pending = this.#pendingRewrites;
    this.#pendingRewrites = [];
    const start = this.#heldOffset;
    this.#held = Buffer.from(window.subarray(upTo));
    this.#heldOffset = start + upTo;
    if (pending.length === 0) return upTo === window.length ? window : window.subarray(0, upTo);
    if (pending.some((p) => p.ours instanceof Promise)) {
      return Promise.all(pending.map((p) => p.ours)).then((ours) => this.#splice(window, upTo, start, pending, ours));
    }
    return this.#splice(window, upTo, start, pending, pending.map((p) => p.ours as string | null));
  }

  #splice(window: Buffer, upTo: number, start: number, pending: PendingRewrite[], ours: Array<string | null>): Buffer {
    const parts: Buffer[] = [];
    let at = 0;
    pending.forEach((p, i) => {
      const address = ours[i];
      if (address === null || address === undefined) return;
      const tokens = [...p.line];
      tokens[p.addressToken] = address;
      const rewritten = Buffer.concat([Buffer.from(tokens.join(' '), 'latin1'), p.eol]);
      const rel = p.offset - start;
      parts.push(window.subarray(at, rel), rewritten);
      at = rel + p.original.length;
      this.#onRewrite({ offset: p.offset, original: p.original, rewritten, referral: p.referral });
    });
    parts.push(window.subarray(at, upTo));
    return Buffer.concat(parts);
  }

  #onFrame(frame: Frame): void {
    const command = frame.command;
    if (command !== 'VER' && command !== 'XFR' && command !== 'RNG') return;
    if (frame.line === null) return;
    if (command === 'VER') {
      const v = parseVersion(frame.line.split(' ')[2] ?? '');
      if (v !== null) this.#version = v;
      return;
    }
    const found = parseReferral(frame.line);
    if (!found) return;
    // The frame's bytes are a view into the framer's buffer: keep copies of our own.
    this.#pendingRewrites.push({
      offset: frame.offset, original: Buffer.from(frame.bytes), line: frame.line.split(' '),
      eol: Buffer.from(frame.bytes.subarray(frame.line.length)), addressToken: found.addressToken,
      referral: found.referral, ours: this.#redirect(found.referral),
    });
  }
}
