// Fake servers that many concurrent clients can share. Playbook's FakeServer hands connections to its
// one script in accept order, which concurrent clients would mix up; a SharedServer instead answers
// by content: it knows the server side of every client's script and, for each connection, follows the
// script whose client bytes match what has arrived so far (the scripts differ by handle and cookie).
//
// runClient() is the client half of Playbook.run: it plays one script's client side against the proxy,
// following the rewritten referrals, and checks every byte it receives.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { seededChunks } from '../helpers/chunks.js';
import { ByteReader, type Playbook, splitAddress } from '../helpers/playbook.js';

type Step = Playbook['steps'][number];

/** One item of a connection's script, seen from the server. */
type Item =
  | { op: 'c2s' | 's2c'; bytes: Buffer }
  | { op: 'close'; by: 'client' | 'server' };

/** The server side of one connection of one client's script. */
interface ConnScript {
  client: number;
  conn: string;
  items: Item[];
  /** All the client bytes of the connection, in order. */
  c2s: Buffer;
}

/** What one accepted connection turned out to be. */
export interface Served {
  client: number | null;
  conn: string | null;
  received: Buffer;
  sent: Buffer[];
}

/** A copy of `play` with some strings replaced in every step (same lengths, so payload lengths still hold). */
export function variant(play: Playbook, replace: Array<[string, string]>, make: () => Playbook): Playbook {
  const out = make();
  for (const st of play.steps) {
    if (st.op === 'c2s' || st.op === 's2c') {
      let text = st.bytes.toString('latin1');
      for (const [from, to] of replace) {
        if (Buffer.byteLength(from, 'latin1') !== Buffer.byteLength(to, 'latin1')) throw new Error(`'${from}' → '${to}' changes the length`);
        text = text.replaceAll(from, to);
      }
      out.steps.push({ ...st, bytes: Buffer.from(text, 'latin1') });
    } else {
      out.steps.push({ ...st });
    }
  }
  return out;
}

function substitute(bytes: Buffer, addresses: Map<string, string>): Buffer {
  let s = bytes.toString('latin1');
  for (const [name, address] of addresses) s = s.replaceAll(`{${name}}`, address);
  return Buffer.from(s, 'latin1');
}

/** Writes in seeded random pieces, each its own segment (as Playbook does). */
export async function writeInPieces(socket: net.Socket, bytes: Buffer, seed: number): Promise<void> {
  const pieces = bytes.length > 4 ? seededChunks(bytes, seed, Math.max(2, Math.ceil(bytes.length / 3))) : [bytes];
  for (const piece of pieces) {
    if (socket.destroyed) throw new Error('socket destroyed while writing');
    await new Promise<void>((resolve, reject) => socket.write(piece, (e) => (e ? reject(e) : resolve())));
    await sleep(1);
  }
}

export class SharedServers {
  readonly servers = new Map<string, net.Server>();
  readonly addresses = new Map<string, string>();
  /** Every connection accepted, per server name. */
  readonly served = new Map<string, Served[]>();
  /** Protocol violations seen (a test asserts this stays empty). */
  readonly errors: string[] = [];
  readonly #scripts = new Map<string, ConnScript[]>();
  readonly #sockets = new Set<net.Socket>();
  readonly #seed: number;

  private constructor(seed: number) {
    this.#seed = seed;
  }

