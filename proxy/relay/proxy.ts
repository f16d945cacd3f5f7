// The man-in-the-middle proxy: a main listener relaying to the upstream (dispatch or notification
// server), and one listener of ours per server the upstream refers clients to (`XFR NS`, `XFR SB`,
// `RNG`), so that every hop of a session comes back through the proxy. Each relayed connection is
// captured into the store and linked to its session through the referral that led to it.
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ConnectionKind } from '../../shared/msnp/types.js';
import { ConnectionCapture } from '../capture/connection-capture.js';
import type { CaptureStore } from '../capture/store.js';
import { SessionContext } from '../decode/connection.js';
import { type HostPort, formatHostPort, parseHostPort } from './address.js';
import { Relay, type UpstreamConnect } from './relay.js';
import type { Referral } from './rewriter.js';

/** Referrals kept waiting for their client, per kind: beyond this the oldest are forgotten. */
const MAX_PENDING = 10_000;
/**
 * Listen backlog (the kernel caps it at net.core.somaxconn). A busy proxy can fall behind a burst of
 * connections; past Node's default of 511 waiting, the kernel drops handshakes and clients stall for up
 * to a minute of retransmissions (seen in the load test, docs/hardening.md).
 */
const BACKLOG = 4096;

export type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface ProxyOptions {
  listen: HostPort;
  upstream: HostPort;
  /** Host written into rewritten referrals (default: the listen host). */
  advertise?: string;
  store: CaptureStore;
  log?: Log;
  connectTimeoutMs?: number;
  /** When each connection's upstream is called: as the client connects (default) or at its first bytes. */
  upstreamConnect?: UpstreamConnect;
}

/** A referral handed to a client and not yet followed. */
interface PendingReferral {
  sessionId: number;
  connectionId: number;
  client: string; // the referred client's IP
  version: number;
  /** The account the client signed in as on the referring connection (`USR … I account`), if seen. */
  account?: string;
}

interface Route {
  server: net.Server;
  target: HostPort;
  kind: 'entry' | 'NS' | 'SB';
}

export class MsnpProxy {
  readonly #options: ProxyOptions;
  readonly #log: Log;
  readonly #session = new SessionContext();
  readonly #routes = new Map<string, Route>(); // by target "host:port"; the entry route by ''
  readonly #relays = new Set<Relay>();
  /** Notification-server referrals waiting for their client, per target, oldest first. */
  readonly #pendingNs = new Map<string, PendingReferral[]>();
  /** Switchboard cookies handed out, to link the switchboard connection to its session. */
  readonly #cookies = new Map<string, PendingReferral>();
  readonly #labels = new Map<number, SessionLabels>();
  readonly #opening = new Map<string, Promise<void>>();
  #closing = false;
  #listenHost = '127.0.0.1';

  private constructor(options: ProxyOptions) {
    this.#options = options;
    this.#log = options.log ?? (() => {});
  }

  static async start(options: ProxyOptions): Promise<MsnpProxy> {
    const proxy = new MsnpProxy(options);
    proxy.#listenHost = (await lookup(options.listen.host)).address;
    await proxy.#listen('', options.upstream, 'entry', options.listen.port);
    return proxy;
  }

  /** Where clients connect. */
  get address(): HostPort {
    return this.#addressOf(this.#routes.get('') as Route);
  }

