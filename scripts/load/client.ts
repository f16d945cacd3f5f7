// One scripted MSNP client of the load test. A session: dispatch (VER, CVR, USR → XFR NS), the
// notification server (sign-in, contact list, presence), then rounds of: a ping, a switchboard it asks
// for (XFR SB → USR, CAL, typing and messages → OUT) and a presence change that the server answers with
// an invitation (RNG → ANS, messages → OUT); then OUT. It checks every frame it gets byte for byte
// (referrals: that the address is the proxy's, or the real server's when connecting directly), counts
// every byte and frame both ways and times each request until its first reply.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Role } from './server.js';
import { BOB, CAROL, type Version, handleOf, rep, req } from './shapes.js';
import { type Counts, FrameCutter, type WireFrame, zeroCounts } from './wire.js';

/** Longest wait for one reply: far above any healthy reply time; a stuck connection fails the client. */
const READ_TIMEOUT_MS = 60_000;
const STATUSES = ['AWY', 'BSY', 'NLN', 'IDL', 'BRB'];

export interface ClientPlan {
  n: number;
  version: Version;
  /** Connects to the server directly (the latency baseline) instead of through the proxy. */
  direct: boolean;
  /** Where a session starts: the proxy, or the dispatch server for a direct client. */
  entry: string;
  /** The real servers' addresses (what referrals name before the proxy rewrites them). */
  servers: Record<Role, string>;
  /** Mean pause between a client's requests (uniform in [0.5, 1.5] × this). */
  thinkMs: number;
  /** Switchboard rounds per session, and messages per switchboard. */
  rounds: number;
  messages: number;
  /** False once no new session should start. */
  keepGoing: () => boolean;
  /** A request's round trip until its first reply frame, in ms. */
  latency: (kind: string, ms: number) => void;
  random: () => number;
}

export interface ClientResult {
  n: number;
  handle: string;
  version: Version;
  direct: boolean;
  sessions: number;
  counts: Counts;
  /** The first failure, if any (the client stops there). */
  error: string | null;
}

export async function runClient(plan: ClientPlan): Promise<ClientResult> {
  const handle = handleOf(plan.n, plan.direct);
  const result: ClientResult = { n: plan.n, handle, version: plan.version, direct: plan.direct, sessions: 0, counts: zeroCounts(), error: null };
  const open = new Set<Conn>();
  try {
    do {
      await session(plan, handle, result.counts, open);
      result.sessions++;
    } while (plan.keepGoing());
  } catch (error) {
    result.error = `${handle} (MSNP${plan.version}, session ${result.sessions + 1}): ${(error as Error).message}`;
    for (const c of open) c.socket.destroy();
  }
  return result;
}

const think = (plan: ClientPlan) => sleep(plan.thinkMs * (0.5 + plan.random()));

