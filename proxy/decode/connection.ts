// Decodes one connection (both directions): frames each direction, tracks the negotiated version and the
// connection's role, pairs requests and replies by TrID, verifies challenges and names every parameter.
import { commandSpec } from '../../shared/msnp/commands.js';
import type { DecodedFrame } from '../../shared/msnp/decoded.js';
import { errorInfo } from '../../shared/msnp/errors.js';
import { isErrorCode, payloadRule } from '../../shared/msnp/framing.js';
import { matchLayout } from '../../shared/msnp/layout.js';
import type { ConnectionKind, Direction, Field, ServerKind } from '../../shared/msnp/types.js';
import { ANY_VERSION, formatVersion, inRange, parseVersion } from '../../shared/msnp/versions.js';
import { verifyChallenge } from './challenge.js';
import { type Frame, Framer, type FramerLimits } from './framer.js';
import { renderPayload } from './payloads/registry.js';
import { summarize } from './summary.js';

/**
 * What the connections of one capture share: switchboard cookies handed out by `XFR SB` / `RNG` on a
 * notification connection, so that the switchboard connection they lead to inherits its version.
 */
export class SessionContext {
  /** A long-running proxy sees endless cookies: keep only the most recent ones. */
  static readonly MAX_COOKIES = 10_000;
  readonly #cookies = new Map<string, { version: number; conn: string }>();

  referral(cookie: string, version: number, conn: string): void {
    this.#cookies.delete(cookie);
    this.#cookies.set(cookie, { version, conn });
    if (this.#cookies.size > SessionContext.MAX_COOKIES) {
      const oldest = this.#cookies.keys().next().value;
      if (oldest !== undefined) this.#cookies.delete(oldest);
    }
  }

  lookup(cookie: string): { version: number; conn: string } | undefined {
    return this.#cookies.get(cookie);
  }
}

export interface DecoderOptions {
  limits?: Partial<FramerLimits>;
  /** Attach the payload view to each frame (costly; off for live capture). */
  views?: boolean;
  /** A frame already emitted got an issue since: a request given up as unanswered. */
  amended?: (frame: DecodedFrame) => void;
}

/** Open requests kept per connection; past this the oldest is given up as unanswered. */
const MAX_OPEN_REQUESTS = 4096;
const RECENTLY_ANSWERED = 64;

interface PendingRequest {
  frame: DecodedFrame;
  t: number;
}

/** Requests that legitimately get no reply (MSG U/N only hears back on failure, pages only on error). */
function expectsReply(frame: DecodedFrame): boolean {
  if (frame.command === 'MSG') return frame.params[0] === 'A' || frame.params[0] === 'D';
  return !['PAG', 'PGD', 'OUT', 'UUM', 'SDG'].includes(frame.command);
}

export class ConnectionDecoder {
  readonly conn: string;
  #version = ANY_VERSION;
  #kind: ConnectionKind = 'unknown';
  /** Where the version came from: negotiated here, or inherited through a switchboard cookie. */
  #versionSource: string | null = null;
  #index = 0;
  #challenge: string | null = null;
  /** Requests waiting for their reply, by TrID, oldest first. */
  readonly #pending = new Map<number, PendingRequest>();
  /** Requests answered lately, for the further replies of a batch. */
  readonly #answered = new Map<number, PendingRequest>();
  readonly #framers: Record<Direction, Framer>;
  readonly #session: SessionContext;
  readonly #emit: (frame: DecodedFrame, raw: Frame) => void;
  readonly #views: boolean;
  readonly #amended: (frame: DecodedFrame) => void;
  #t = 0; // time of the chunk being framed