  /** Our listener for each upstream server a referral pointed to. */
  get referralListeners(): Array<{ target: string; listen: string; kind: 'NS' | 'SB' }> {
    return [...this.#routes.entries()].filter(([key]) => key !== '').map(([key, r]) => ({
      target: key, listen: formatHostPort(this.#addressOf(r)), kind: r.kind as 'NS' | 'SB',
    }));
  }

  get connectionCount(): number {
    return this.#relays.size;
  }

  /**
   * Stops listening and ends every relayed connection, recording why. Resolves once every connection's
   * close is recorded in the store (so the store may be closed next).
   */
  async close(reason = 'proxy shutdown'): Promise<void> {
    this.#closing = true;
    const servers = [...this.#routes.values()].map((r) => new Promise<void>((resolve) => r.server.close(() => resolve())));
    // Not the client socket's 'close': it may have closed already (upstream still draining), or close
    // before the upstream does, and the connection's close record is written only once both have.
    const relays = [...this.#relays].map((relay) => {
      relay.shutdown(reason);
      return relay.done;
    });
    await Promise.all([...servers, ...relays]);
  }

  #addressOf(route: Route): HostPort {
    const a = route.server.address() as net.AddressInfo;
    return { host: this.#options.advertise ?? this.#listenHost, port: a.port };
  }

  /** Opens our listener for one route; the route is usable once it listens. */
  #listen(key: string, target: HostPort, kind: Route['kind'], port = 0): Promise<void> {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.#accept(socket, route));
    const route: Route = { server, target, kind };
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.#listenHost, port, backlog: BACKLOG }, () => {
        server.off('error', reject);
        server.on('error', (error) => this.#log('error', `listener for ${key || 'clients'}: ${error.message}`));
        this.#routes.set(key, route);
        resolve();
      });
    });
  }

  /** Rewrites a referral to our own listener for its target (opening it on first use). */
  #redirect(from: ConnectionCapture, client: string, referral: Referral): string | null | Promise<string | null> {
    if (this.#closing) return null;
    let target: HostPort;
    try {
      target = parseHostPort(referral.target);
    } catch {
      return null;
    }
    const key = formatHostPort(target);
    const pending: PendingReferral = {
      sessionId: from.sessionId, connectionId: from.id, client, version: from.version,
      ...(from.account ? { account: from.account } : {}),
    };
    if (referral.kind === 'NS') {
      const queue = this.#pendingNs.get(key) ?? [];
      queue.push(pending);
      if (queue.length > MAX_PENDING) queue.shift(); // referrals nobody followed
      this.#pendingNs.set(key, queue);
    } else if (referral.cookie) {
      this.#cookies.set(referral.cookie, pending);
      if (this.#cookies.size > MAX_PENDING) this.#cookies.delete(this.#cookies.keys().next().value as string);
    }
    const ours = (route: Route) => {
      const address = formatHostPort(this.#addressOf(route));
      this.#log('info', `${referral.command} ${referral.kind} ${key} rewritten to ${address}`);
      return address;
    };
    const open = this.#routes.get(key);
    if (open) return ours(open);
    const opening = this.#opening.get(key) ?? this.#listen(key, target, referral.kind).finally(() => this.#opening.delete(key));
    this.#opening.set(key, opening);
    return opening.then(
      () => ours(this.#routes.get(key) as Route),
      (error: Error) => {
        this.#log('error', `cannot listen for ${key}: ${error.message}; referral left unchanged`);
        return null;
      },
    );
  }

  #accept(socket: net.Socket, route: Route): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    const clientIp = socket.remoteAddress ?? '?';
    const client = formatHostPort({ host: clientIp, port: socket.remotePort ?? 0 });
    const opened = { tsWall: Date.now(), tsMono: performance.now() };
    // A switchboard connection's session is known from the cookie in its first line, a notification
    // server's from the account the client signs in as (clients on one address follow their referrals
    // in any order): until that is in, its reads wait here (they are forwarded already; only the
    // capture waits).
    let capture: ConnectionCapture | null = null;
    const early: Array<() => void> = [];
    let earlyLine = '';
    const ensure = (cookie?: string, account?: string): ConnectionCapture => {
      if (capture) return capture;
      capture = this.#capture(route, client, clientIp, opened, cookie, account);
      for (const replay of early.splice(0)) replay();
      return capture;
    };
    if (route.kind === 'entry') ensure();

    const relay = new Relay(socket, {
      upstream: route.target,
      redirect: (r) => this.#redirect(ensure(), clientIp, r),
      ...(this.#options.connectTimeoutMs ? { connectTimeoutMs: this.#options.connectTimeoutMs } : {}),
      ...(this.#options.upstreamConnect ? { upstreamConnect: this.#options.upstreamConnect } : {}),
      onTapError: (error) => this.#log('error', `capture tap failed: ${(error as Error).stack ?? error}`),
    }, {
      chunk: (dir, bytes, tsWall, tsMono) => {
        if (capture) return capture.chunk(dir, bytes, tsWall, tsMono);
        early.push(() => capture?.chunk(dir, bytes, tsWall, tsMono));
        if (dir === 'c2s') earlyLine += bytes.toString('latin1', 0, Math.min(bytes.length, 4096));
        if (route.kind === 'SB') {
          const cookie = firstLineCookie(earlyLine);
          if (cookie !== undefined || earlyLine.length >= 4096) ensure(cookie ?? undefined);
        } else {
          const account = signInAccount(earlyLine);
          if (account !== undefined || earlyLine.length >= 4096) ensure(undefined, account);
        }
      },
      rewrite: (r) => ensure().rewrite(r),
      close: (reason, tsWall, tsMono) => {
        this.#relays.delete(relay);
        const c = ensure();
        c.close(reason, tsWall, tsMono);
        this.#log('info', `connection ${c.id} (${client} → ${formatHostPort(route.target)}) closed: ${reason}`);
      },
    });
    this.#relays.add(relay);
  }

  /** Opens the capture of a new connection in the session its referral (or cookie) names. */
  #capture(route: Route, client: string, clientIp: string, opened: { tsWall: number; tsMono: number }, cookie?: string, account?: string): ConnectionCapture {
    const store = this.#options.store;
    const referral = this.#takeReferral(route, clientIp, cookie, account);
    const kind: ConnectionKind = route.kind === 'SB' ? 'sb' : route.kind === 'NS' ? 'ns' : 'unknown';
    const sessionId = referral?.sessionId ?? store.openSession({ client, tsWall: opened.tsWall });
    const labels = this.#labelsOf(sessionId);
    const capture: ConnectionCapture = new ConnectionCapture(store, {
      sessionId, label: labels.next(kind), kind, client,
      upstream: formatHostPort(route.target), listen: formatHostPort(this.#addressOf(route)),
      ...(referral ? { referredBy: referral.connectionId } : {}),
      ...(cookie ? { cookie } : {}),
      ...opened,
    }, this.#session, {
      learned: (c) => {
        if (c.handle) store.updateSession(sessionId, { handle: c.handle });
        const label = labels.settle(c);
        if (label) store.updateConnection(c.id, { label });
      },
      error: (message) => this.#log('error', message),
    });
    return capture;
  }

  /**
   * The referral a new connection follows: a switchboard's by its cookie; a notification server's
   * the one handed to the same client address for the same account, else the oldest to that address.
   */
  #takeReferral(route: Route, clientIp: string, cookie?: string, account?: string): PendingReferral | undefined {
    if (route.kind === 'SB') {
      const found = cookie === undefined ? undefined : this.#cookies.get(cookie);
      if (cookie !== undefined) this.#cookies.delete(cookie);
      return found;
    }
    if (route.kind === 'NS') {
      const queue = this.#pendingNs.get(formatHostPort(route.target)) ?? [];
      const same = account === undefined ? -1 : queue.findIndex((p) => p.client === clientIp && p.account === account);
      const i = same >= 0 ? same : Math.max(0, queue.findIndex((p) => p.client === clientIp));
      return queue.splice(i, 1)[0];
    }
    return undefined;
  }

  #labelsOf(sessionId: number): SessionLabels {
    let labels = this.#labels.get(sessionId);
    if (!labels) {
      labels = new SessionLabels();
      this.#labels.set(sessionId, labels);
      // Only recent sessions still gain connections: forget the oldest.
      if (this.#labels.size > MAX_PENDING) this.#labels.delete(this.#labels.keys().next().value as number);
    }
    return labels;
  }
}

/**
 * Connection labels inside a session: ds1, ns1, ns2, sb1 … An entry connection starts as `conn1` and is
 * named once its role is clear: `ds` when it refers the client on (XFR NS), `ns` once the client signs in.
 */
class SessionLabels {
  readonly #counters: Record<string, number> = {};
  readonly #settled = new Set<number>();

  next(kind: ConnectionKind): string {
    const prefix = kind === 'dispatch' ? 'ds' : kind === 'unknown' ? 'conn' : kind;
    this.#counters[prefix] = (this.#counters[prefix] ?? 0) + 1;
    return `${prefix}${this.#counters[prefix]}`;
  }

  /** A new label for an entry connection whose role just became clear, else null. */
  settle(capture: ConnectionCapture): string | null {
    if (!capture.label.startsWith('conn') || this.#settled.has(capture.id)) return null;
    const role: ConnectionKind | null = capture.kind === 'dispatch' ? 'dispatch' : capture.handle ? 'ns' : capture.kind === 'sb' ? 'sb' : null;
    if (!role) return null;
    this.#settled.add(capture.id);
    capture.label = this.next(role);
    return capture.label;
  }
}

/** The account in the client's sign-in line (`USR trid package I account`), once a complete one is in. */
function signInAccount(text: string): string | undefined {
  for (const line of text.split('\n').slice(0, -1)) {
    const t = line.replace(/\r$/, '').split(' ');
    if (t[0] === 'USR' && t[3] === 'I' && t[4]) return t[4];
  }
  return undefined;
}

/** The cookie in a switchboard connection's first line: `USR trid handle cookie` / `ANS trid handle cookie session`. */
function firstLineCookie(text: string): string | null | undefined {
  const eol = text.indexOf('\n');
  if (eol < 0) return undefined;
  const t = text.slice(0, eol).replace(/\r$/, '').split(' ');
  if ((t[0] === 'USR' && t.length === 4) || (t[0] === 'ANS' && t.length === 5)) return t[3];
  return null;
}