async function session(plan: ClientPlan, handle: string, counts: Counts, open: Set<Conn>): Promise<void> {
  const v = plan.version;
  const connect = async (address: string, what: string) => {
    const c = await Conn.open(address, counts, plan.latency, what);
    open.add(c);
    void c.closed.then(() => open.delete(c));
    return c;
  };
  /** The address a referral gave: the proxy's own, never the real server's (or exactly that, direct). */
  const followed = (address: string, role: Role) => {
    const real = plan.servers[role];
    if (plan.direct ? address !== real : address === real) throw new Error(`${role} referral to ${address} (real ${real}) ${plan.direct ? 'changed' : 'not rewritten'}`);
    return address;
  };

  // Dispatch.
  const ds = await connect(plan.entry, 'DS');
  await ds.request('VER', req.ver(v, 1), [rep.ver(v, 1)]);
  await ds.request('CVR', req.cvr(v, 2, handle), [rep.cvr(v, 2)]);
  const [xfr] = await ds.request('XFR NS', req.usrI(v, 3, handle), [pattern(rep.xfrNs(v, 3, A, plan.servers.DS))]);
  await ds.serverClosed();
  await ds.end();
  await think(plan);

  // Notification server.
  const ns = await connect(followed(xfr?.address as string, 'NS'), 'NS');
  await ns.request('VER', req.ver(v, 4), [rep.ver(v, 4)]);
  await ns.request('CVR', req.cvr(v, 5, handle), [rep.cvr(v, 5)]);
  await ns.request('USR', req.usrI(v, 6, handle), rep.usrChallenge(v, 6));
  await ns.request('USR', req.usrS(v, 7), rep.usrOk(v, 7, handle));
  await ns.request(v < 13 ? 'SYN' : 'ADL', req.list(v, 8), [rep.list(v, 8)]);
  await ns.request('CHG', req.chg(v, 9, 'NLN'), [rep.chg(v, 9, 'NLN'), rep.nln(v)]);
  let t = 10;
  for (let round = 0; round < plan.rounds; round++) {
    await think(plan);
    await ns.request('PNG', req.png(), [rep.qng(v)]);
    await think(plan);

    // A switchboard of our own.
    const [sb] = await ns.request('XFR SB', req.xfrSb(t), [pattern(rep.xfrSb(v, t, A, C))]);
    t++;
    const one = await connect(followed(sb?.address as string, 'SB'), 'SB');
    await one.request('SB USR', req.sbUsr(v, handle, sb?.cookie as string), [rep.sbUsrOk(v, handle)]);
    await one.request('CAL', req.cal(2), [rep.ringing(2), rep.joi(v)]);
    let st = 3;
    for (let m = 0; m < plan.messages; m++) {
      await think(plan);
      await one.send(req.typing(st++, handle), true);
      await one.request('MSG', req.message(st, st), [rep.ack(st), rep.message(BOB, st)]);
      st++;
    }
    await one.send(req.out());
    await one.end();
    await think(plan);

    // A presence change, and the invitation that follows it.
    const status = STATUSES[Math.floor(plan.random() * STATUSES.length)] as string;
    const [, rng] = await ns.request('CHG', req.chg(v, t, status), [rep.chg(v, t, status), pattern(rep.rng(v, S, A, C))]);
    t++;
    const two = await connect(followed(rng?.address as string, 'SB2'), 'SB2');
    await two.request('ANS', req.sbAns(v, handle, rng?.cookie as string, rng?.session as string), [rep.iro(v), rep.ansOk(), rep.message(CAROL, 0)]);
    for (let m = 0, at = 2; m < plan.messages; m++, at++) {
      await think(plan);
      await two.request('MSG', req.message(at, at), [rep.ack(at), rep.message(CAROL, at)]);
    }
    await two.send(req.out());
    await two.end();
  }
  await think(plan);
  await ns.send(req.out());
  await ns.serverClosed();
  await ns.end();
}

// ---- expected frames with holes (addresses, cookies, session ids the client cannot know in advance) ----

const A = '\u0001address\u0001';
const C = '\u0001cookie\u0001';
const S = '\u0001session\u0001';
const HOLES: Record<string, string> = { [A]: 'address', [C]: 'cookie', [S]: 'session' };

/** A frame with holes, as a pattern that captures them by name. */
function pattern(template: Buffer): RegExp {
  let source = template.toString('latin1').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const [hole, name] of Object.entries(HOLES)) source = source.replace(hole, `(?<${name}>\\S+)`);
  return new RegExp(`^${source}$`);
}

type Expected = Buffer | RegExp;

class Conn {
  readonly socket: net.Socket;
  readonly closed: Promise<void>;
  readonly #counts: Counts;
  readonly #latency: ClientPlan['latency'];
  readonly #what: string;
  readonly #cutter = new FrameCutter();
  readonly #frames: WireFrame[] = [];
  #wake: (() => void) | null = null;
  #ended = false;
  #error: Error | null = null;