  constructor(conn: string, session: SessionContext, emit: (frame: DecodedFrame, raw: Frame) => void, options: DecoderOptions = {}) {
    this.conn = conn;
    this.#session = session;
    this.#emit = emit;
    this.#views = options.views ?? false;
    this.#amended = options.amended ?? (() => {});
    const framer = (dir: Direction) => new Framer(
      payloadRule(dir, () => this.#version),
      (frame) => this.#onFrame(dir, frame),
      options.limits,
    );
    this.#framers = { c2s: framer('c2s'), s2c: framer('s2c') };
  }

  get version(): number { return this.#version; }
  get kind(): ConnectionKind { return this.#kind; }
  get versionSource(): string | null { return this.#versionSource; }

  push(dir: Direction, bytes: Uint8Array, tMs: number): void {
    this.#t = tMs;
    this.#framers[dir].push(bytes);
  }

  /** Both directions ended: flush partial frames and flag requests that never got a reply. */
  end(tMs = this.#t): void {
    this.#t = tMs;
    this.#framers.c2s.end();
    this.#framers.s2c.end();
    for (const { frame } of this.#pending.values()) this.#amend(frame, `unanswered: no reply to TrID ${frame.trId}`);
    this.#pending.clear();
    this.#answered.clear();
  }

  #amend(frame: DecodedFrame, issue: string): void {
    frame.issues.push(issue);
    this.#amended(frame);
  }

  #onFrame(dir: Direction, frame: Frame): void {
    const decoded = frame.kind === 'raw' || frame.line === null
      ? this.#raw(dir, frame)
      : this.#command(dir, frame, frame.line);
    this.#emit(decoded, frame);
  }

  #base(dir: Direction, frame: Frame): DecodedFrame {
    return {
      conn: this.conn, dir, index: this.#index++, command: '', trId: null, params: [],
      payloadLength: frame.payloadLength, version: formatVersion(this.#version), fields: [],
      issues: [...frame.issues], t_ms: this.#t, offset: frame.offset, size: frame.size,
      kind: 'raw', title: '', summary: '',
    };
  }

  #raw(dir: Direction, frame: Frame): DecodedFrame {
    const out = this.#base(dir, frame);
    out.title = 'Unframed bytes';
    const preview = frame.bytes.toString('latin1', 0, Math.min(frame.size, 48)).replace(/\r?\n$/, '');
    out.summary = `${frame.size} bytes that are not an MSNP frame: ${preview}${frame.size > 48 ? '…' : ''}`;
    return out;
  }

  #command(dir: Direction, frame: Frame, line: string): DecodedFrame {
    const out = this.#base(dir, frame);
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f]/.test(line)) out.issues.push('syntax: control bytes in the command line');
    let tokens = line.split(' ');
    if (tokens.includes('')) {
      out.issues.push('syntax: empty parameter (repeated or trailing space)');
      tokens = tokens.filter((t) => t !== '');
    }
    const command = tokens.shift() as string;
    out.command = command;
    out.kind = 'command';

    if (this.#kind === 'unknown' && dir === 'c2s') this.#classify(command, tokens);
    if (isErrorCode(command)) this.#error(out, tokens);
    else this.#named(out, dir, command, tokens);

    this.#learn(out, dir);
    this.#pair(out, dir);
    if (frame.payload && out.command === 'QRY' && dir === 'c2s') this.#verify(out, frame.payload);
    if (frame.payload && this.#views) {
      out.view = renderPayload(frame.payload, { command, dir, version: this.#version, params: out.params });
    }
    out.version = formatVersion(this.#version);
    out.summary = summarize(out);
    return out;
  }

  #error(out: DecodedFrame, tokens: string[]): void {
    out.kind = 'error';
    const code = Number(out.command);
    const info = errorInfo(code);
    out.title = info ? `Error ${code} ${info.name}: ${info.description}` : `Error ${code} (unknown code)`;
    if (!info) out.issues.push(`unknown error code ${code}`);
    this.#unnamed(out, tokens);
    const last = out.fields.at(-1);
    if (last && out.payloadLength !== null) out.fields[out.fields.length - 1] = { name: 'length', value: last.value, since: null };
  }

  #named(out: DecodedFrame, dir: Direction, command: string, tokens: string[]): void {
    const spec = commandSpec(command);
    if (!spec) {
      out.title = 'Unknown command';
      out.issues.push(`unknown command ${command}`);
      this.#unnamed(out, tokens);
      return;
    }
    out.title = spec.title;
    if (this.#version !== ANY_VERSION && !inRange(this.#version, spec.from, spec.to)) {
      out.issues.push(`version: ${command} is not defined in ${formatVersion(this.#version)} (MSNP${spec.from}–MSNP${spec.to})`);
    }
    const match = matchLayout(spec, dir, this.#version, tokens, this.#server());
    if (!match) {
      const where = this.#version === ANY_VERSION ? 'any version' : formatVersion(this.#version);
      out.issues.push(`layout: parameters of ${command} (${dir}) match no known layout for ${where}`);
      this.#unnamed(out, tokens);
      return;
    }
    out.trId = match.trId;
    out.params = match.trId === null ? tokens : tokens.slice(1);
    out.fields = match.fields;
    out.issues.push(...match.issues);
  }

  /** Unknown shape: a leading integer is taken as the TrID, the rest stay unnamed. */
  #unnamed(out: DecodedFrame, tokens: string[]): void {
    if (tokens[0] !== undefined && /^\d+$/.test(tokens[0])) out.trId = Number(tokens.shift());
    out.params = tokens;
    out.fields = tokens.map((value, i) => ({ name: `param${i + 1}`, value, since: null, unknown: true }));
  }

  #server(): ServerKind | undefined {
    switch (this.#kind) {
      case 'sb': return 'SB';
      case 'ns': return 'NS';
      case 'dispatch': return 'DS';
      default: return undefined;
    }
  }

