// The capture side tap of one relayed connection: stores every read, frames and decodes it, and stores
// every frame with the bytes the proxy forwarded instead when it rewrote one. Runs after forwarding;
// a decoder failure is logged and the reads are still stored, so nothing captured is lost.
import type { DecodedFrame } from '../../shared/msnp/decoded.js';
import type { ConnectionKind, Direction } from '../../shared/msnp/types.js';
import { ConnectionDecoder, type SessionContext } from '../decode/connection.js';
import type { Frame } from '../decode/framer.js';
import type { Rewrite } from '../relay/rewriter.js';
import type { ConnectionOpen } from './records.js';
import type { CaptureStore } from './store.js';

export interface CaptureEvents {
  /** The decoder learnt something about the connection (kind, version, signed-in handle). */
  learned?(capture: ConnectionCapture): void;
  frame?(capture: ConnectionCapture, frame: DecodedFrame): void;
  error?(message: string): void;
}

export class ConnectionCapture {
  readonly id: number;
  readonly #store: CaptureStore;
  readonly #decoder: ConnectionDecoder;
  readonly #events: CaptureEvents;
  readonly #offsets: Record<Direction, number> = { c2s: 0, s2c: 0 };
  readonly #rewrites = new Map<number, Buffer>();
  #kind: ConnectionKind;
  #version = 0;
  #decoderBroken = false;
  handle: string | null = null;
  /** The account the client signs in as (`USR … I account`, sent to dispatch and notification servers). */
  account: string | null = null;
  label: string;
  /** The session this connection belongs to. */
  readonly sessionId: number;

  constructor(store: CaptureStore, open: ConnectionOpen, session: SessionContext, events: CaptureEvents = {}) {
    this.#store = store;
    this.#events = events;
    this.#kind = open.kind;
    this.label = open.label;
    this.sessionId = open.sessionId;
    this.id = store.openConnection(open);
    this.#decoder = new ConnectionDecoder(open.label, session, (frame, raw) => this.#onFrame(frame, raw), {
      amended: (frame) => this.#store.amendFrame(this.id, frame.index, frame.issues),
    });
  }

  get kind(): ConnectionKind { return this.#kind; }
  get version(): number { return this.#version; }

  chunk(dir: Direction, bytes: Buffer, tsWall: number, tsMono: number): void {
    this.#store.addChunk({ connectionId: this.id, dir, offset: this.#offsets[dir], length: bytes.length, tsWall, tsMono, bytes });
    this.#offsets[dir] += bytes.length;
    this.#decode(() => this.#decoder.push(dir, bytes, tsWall), tsWall, tsMono);
  }

  /** The relay forwarded a server frame rewritten: remember the forwarded bytes for its frame row. */
  rewrite(rewrite: Rewrite): void {
    this.#rewrites.set(rewrite.offset, rewrite.rewritten);
  }

  close(reason: string, tsWall: number, tsMono: number): void {
    this.#decode(() => this.#decoder.end(tsWall), tsWall, tsMono);
    this.#store.closeConnection(this.id, { reason, tsWall, tsMono });
  }

  #tsMono = 0;

  #decode(run: () => void, tsWall: number, tsMono: number): void {
    if (this.#decoderBroken) return;
    this.#tsMono = tsMono;
    try {
      run();
    } catch (error) {
      // The reads are stored already; only the frame view of this connection is lost from here on.
      this.#decoderBroken = true;
      this.#events.error?.(`decoder failed on connection ${this.id} at ${new Date(tsWall).toISOString()}: ${(error as Error).stack ?? error}`);
    }
  }

  #onFrame(frame: DecodedFrame, raw: Frame): void {
    const rewritten = frame.dir === 's2c' ? this.#rewrites.get(raw.offset) : undefined;
    if (rewritten) this.#rewrites.delete(raw.offset);
    this.#store.addFrame({
      connectionId: this.id, dir: frame.dir, index: frame.index, offset: raw.offset,
      tsWall: frame.t_ms, tsMono: this.#tsMono, bytes: raw.bytes, ...(rewritten ? { rewritten } : {}),
      command: frame.command, trId: frame.trId, issues: frame.issues,
      summary: frame.summary, sessionId: this.sessionId, ...(this.#decoder.version ? { version: this.#decoder.version } : {}),
    });
    if (frame.command === 'USR' && frame.dir === 'c2s' && frame.params[1] === 'I' && frame.params[2]) this.account = frame.params[2];
    this.#learn(frame);
    this.#events.frame?.(this, frame);
  }

  #learn(frame: DecodedFrame): void {
    const kind = this.#decoder.kind;
    const version = this.#decoder.version;
    let handle: string | undefined;
    // The signed-in account, from the notification server's USR OK (a switchboard's names the same
    // account, with the endpoint's machine GUID from MSNP16).
    if (frame.command === 'USR' && frame.dir === 's2c' && frame.params[0] === 'OK') handle = frame.params[1]?.split(';')[0];
    if (kind === this.#kind && version === this.#version && (handle === undefined || handle === this.handle)) return;
    this.#kind = kind === 'unknown' ? this.#kind : kind;
    this.#version = version;
    if (handle !== undefined) this.handle = handle;
    this.#store.updateConnection(this.id, {
      kind: this.#kind, ...(version ? { version } : {}), ...(handle !== undefined ? { handle } : {}),
    });
    this.#events.learned?.(this);
  }
}
