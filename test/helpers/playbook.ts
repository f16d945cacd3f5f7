// A Playbook (after mitmproxy's test tutils): one script drives a real client socket and fake servers
// through the real proxy on 127.0.0.1, so both peers and the proxy read as one transcript.
//
//   const play = new Playbook(['DS', 'NS', 'SB']);
//   play.connect('ds1', 'DS').c('ds1', 'VER 1 MSNP8 CVR0').s('ds1', 'VER 1 MSNP8')
//       .s('ds1', 'XFR 3 NS {NS} 0 {DS}')   // {NS}: the fake NS's real address; the client gets ours
//       .connect('ns1', 'NS')                // the client follows the address it was given
//
// Every c2s step must reach its fake server byte for byte; every s2c step must reach the client byte
// for byte, except the addresses of referrals, which must be the proxy's. Reads are cut at seeded
// random offsets so that frames arrive split across TCP reads.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { seededChunks } from './chunks.js';

const TIMEOUT_MS = 5_000;

/** Collects a socket's bytes; `read(n)` waits for exactly n more. */
export class ByteReader {
  #buf = Buffer.alloc(0);
  #waiters: Array<() => void> = [];
  #ended = false;
  readonly closed: Promise<void>;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      this.#wake();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on('error', () => {
      this.#ended = true;
      this.#wake();
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Bytes received and not yet read. */
  get buffered(): Buffer {
    return this.#buf;
  }

  async read(n: number, what = `${n} bytes`): Promise<Buffer> {
    await this.#until(() => this.#buf.length >= n, what);
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return Buffer.from(out);
  }