  /** Learns version, role and referrals from the frame. */
  #learn(out: DecodedFrame, dir: Direction): void {
    const p = out.params;
    switch (out.command) {
      case 'VER':
        if (dir === 's2c' && p[0] !== undefined) {
          const v = parseVersion(p[0]);
          if (v !== null) {
            this.#version = v;
            this.#versionSource = 'negotiated';
          } else if (p[0] === '0') out.issues.push('version: server accepted none of the offered dialects');
        }
        if (this.#kind === 'unknown') this.#kind = 'ns';
        break;
      case 'XFR':
        if (dir === 's2c' && p[0] === 'NS') this.#kind = 'dispatch';
        if (dir === 's2c' && p[0] === 'SB' && p[3] !== undefined) this.#session.referral(p[3], this.#version, this.conn);
        break;
      case 'RNG':
        // RNG session-id addr:port CKI cookie …
        if (dir === 's2c' && p[3] !== undefined) this.#session.referral(p[3], this.#version, this.conn);
        break;
      case 'CHL':
        if (dir === 's2c') this.#challenge = p[0] ?? null;
        break;
    }
  }

  /**
   * A connection whose client opens with `USR trid handle cookie` or `ANS trid handle cookie session`
   * is a switchboard; it inherits the version of the notification connection that handed out the cookie.
   */
  #classify(command: string, tokens: readonly string[]): void {
    const sb = (command === 'USR' && tokens.length === 3 && tokens[1]?.includes('@'))
      || (command === 'ANS' && tokens.length === 4);
    if (!sb) return;
    this.#kind = 'sb';
    const referral = this.#session.lookup(tokens[2] as string);
    if (referral && referral.version !== ANY_VERSION) {
      this.#version = referral.version;
      this.#versionSource = `inherited from ${referral.conn}`;
    }
  }

  /**
   * Links replies to requests by TrID. Answered requests move to a short list of recent ones (a
   * request may have several replies, e.g. a SYN batch before MSNP8), so a connection that lives for
   * millions of requests holds only what is still open, and at most MAX_OPEN_REQUESTS of that.
   */
  #pair(out: DecodedFrame, dir: Direction): void {
    if (out.trId === null) return;
    if (dir === 'c2s') {
      if (!expectsReply(out)) return;
      this.#pending.delete(out.trId); // a reused TrID: the newest request is the one answered
      this.#pending.set(out.trId, { frame: out, t: this.#t });
      if (this.#pending.size > MAX_OPEN_REQUESTS) {
        const [oldest] = this.#pending.values();
        if (oldest) {
          this.#amend(oldest.frame, `unanswered: no reply to TrID ${oldest.frame.trId} within the next ${MAX_OPEN_REQUESTS} requests`);
          this.#pending.delete(oldest.frame.trId as number);
        }
      }
      return;
    }
    if (out.trId === 0) return;
    const request = this.#pending.get(out.trId) ?? this.#answered.get(out.trId);
    if (!request) return;
    const link = { index: request.frame.index, latencyMs: round(this.#t - request.t) };
    out.replyTo = link;
    if (request.frame.reply) return;
    request.frame.reply = { index: out.index, latencyMs: link.latencyMs };
    this.#pending.delete(out.trId);
    this.#answered.set(out.trId, request);
    if (this.#answered.size > RECENTLY_ANSWERED) this.#answered.delete(this.#answered.keys().next().value as number);
  }


  #verify(out: DecodedFrame, payload: Buffer): void {
    const productId = out.params[0];
    if (productId === undefined) return;
    if (this.#challenge === null) {
      out.issues.push('challenge: QRY without a preceding CHL on this connection');
      return;
    }
    const response = payload.toString('latin1');
    const result = verifyChallenge({ challenge: this.#challenge, productId, response, version: this.#version });
    out.challenge = { ...result, challenge: this.#challenge, productId };
    if (result.verdict === 'invalid') out.issues.push('challenge: response does not match the challenge');
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
