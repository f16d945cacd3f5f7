// Replays the server side of a fixture to real clients. One listener per recorded connection: the
// entry listener plays the connections a client starts with, and every connection a referral led to
// gets a listener of its own, whose address replaces the recorded one in that referral — so dispatch →
// notification → switchboard hops come back to us, each to the right script.
import net from 'node:net';
import { SessionContext } from '../decode/connection.js';
import { type LoadedFixture, type ScriptConnection, isLoaded, loadFixture } from '../fixture/load.js';
import { mapReferrals } from './referral-map.js';
import { type Divergence, type ReceivedFrame, ServerConnectionPlayer } from './server-connection.js';

export type { Divergence, ReceivedFrame } from './server-connection.js';

export interface ReplayServerOptions {
  host?: string;
  /** Entry port; 0 (the default) picks a free one. */
  port?: number;
  /** Host written into rewritten referrals (default: the listen host, or 127.0.0.1 for a wildcard). */
  advertise?: string;
  /** Play every script again for every client that connects (a long-running server); default false. */
  repeat?: boolean;
  onDivergence?: (divergence: Divergence) => void;
  onConnection?: (label: string, event: 'open' | 'close') => void;
}

export interface ReplayReport {
  /** Every recorded connection was played to its end without a divergence. */
  complete: boolean;
  divergences: Divergence[];
  received: ReceivedFrame[];
}

interface Listener {
  server: net.Server;
  scripts: ScriptConnection[];
  accepted: number;
}

const WILDCARD = new Set(['0.0.0.0', '::', '']);

export class ReplayServer {
  readonly fixture: LoadedFixture;
  readonly received: ReceivedFrame[] = [];
  readonly divergences: Divergence[] = [];
  readonly #options: ReplayServerOptions;
  readonly #listeners = new Map<string, Listener>(); // by script label; the entry under ''
  readonly #players = new Set<ServerConnectionPlayer>();
  readonly #played = new Set<string>();
  readonly #children: Map<string, string>;
  readonly #roots: ScriptConnection[];
  #session = new SessionContext();
  #lastActivity = Date.now();
  #advertise = '127.0.0.1';
  #closed = false;

  private constructor(fixture: LoadedFixture, options: ReplayServerOptions) {
    this.fixture = fixture;
    this.#options = options;
    const map = mapReferrals(fixture);
    this.#children = map.children;
    this.#roots = map.roots;
  }

  static async start(fixture: LoadedFixture | string | object, options: ReplayServerOptions = {}): Promise<ReplayServer> {
    const loaded = isLoaded(fixture) ? fixture : loadFixture(fixture);
    const server = new ReplayServer(loaded, options);
    const host = options.host ?? '127.0.0.1';
    server.#advertise = options.advertise ?? (WILDCARD.has(host) ? '127.0.0.1' : host);
    try {
      await server.#listen('', server.#roots, host, options.port ?? 0);
      for (const label of server.#children.values()) {
        const script = loaded.connections.find((c) => c.label === label)!;
        await server.#listen(label, [script], host, 0);
      }
    } catch (error) {
      await server.close();
      throw error;
    }
    return server;
  }

  /** Where clients connect: "host:port". */
  get address(): string {
    return this.#addressOf('');
  }

  get port(): number {
    return (this.#listeners.get('')!.server.address() as net.AddressInfo).port;
  }

  #addressOf(key: string): string {
    const port = (this.#listeners.get(key)!.server.address() as net.AddressInfo).port;
    return this.#advertise.includes(':') ? `[${this.#advertise}]:${port}` : `${this.#advertise}:${port}`;
  }

  #listen(key: string, scripts: ScriptConnection[], host: string, port: number): Promise<void> {
    const listener: Listener = { server: net.createServer({ allowHalfOpen: true }), scripts, accepted: 0 };
    listener.server.on('connection', (socket) => this.#accept(listener, socket));
    this.#listeners.set(key, listener);
    return new Promise((resolve, reject) => {
      listener.server.once('error', reject);
      listener.server.listen({ host, port }, () => {
        listener.server.off('error', reject);
        resolve();
      });
    });
  }

  #accept(listener: Listener, socket: net.Socket): void {
    this.#lastActivity = Date.now();
    socket.setNoDelay(true);
    const n = listener.accepted++;
    const script = this.#options.repeat ? listener.scripts[n % Math.max(1, listener.scripts.length)] : listener.scripts[n];
    if (!script || this.#closed) {
      this.#diverged({ conn: listener.scripts[0]?.label ?? '?', index: null, expected: null, got: `a connection from ${socket.remoteAddress}:${socket.remotePort}`, reason: 'unexpected connection: no recorded connection left to play here' });
      socket.destroy();
      return;
    }
    if (this.#options.repeat && n > 0 && listener === this.#listeners.get('')) this.#session = new SessionContext();
    const player = new ServerConnectionPlayer(script, socket, {
      session: this.#session,
      addressFor: (key) => {
        const child = this.#children.get(key);
        return child === undefined ? null : this.#addressOf(child);
      },
      received: (frame) => {
        this.#lastActivity = Date.now();
        this.received.push(frame);
      },
      diverged: (d) => this.#diverged(d),
      finished: (p) => {
        this.#lastActivity = Date.now();
        this.#players.delete(p);
        this.#played.add(p.script.label);
        this.#options.onConnection?.(p.script.label, 'close');
      },
    });
    this.#players.add(player);
    this.#options.onConnection?.(script.label, 'open');
    player.start();
  }

  #diverged(d: Divergence): void {
    this.divergences.push(d);
    this.#options.onDivergence?.(d);
  }

  /** The client side of every recorded connection has been played and closed. */
  get complete(): boolean {
    return this.fixture.connections.every((c) => this.#played.has(c.label)) && this.#players.size === 0;
  }

  /**
   * Resolves once every recorded connection was played, or — after a divergence — once no connection
   * has been open for `idleMs`, or after `timeoutMs`. Connections never opened are reported then.
   */
  async done(options: { timeoutMs?: number; idleMs?: number } = {}): Promise<ReplayReport> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    const idleMs = options.idleMs ?? 500;
    while (!this.complete && Date.now() < deadline) {
      const idle = this.#players.size === 0 && Date.now() - this.#lastActivity >= idleMs;
      if (idle && this.divergences.length > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    if (!this.complete) {
      for (const c of this.fixture.connections) {
        if (this.#played.has(c.label) || [...this.#players].some((p) => p.script.label === c.label)) continue;
        if (this.divergences.some((d) => d.conn === c.label && d.reason.startsWith('the client never opened'))) continue;
        const first = c.frames.find((f) => f.dir === 'c2s');
        this.#diverged({ conn: c.label, index: first?.index ?? null, expected: first?.line ?? null, got: null, reason: 'the client never opened this connection' });
      }
    }
    return { complete: this.complete && this.divergences.length === 0, divergences: [...this.divergences], received: [...this.received] };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const p of this.#players) p.close();
    await Promise.all([...this.#listeners.values()].map((l) => new Promise<void>((resolve) => {
      if (!l.server.listening) return resolve();
      l.server.close(() => resolve());
    })));
  }
}

/** Starts a replay server for a fixture (path, JSON text, parsed document or loadFixture result). */
export function startReplayServer(fixture: LoadedFixture | string | object, options: ReplayServerOptions = {}): Promise<ReplayServer> {
  return ReplayServer.start(fixture, options);
}