  async readLine(what = 'a line'): Promise<Buffer> {
    await this.#until(() => this.#buf.includes(0x0a), what);
    return this.read(this.#buf.indexOf(0x0a) + 1, what);
  }

  /** Resolves when the peer has closed its side (FIN or error). */
  async end(what = 'the end of the stream'): Promise<void> {
    await this.#until(() => this.#ended, what);
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  async #until(done: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + TIMEOUT_MS;
    while (!done()) {
      if (this.#ended && !done()) throw new Error(`stream ended while waiting for ${what} (have ${JSON.stringify(this.#buf.toString('latin1'))})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} (have ${JSON.stringify(this.#buf.toString('latin1'))})`);
      await Promise.race([new Promise<void>((r) => this.#waiters.push(r)), sleep(Math.min(left, 250))]);
    }
  }
}

/**
 * A client socket on `address` (half-close allowed, no Nagle) with the error codes it saw; `cleanups`
 * gets what destroys it after the test.
 */
export function connectClient(address: string, cleanups: Array<() => unknown>): { reader: ByteReader; errors: string[] } {
  const [host, port] = splitAddress(address);
  const socket = net.connect({ host, port, allowHalfOpen: true });
  socket.setNoDelay(true);
  const errors: string[] = [];
  socket.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.message));
  cleanups.push(() => socket.destroy());
  return { reader: new ByteReader(socket), errors };
}

/** A fake MSNP server: accepts connections and hands them to the playbook in order. */
export class FakeServer {
  readonly server: net.Server;
  readonly #accepted: ByteReader[] = [];
  #waiter: (() => void) | null = null;
  /** Connections it has been offered since it started, accepted by a test or not. */
  offered = 0;

  private constructor(server: net.Server) {
    this.server = server;
    server.on('connection', (socket) => {
      this.offered++;
      socket.setNoDelay(true);
      this.#accepted.push(new ByteReader(socket));
      this.#waiter?.();
    });
  }

  static async start(): Promise<FakeServer> {
    const server = net.createServer({ allowHalfOpen: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new FakeServer(server);
  }

  get address(): string {
    return `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  async accept(): Promise<ByteReader> {
    const deadline = Date.now() + TIMEOUT_MS;
    while (this.#accepted.length === 0) {
      if (Date.now() > deadline) throw new Error(`fake server ${this.address} got no connection`);
      await Promise.race([new Promise<void>((r) => { this.#waiter = r; }), sleep(100)]);
    }
    return this.#accepted.shift() as ByteReader;
  }

  async close(): Promise<void> {
    for (const r of this.#accepted) r.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

type Step =
  | { op: 'connect'; conn: string; server: string }
  | { op: 'c2s' | 's2c'; conn: string; bytes: Buffer }
  | { op: 'close'; conn: string; by: 'client' | 'server' };

interface Pair {
  client: ByteReader;
  /** Taken off the fake server's queue at the connection's first step (the proxy may connect lazily). */
  server: () => Promise<ByteReader>;
  /** Whether `server` has been asked for. */
  taken: () => boolean;
}

export interface PlaybookResult {
  /** Per connection label: what the client sent and what the server sent (originals). */
  sent: Map<string, { c2s: Buffer[]; s2c: Buffer[] }>;
  /** The addresses the client was given in rewritten referrals, by server name. */
  referrals: Map<string, string[]>;
}

export class Playbook {
  readonly steps: Step[] = [];
  readonly #names: string[];

  constructor(serverNames: string[]) {
    this.#names = serverNames;
  }

  /** The client opens a connection: the first to the proxy, later ones to the address a referral gave it. */
  connect(conn: string, server: string): this {
    this.steps.push({ op: 'connect', conn, server });
    return this;
  }

  c(conn: string, line: string, payload?: string | Buffer): this {
    this.steps.push({ op: 'c2s', conn, bytes: frameBytes(line, payload) });
    return this;
  }

  s(conn: string, line: string, payload?: string | Buffer): this {
    this.steps.push({ op: 's2c', conn, bytes: frameBytes(line, payload) });
    return this;
  }

  /** Raw bytes, exactly as given (for garbage and lying lengths). */
  raw(conn: string, dir: 'c2s' | 's2c', bytes: Buffer | string): this {
    this.steps.push({ op: dir, conn, bytes: Buffer.from(bytes as string, 'latin1') });
    return this;
  }

  close(conn: string, by: 'client' | 'server'): this {
    this.steps.push({ op: 'close', conn, by });
    return this;
  }

  /** Plays the script through the proxy listening at `proxyAddress`, against fresh fake servers. */
  async run(servers: Map<string, FakeServer>, proxyAddress: string, seed = 1): Promise<PlaybookResult> {
    const pairs = new Map<string, Pair>();
    const sent = new Map<string, { c2s: Buffer[]; s2c: Buffer[] }>();
    const referrals = new Map<string, string[]>();
    const subst = (text: Buffer) => {
      let s = text.toString('latin1');
      for (const name of this.#names) s = s.replaceAll(`{${name}}`, (servers.get(name) as FakeServer).address);
      return Buffer.from(s, 'latin1');
    };
    let step = 0;
    for (const st of this.steps) {
      step++;
      const where = `step ${step} (${st.op} ${st.conn})`;
      if (st.op === 'connect') {
        const given = referrals.get(st.server)?.shift();
        const target = given ?? proxyAddress;
        const [host, port] = splitAddress(target);
        const socket = net.connect({ host, port, allowHalfOpen: true });
        socket.setNoDelay(true);
        const client = new ByteReader(socket);
        // Accepted when first needed, not now: a proxy that connects upstream only once the client
        // speaks (--upstream-connect lazy) has not connected yet. Eager or lazy, the next connection
        // the fake server accepts is this one, as long as a script gives a connection its first step
        // before opening another to the same server (every script here does).
        let accepted: Promise<ByteReader> | null = null;
        const fake = servers.get(st.server) as FakeServer;
        pairs.set(st.conn, { client, server: () => (accepted ??= fake.accept()), taken: () => accepted !== null });
        sent.set(st.conn, { c2s: [], s2c: [] });
        continue;
      }
      const pair = pairs.get(st.conn);
      if (!pair) throw new Error(`${where}: no connection ${st.conn}`);
      if (st.op === 'close') {
        const server = await pair.server();
        (st.by === 'client' ? pair.client : server).socket.end();
        await (st.by === 'client' ? server : pair.client).end(`${where}: the close`);
        continue;
      }
      const bytes = subst(st.bytes);
      // A client's bytes go out before the server side is looked for (they may be what opens it).
      const server = st.op === 'c2s' ? null : await pair.server();
      const from = st.op === 'c2s' ? pair.client : (server as ByteReader);
      (sent.get(st.conn) as { c2s: Buffer[]; s2c: Buffer[] })[st.op].push(bytes);
      await writeInPieces(from.socket, bytes, seed + step);
      const to = st.op === 'c2s' ? await pair.server() : pair.client;
      if (st.op === 'c2s') {
        const got = await to.read(bytes.length, `${where}: ${JSON.stringify(bytes.toString('latin1'))}`);
        if (!got.equals(bytes)) throw new Error(`${where}: server got ${JSON.stringify(got.toString('latin1'))}, client sent ${JSON.stringify(bytes.toString('latin1'))}`);
      } else {
        await expectRewritten(to, bytes, where, this.#names, servers, referrals);
      }
    }
    for (const { client, server, taken } of pairs.values()) {
      client.socket.destroy();
      if (taken()) (await server()).socket.destroy();
    }
    return { sent, referrals };
  }
}

/**
 * Reads what the client got for one server step: identical bytes, except that a referral line's
 * address must be one of the proxy's own (and not the fake server's); records it for the next hop.
 */
async function expectRewritten(client: ByteReader, bytes: Buffer, where: string, names: string[], servers: Map<string, FakeServer>, referrals: Map<string, string[]>): Promise<void> {
  let rest = bytes;
  while (rest.length > 0) {
    const eol = rest.indexOf(0x0a);
    const line = eol < 0 ? rest : rest.subarray(0, eol + 1);
    const text = line.toString('latin1');
    const body = text.replace(/\r?\n$/, '');
    const referral = /^(XFR \d+ (?:NS|SB) |RNG \d+ )(\S+)(.*)$/.exec(body);
    const target = referral && names.find((n) => (servers.get(n) as FakeServer).address === referral[2]);
    if (referral && target) {
      const got = (await client.readLine(`${where}: the rewritten referral`)).toString('latin1');
      const m = /^(\S+ \S+ (?:(?:NS|SB) )?)(\S+)(.*)$/.exec(got.replace(/\r?\n$/, ''));
      const sameEnd = got.slice(got.replace(/\r?\n$/, '').length) === text.slice(body.length);
      if (!m || m[1] !== referral[1] || m[3] !== referral[3] || !sameEnd) throw new Error(`${where}: referral changed beyond its address: ${JSON.stringify(got)} for ${JSON.stringify(text)}`);
      if (m[2] === referral[2]) throw new Error(`${where}: referral to ${referral[2]} was not rewritten`);
      const list = referrals.get(target) ?? [];
      list.push(m[2] as string);
      referrals.set(target, list);
    } else {
      const got = await client.read(line.length, `${where}: ${JSON.stringify(text)}`);
      if (!got.equals(line)) throw new Error(`${where}: client got ${JSON.stringify(got.toString('latin1'))}, server sent ${JSON.stringify(text)}`);
    }
    rest = rest.subarray(line.length);
  }
}

function frameBytes(line: string, payload?: string | Buffer): Buffer {
  if (payload === undefined) return Buffer.from(`${line}\r\n`, 'utf8');
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from(`${line} ${body.length}\r\n`, 'utf8'), body]);
}

/** Writes in seeded random pieces, letting each go out as its own segment. */
async function writeInPieces(socket: net.Socket, bytes: Buffer, seed: number): Promise<void> {
  const pieces = bytes.length > 4 ? seededChunks(bytes, seed, Math.max(2, Math.ceil(bytes.length / 3))) : [bytes];
  for (const piece of pieces) {
    await new Promise<void>((resolve, reject) => socket.write(piece, (e) => (e ? reject(e) : resolve())));
    await sleep(1);
  }
}

export function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}
