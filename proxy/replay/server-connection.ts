// Plays the server side of one recorded connection to one live client: each client command is matched
// against the next recorded one (command and shape), then the recorded server frames up to the next
// recorded client command are sent — replies with the client's TrID, referrals pointing at the replay
// server's own listeners, unsolicited frames in their recorded place.
import type net from 'node:net';
import type { DecodedFrame } from '../../shared/msnp/decoded.js';
import { ConnectionDecoder, type SessionContext } from '../decode/connection.js';
import type { ScriptConnection, ScriptFrame } from '../fixture/load.js';
import { parseReferral } from '../relay/rewriter.js';
import { referralKey } from './referral-map.js';
import { lineText, withTokens } from './rewrite.js';
import { shapeDifference } from './shape.js';

/** How long a connection the recorded server closed may stay half-open before it is dropped. */
const CLOSE_GRACE_MS = 2000;

export interface Divergence {
  /** Recorded connection label. */
  conn: string;
  /** Index of the recorded frame the client should have sent, when there was one. */
  index: number | null;
  expected: string | null;
  /** What the client sent instead; null when it closed or never came. */
  got: string | null;
  reason: string;
}

export interface ReceivedFrame {
  conn: string;
  /** Position among the client's frames on this connection. */
  index: number;
  command: string;
  trId: number | null;
  params: string[];
  line: string | null;
  bytes: Buffer;
}

export interface PlayerContext {
  /** Our address for the connection a recorded referral led to, or null to leave it as recorded. */
  addressFor(referralKey: string): string | null;
  session: SessionContext;
  received(frame: ReceivedFrame): void;
  diverged(divergence: Divergence): void;
  finished(player: ServerConnectionPlayer): void;
}

export class ServerConnectionPlayer {
  readonly script: ScriptConnection;
  readonly #socket: net.Socket;
  readonly #ctx: PlayerContext;
  readonly #decoder: ConnectionDecoder;
  readonly #trIds = new Map<number, number>();
  #pos = 0;
  #clientFrames = 0;
  #stopped = false;
  #done = false;

  constructor(script: ScriptConnection, socket: net.Socket, ctx: PlayerContext) {
    this.script = script;
    this.#socket = socket;
    this.#ctx = ctx;
    this.#decoder = new ConnectionDecoder(script.label, ctx.session, (frame, raw) => {
      if (frame.dir === 'c2s') this.#onClientFrame(frame, raw.line, Buffer.from(raw.bytes));
    });
    socket.on('data', (data: Buffer) => this.#decoder.push('c2s', data, Date.now()));
    socket.on('end', () => this.#onClientEnd());
    socket.on('error', () => this.#onClientEnd());
    socket.on('close', () => this.#finish());
  }

  start(): void {
    this.#sendServerTurn();
  }

  #send(frame: ScriptFrame): void {
    const replace = new Map<number, string>();
    if (frame.trId !== null && frame.trId !== 0) {
      const live = this.#trIds.get(frame.trId);
      if (live !== undefined) replace.set(1, String(live));
    }
    if (frame.line !== null) {
      const found = parseReferral(frame.line);
      const ours = found ? this.#ctx.addressFor(referralKey(frame)) : null;
      if (found && ours !== null) replace.set(found.addressToken, ours);
    }
    const bytes = withTokens(frame, replace);
    // Our own frames go through the decoder too, so it tracks the version (payload rules, SB cookies).
    this.#decoder.push('s2c', bytes, Date.now());
    if (!this.#socket.destroyed) this.#socket.write(bytes);
  }

  /** Sends the recorded server frames up to the next recorded client frame; ends if the server did. */
  #sendServerTurn(): void {
    const frames = this.script.frames;
    while (this.#pos < frames.length && frames[this.#pos]!.dir === 's2c') this.#send(frames[this.#pos++]!);
    if (this.#pos >= frames.length && this.script.closedBy === 'server') {
      this.#socket.end();
      // A client that never closes its side must not keep the recording from finishing.
      setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS).unref();
    }
  }

  #onClientFrame(got: DecodedFrame, line: string | null, bytes: Buffer): void {
    this.#ctx.received({
      conn: this.script.label, index: this.#clientFrames++, command: got.command, trId: got.trId, params: got.params, line, bytes,
    });
    if (this.#stopped) return;
    const expected = this.script.frames[this.#pos];
    const gotText = line ?? `<${bytes.length} raw bytes>`;
    if (!expected) return this.#diverge(null, null, gotText, 'the client sent more than was recorded');
    const why = shapeDifference(expected, got);
    if (why !== null) return this.#diverge(expected.index, lineText(expected), gotText, why);
    if (expected.trId !== null && got.trId !== null) this.#trIds.set(expected.trId, got.trId);
    this.#pos++;
    this.#sendServerTurn();
  }

  #onClientEnd(): void {
    if (this.#stopped) return;
    const next = this.script.frames.slice(this.#pos).find((f) => f.dir === 'c2s');
    if (next) this.#diverge(next.index, lineText(next), null, 'the client closed the connection early');
    if (!this.#socket.destroyed) this.#socket.end();
  }

  /** Reports the first difference on this connection and stops playing it. */
  #diverge(index: number | null, expected: string | null, got: string | null, reason: string): void {
    this.#stopped = true;
    this.#ctx.diverged({ conn: this.script.label, index, expected, got, reason });
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#decoder.end();
    this.#ctx.finished(this);
  }

  close(): void {
    this.#socket.destroy();
  }
}