  /** Starts one listener per name; `scripts` are filled in later with `load`. */
  static async start(names: string[], seed = 1): Promise<SharedServers> {
    const shared = new SharedServers(seed);
    for (const name of names) {
      const server = net.createServer({ allowHalfOpen: true }, (socket) => shared.#accept(name, socket));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      shared.servers.set(name, server);
      shared.addresses.set(name, `127.0.0.1:${(server.address() as net.AddressInfo).port}`);
      shared.served.set(name, []);
      shared.#scripts.set(name, []);
    }
    return shared;
  }

  /** Adds the server side of client `client`'s script. */
  load(client: number, play: Playbook): void {
    const byConn = new Map<string, { server: string; items: Item[] }>();
    for (const st of play.steps as Step[]) {
      if (st.op === 'connect') {
        byConn.set(st.conn, { server: st.server, items: [] });
        continue;
      }
      const entry = byConn.get(st.conn);
      if (!entry) throw new Error(`script ${client}: ${st.conn} used before its connect`);
      if (st.op === 'close') entry.items.push({ op: 'close', by: st.by });
      else entry.items.push({ op: st.op, bytes: substitute(st.bytes, this.addresses) });
    }
    for (const [conn, { server, items }] of byConn) {
      const c2s = Buffer.concat(items.flatMap((i) => (i.op === 'c2s' ? [i.bytes] : [])));
      this.#scripts.get(server)?.push({ client, conn, items, c2s });
    }
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await Promise.all([...this.servers.values()].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  #accept(name: string, socket: net.Socket): void {
    socket.setNoDelay(true);
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => {});
    const served: Served = { client: null, conn: null, received: Buffer.alloc(0), sent: [] };
    this.served.get(name)?.push(served);
    let candidates = [...(this.#scripts.get(name) ?? [])];
    /** Per candidate script, the index of its first item not played yet. */
    const position = new Map<ConnScript, number>();
    let writing: Promise<void> = Promise.resolve();
    let closedByUs = false;
    const fail = (why: string) => {
      this.errors.push(`${name} connection ${this.served.get(name)?.indexOf(served)}: ${why}`);
      socket.destroy();
    };

    /** The server items due now: those after the played ones that the client bytes received so far unlock. */
    const due = (script: ConnScript): { items: Item[]; next: number } => {
      const start = position.get(script) ?? 0;
      const items: Item[] = [];
      let need = 0;
      let next = start;
      for (const [i, item] of script.items.entries()) {
        if (item.op === 'c2s') {
          need += item.bytes.length;
          if (need > served.received.length) break;
          continue;
        }
        if (i < start) continue;
        if (item.op === 'close' && item.by === 'client') break; // we wait for the client's FIN
        items.push(item);
        next = i + 1;
      }
      return { items, next };
    };

    socket.on('data', (chunk: Buffer) => {
      served.received = Buffer.concat([served.received, chunk]);
      const got = served.received;
      candidates = candidates.filter((s) => s.c2s.length >= got.length && s.c2s.subarray(0, got.length).equals(got));
      if (candidates.length === 0) return fail(`no script matches ${JSON.stringify(got.toString('latin1').slice(-200))}`);
      const lists = candidates.map(due);
      const first = (lists[0] as { items: Item[] }).items;
      const same = lists.every(({ items }) => items.length === first.length && items.every((item, i) => sameItem(item, first[i] as Item)));
      if (!same) return fail(`scripts ${candidates.map((c) => `${c.client}/${c.conn}`).join(', ')} disagree on the reply to ${JSON.stringify(got.toString('latin1').slice(-200))}`);
      candidates.forEach((c, i) => position.set(c, (lists[i] as { next: number }).next));
      if (candidates.length === 1) {
        served.client = candidates[0]?.client ?? null;
        served.conn = candidates[0]?.conn ?? null;
      }
      if (first.length === 0) return;
      const base = served.sent.length;
      writing = writing.then(async () => {
        for (const [i, item] of first.entries()) {
          if (item.op === 'close') {
            closedByUs = true;
            socket.end();
          } else if (item.op === 's2c') {
            served.sent.push(item.bytes);
            await writeInPieces(socket, item.bytes, this.#seed * 1000 + base + i);
          }
        }
      }).catch((error: Error) => fail(`write failed: ${error.message}`));
    });

    socket.on('end', () => {
      if (closedByUs) return; // the client closing after we did
      // The client closed its side: fine if that is the next thing its script does; we close ours too.
      const script = candidates.length === 1 ? candidates[0] : undefined;
      const next = script?.items.slice(position.get(script) ?? 0).find((i) => i.op !== 'c2s');
      const expected = script !== undefined && served.received.equals(script.c2s) && next?.op === 'close' && next.by === 'client';
      if (!expected) fail(`unexpected end from the client after ${JSON.stringify(served.received.toString('latin1').slice(-200))}`);
      else void writing.then(() => socket.end());
    });
  }
}

function sameItem(a: Item, b: Item): boolean {
  if (a.op === 'close' || b.op === 'close') return a.op === b.op && (a as { by: string }).by === (b as { by: string }).by;
  return a.op === b.op && a.bytes.equals(b.bytes);
}

export interface ClientResult {
  /** Per connection label, what this client received (as forwarded, so with our referral addresses). */
  received: Map<string, Buffer>;
  /** The addresses the client was given in rewritten referrals, by server name. */
  referrals: Map<string, string[]>;
}

/**
 * Plays the client side of `play` through the proxy at `proxyAddress`: sends the client bytes in seeded
 * random pieces, checks every server byte it receives, and follows the referrals to the proxy's own
 * listeners.
 */
export async function runClient(
  play: Playbook, servers: SharedServers, proxyAddress: string, seed: number,
  /** Called before each connection is opened; the connection waits for it (to order clients in a test). */
  beforeConnect: (conn: string) => Promise<void> = async () => {},
): Promise<ClientResult> {
  const readers = new Map<string, ByteReader>();
  const received = new Map<string, Buffer>();
  const referrals = new Map<string, string[]>();
  let step = 0;
  try {
    for (const st of play.steps as Step[]) {
      step++;
      const where = `step ${step} (${st.op} ${st.conn})`;
      if (st.op === 'connect') {
        await beforeConnect(st.conn);
        const target = referrals.get(st.server)?.shift() ?? proxyAddress;
        const [host, port] = splitAddress(target);
        const socket = net.connect({ host, port, allowHalfOpen: true });
        socket.setNoDelay(true);
        readers.set(st.conn, new ByteReader(socket));
        received.set(st.conn, Buffer.alloc(0));
        continue;
      }
      const reader = readers.get(st.conn);
      if (!reader) throw new Error(`${where}: no connection ${st.conn}`);
      const got = (bytes: Buffer) => received.set(st.conn, Buffer.concat([received.get(st.conn) as Buffer, bytes]));
      if (st.op === 'close') {
        if (st.by === 'client') reader.socket.end();
        await reader.end(`${where}: the close`);
      } else if (st.op === 'c2s') {
        await writeInPieces(reader.socket, st.bytes, seed + step);
      } else {
        await expectForwarded(reader, substitute(st.bytes, servers.addresses), where, servers, referrals, got);
      }
    }
  } finally {
    for (const r of readers.values()) r.socket.destroy();
  }
  return { received, referrals };
}

/** Reads one server step: identical bytes, except a referral's address, which must be one of the proxy's. */
async function expectForwarded(
  client: ByteReader, bytes: Buffer, where: string, servers: SharedServers, referrals: Map<string, string[]>,
  got: (bytes: Buffer) => void,
): Promise<void> {
  let rest = bytes;
  while (rest.length > 0) {
    const eol = rest.indexOf(0x0a);
    const line = eol < 0 ? rest : rest.subarray(0, eol + 1);
    const text = line.toString('latin1');
    const body = text.replace(/\r?\n$/, '');
    const referral = /^(XFR \d+ (?:NS|SB) |RNG \d+ )(\S+)(.*)$/.exec(body);
    const target = referral && [...servers.addresses].find(([, address]) => address === referral[2])?.[0];
    if (referral && target) {
      const forwarded = await client.readLine(`${where}: the rewritten referral`);
      got(forwarded);
      const text2 = forwarded.toString('latin1');
      const m = /^(\S+ \S+ (?:(?:NS|SB) )?)(\S+)(.*)$/.exec(text2.replace(/\r?\n$/, ''));
      const sameEnd = text2.slice(text2.replace(/\r?\n$/, '').length) === text.slice(body.length);
      if (!m || m[1] !== referral[1] || m[3] !== referral[3] || !sameEnd) throw new Error(`${where}: referral changed beyond its address: ${JSON.stringify(text2)} for ${JSON.stringify(text)}`);
      if (m[2] === referral[2]) throw new Error(`${where}: referral to ${referral[2]} was not rewritten`);
      referrals.set(target, [...(referrals.get(target) ?? []), m[2] as string]);
    } else {
      const forwarded = await client.read(line.length, `${where}: ${JSON.stringify(text)}`);
      got(forwarded);
      if (!forwarded.equals(line)) throw new Error(`${where}: client got ${JSON.stringify(forwarded.toString('latin1'))}, server sent ${JSON.stringify(text)}`);
    }
    rest = rest.subarray(line.length);
  }
}
