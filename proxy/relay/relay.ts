// One client ↔ upstream pair. Bytes are relayed as they come (one read, one write), with backpressure,
// half-close and reset propagated both ways. The capture is a side tap: its hooks run after the bytes
// have been handed to the peer socket, and nothing they do (or throw) reaches the relay.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Direction } from '../../shared/msnp/types.js';
import { type HostPort, formatHostPort } from './address.js';
import { AddressRewriter, type Redirect, type Rewrite } from './rewriter.js';

export interface RelayTap {
  /** A read from one side, exactly as it arrived. */
  chunk(dir: Direction, bytes: Buffer, tsWall: number, tsMono: number): void;
  /** A server frame that was forwarded rewritten. */
  rewrite(rewrite: Rewrite): void;
  /** Both sides are done; `reason` says how it ended. */
  close(reason: string, tsWall: number, tsMono: number): void;
}

export interface RelayOptions {
  upstream: HostPort;
  redirect: Redirect;
  /** Version the server stream is framed with before any VER (switchboards inherit their NS's). */
  version?: number;
  connectTimeoutMs?: number;
  /**
   * When the upstream is called: 'eager' (default) as the client connects, as a direct connection
   * would; 'lazy' once the client first sends something, so a client that never speaks (a port scan,
   * a health check, a half-open connection) costs no upstream connection and one descriptor, not two.
   */
  upstreamConnect?: UpstreamConnect;
  /** Reports a tap that threw (the relay itself carries on). */
  onTapError?: (error: unknown) => void;
}

export type UpstreamConnect = 'eager' | 'lazy';

export class Relay {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  /** Settles once both sides are closed and the tap has been told (its close record is in). */
  readonly done: Promise<void>;
  #resolveDone: () => void = () => {};
  readonly #tap: RelayTap;
  readonly #rewriter: AddressRewriter;
  readonly #onTapError: (error: unknown) => void;
  #reason: string | null = null;
  #closed = 0;
  #connected = false;
  /** The upstream connect has begun (at once when eager, at the client's first bytes when lazy). */
  #started = false;
  readonly #upstreamAt: HostPort;
  readonly #connectTimeoutMs: number;
  #queue: Promise<void> | null = null;
  readonly #target: string;

  constructor(client: net.Socket, options: RelayOptions, tap: RelayTap) {
    this.client = client;
    this.done = new Promise((resolve) => { this.#resolveDone = resolve; });
    this.#tap = tap;
    this.#target = formatHostPort(options.upstream);
    this.#onTapError = options.onTapError ?? (() => {});
    this.#rewriter = new AddressRewriter(options.redirect, (r) => this.#safe(() => tap.rewrite(r)), options.version);

    this.#upstreamAt = options.upstream;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    client.setNoDelay(true);
    // A socket without a handle holds no descriptor until it connects.
    this.upstream = new net.Socket({ allowHalfOpen: true });
    this.upstream.once('connect', () => {
      this.#connected = true;
      this.upstream.setTimeout(0);
      client.resume();
    });
    this.#pipe(client, this.upstream, 'c2s');
    this.#pipe(this.upstream, client, 's2c');
    if (options.upstreamConnect === 'lazy') client.resume(); // the first read calls the upstream
    else this.#connect();
  }

  /** Starts connecting upstream; the client is not read meanwhile (what it sent already waits in the socket). */
  #connect(): void {
    this.#started = true;
    this.client.pause();
    this.upstream.connect({ host: this.#upstreamAt.host, port: this.#upstreamAt.port });
    this.upstream.setNoDelay(true);
    const timeout = this.#connectTimeoutMs;
    this.upstream.setTimeout(timeout, () => {
      if (!this.#connected) this.upstream.destroy(Object.assign(new Error(`no answer within ${timeout} ms`), { code: 'ETIMEDOUT' }));
    });
  }

  /** Ends both sides now (proxy shutdown): the reason is recorded. */
  shutdown(reason: string): void {
    this.#reason ??= reason;
    this.client.destroy();
    this.upstream.destroy();
  }

  #pipe(from: net.Socket, to: net.Socket, dir: Direction): void {
    const side = dir === 'c2s' ? 'client' : 'upstream';
    const write = (out: Buffer) => {
      if (out.length > 0 && !to.destroyed && !to.write(out)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    };
    from.on('data', (chunk: Buffer) => {
      if (!this.#started) this.#connect(); // lazy, and this is the client's first read
      const tsWall = Date.now();
      const tsMono = performance.now();
      const out = dir === 's2c' ? this.#rewriter.push(chunk) : chunk;
      this.#inOrder(out, (bytes) => {
        write(bytes);
        this.#safe(() => this.#tap.chunk(dir, chunk, tsWall, tsMono));
      });
    });
    from.on('end', () => {
      // Half-close: pass the FIN on once everything before it is written.
      this.#reason ??= `${side} closed`;
      const rest = dir === 's2c' ? this.#rewriter.end() : Buffer.alloc(0);
      this.#inOrder(rest, (bytes) => {
        write(bytes);
        // Lazy, and the client left without a word: there is no upstream connection to end.
        if (!this.#started) to.destroy();
        else if (!to.destroyed) to.end();
      });
    });
    from.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? error.message;
      if (dir === 's2c' && !this.#connected) this.#reason ??= `upstream ${this.#target} ${describeConnectError(code)}`;
      this.#reason ??= `${side} error: ${code}`;
      // A reset on one side becomes a reset on the other, not a clean close.
      if (!to.destroyed) {
        if (this.#started && code === 'ECONNRESET' && to.readyState === 'open') to.resetAndDestroy();
        else to.destroy(); // an upstream never called has no connection to reset
      }
    });
    from.on('close', () => {
      // Gone without FIN or error (destroyed here, e.g. at shutdown): take the other side down too.
      if (!to.destroyed && !from.readableEnded && !to.writableEnded) to.destroy();
      if (++this.#closed === 2) {
        this.#inOrder(Buffer.alloc(0), () => {
          const reason = (this.#reason ?? 'closed') + (this.#started ? '' : ' (it sent nothing; the upstream was never contacted)');
          this.#safe(() => this.#tap.close(reason, Date.now(), performance.now()));
          this.#resolveDone();
        });
      }
    });
  }

  /**
   * Runs `then` with `out` in arrival order. Output is a promise only while a listener for a newly
   * referred server opens (a tick); later reads queue behind it so nothing overtakes it.
   */
  #inOrder(out: Buffer | Promise<Buffer>, then: (bytes: Buffer) => void): void {
    if (this.#queue === null && !(out instanceof Promise)) {
      then(out);
      return;
    }
    const task = (this.#queue ?? Promise.resolve()).then(() => out).then(then, (error: unknown) => this.#onTapError(error));
    this.#queue = task;
    void task.then(() => {
      if (this.#queue === task) this.#queue = null;
    });
  }

  #safe(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#onTapError(error);
    }
  }
}

function describeConnectError(code: string): string {
  switch (code) {
    case 'ECONNREFUSED': return 'refused the connection';
    case 'ETIMEDOUT': return 'did not answer (timeout)';
    case 'EHOSTUNREACH': case 'ENETUNREACH': return 'unreachable';
    case 'ENOTFOUND': case 'EAI_AGAIN': return 'host not found';
    default: return `connect failed: ${code}`;
  }
}