  private constructor(socket: net.Socket, counts: Counts, latency: ClientPlan['latency'], what: string) {
    this.socket = socket;
    this.#counts = counts;
    this.#latency = latency;
    this.#what = what;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      counts.s2cBytes += chunk.length;
      for (const f of this.#cutter.push(chunk)) {
        counts.s2cFrames++;
        this.#frames.push(f);
      }
      this.#wake?.();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#wake?.();
    });
    socket.on('error', (error) => {
      this.#error = error;
      this.#wake?.();
    });
  }

  static open(address: string, counts: Counts, latency: ClientPlan['latency'], what: string): Promise<Conn> {
    const i = address.lastIndexOf(':');
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)), allowHalfOpen: true });
      socket.setNoDelay(true);
      const conn = new Conn(socket, counts, latency, what);
      socket.once('connect', () => resolve(conn));
      socket.once('error', (error) => reject(new Error(`${what}: connecting to ${address}: ${error.message}`)));
    });
  }

  /** Sends one frame (in two writes when `split`, so that it arrives cut). */
  async send(bytes: Buffer, split = false): Promise<void> {
    this.#counts.c2sFrames++;
    this.#counts.c2sBytes += bytes.length;
    if (split && bytes.length > 8) {
      const cut = Math.floor(bytes.length / 2);
      this.socket.write(bytes.subarray(0, cut));
      await new Promise((resolve) => setImmediate(resolve));
      this.socket.write(bytes.subarray(cut));
    } else {
      this.socket.write(bytes);
    }
  }

  /** Sends a request and reads the frames expected back; returns the holes each pattern captured. */
  async request(kind: string, bytes: Buffer, expected: Expected[]): Promise<Array<Record<string, string> | undefined>> {
    const t0 = performance.now();
    await this.send(bytes);
    const out: Array<Record<string, string> | undefined> = [];
    for (const [i, want] of expected.entries()) {
      const got = await this.#next(`${kind} reply ${i + 1}`);
      if (i === 0) this.#latency(kind, performance.now() - t0);
      if (Buffer.isBuffer(want)) {
        if (!got.bytes.equals(want)) throw new Error(`${this.#what} ${kind}: got ${JSON.stringify(got.bytes.toString('latin1'))}, expected ${JSON.stringify(want.toString('latin1'))}`);
        out.push(undefined);
      } else {
        const m = want.exec(got.bytes.toString('latin1'));
        if (!m) throw new Error(`${this.#what} ${kind}: got ${JSON.stringify(got.bytes.toString('latin1'))}, expected ${want.source}`);
        out.push(m.groups ?? {});
      }
    }
    return out;
  }

  /** Waits for the server's FIN, with nothing else before it. */
  async serverClosed(): Promise<void> {
    await this.#until(() => this.#ended || this.#frames.length > 0, 'the server to close');
    if (this.#frames.length > 0) throw new Error(`${this.#what}: unexpected ${JSON.stringify(this.#frames[0]?.line)} instead of the close`);
  }

  /** Ends our side and waits until the socket is fully closed. */
  async end(): Promise<void> {
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(new Error('not closed in time')), READ_TIMEOUT_MS);
    await this.closed;
    clearTimeout(timer);
    if (this.#error) throw new Error(`${this.#what}: ${this.#error.message}`);
    if (this.#frames.length > 0 || this.#cutter.pending > 0) throw new Error(`${this.#what}: unexpected ${JSON.stringify(this.#frames[0]?.line ?? `${this.#cutter.pending} bytes`)} at the close`);
  }

  async #next(what: string): Promise<WireFrame> {
    await this.#until(() => this.#frames.length > 0, what);
    return this.#frames.shift() as WireFrame;
  }

  async #until(done: () => boolean, what: string): Promise<void> {
    const deadline = performance.now() + READ_TIMEOUT_MS;
    while (!done()) {
      if (this.#error) throw new Error(`${this.#what}: ${this.#error.message} while waiting for ${what}`);
      if (this.#ended) throw new Error(`${this.#what}: closed by the server while waiting for ${what}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${this.#what}: no ${what} within ${READ_TIMEOUT_MS / 1000} s (local port ${this.socket.localPort}, waiting since ${new Date(Date.now() - READ_TIMEOUT_MS).toISOString()})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = null;
          resolve();
        };
      });
    }
  }
}
