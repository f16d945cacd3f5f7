// Scripted peers for the replay tests, written independently of the replay code: a client that plays
// a fixture's client side with TrIDs of its own, and fake servers that play its server side with
// values of their own (addresses, cookies, session ids) and optional deliberate changes.
import net from 'node:net';
import { type LoadedFixture, type ScriptFrame, captureOrder } from '../../proxy/fixture/load.js';
import { ByteReader, FakeServer, splitAddress } from '../helpers/playbook.js';

const TIMEOUT_MS = 5_000;

async function readFrame(reader: ByteReader, payloadLength: number | null): Promise<{ line: string; bytes: Buffer }> {
  const head = await reader.readLine();
  const line = head.toString('latin1').replace(/\r?\n$/, '');
  const body = payloadLength === null ? Buffer.alloc(0) : await reader.read(Number(line.split(' ').at(-1)));
  return { line, bytes: Buffer.concat([head, body]) };
}

function withTokens(bytes: Buffer, line: string, change: (tokens: string[]) => void): Buffer {
  const tokens = line.split(' ');
  change(tokens);
  return Buffer.concat([Buffer.from(tokens.join(' '), 'latin1'), bytes.subarray(Buffer.byteLength(line, 'latin1'))]);
}

export interface ClientRun {
  /** Per recorded connection, the lines the client received. */
  received: Map<string, string[]>;
  /** Where each hop took the client. */
  addresses: Map<string, string>;
}

/**
 * Plays the client side with every TrID shifted by `trIdShift`, following the referrals it gets. Stops
 * after `stopAfter` frames of a connection when given (to test divergences), or sends `replace` for
 * one recorded frame.
 */
export async function scriptedClient(fixture: LoadedFixture, entry: string, options: { trIdShift?: number; replace?: { conn: string; index: number; line: string } } = {}): Promise<ClientRun> {
  const shift = options.trIdShift ?? 100;
  const sockets = new Map<string, ByteReader>();
  const received = new Map<string, string[]>();
  const addresses = new Map<string, string>();
  const children = new Map<string, string>(); // child label → address from the referral
  const byLabel = new Map(fixture.connections.map((c) => [c.label, c]));
  const referralTarget = (line: string) => /^(?:XFR \d+ (?:NS|SB) |RNG \d+ )(\S+)/.exec(line)?.[1];
  try {
    for (const frame of captureOrder(fixture)) {
      let reader = sockets.get(frame.conn);
      if (!reader) {
        const root = byLabel.get(frame.conn)!.referredBy === null;
        const address = children.get(frame.conn) ?? (root ? entry : undefined);
        if (address === undefined) continue; // never referred there: a real client would not go
        addresses.set(frame.conn, address);
        const [host, port] = splitAddress(address);
        const socket = net.connect({ host, port });
        await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
        reader = new ByteReader(socket);
        sockets.set(frame.conn, reader);
      }
      if (frame.dir === 'c2s') {
        const replace = options.replace?.conn === frame.conn && options.replace.index === frame.index ? options.replace.line : null;
        if (replace !== null) reader.socket.write(`${replace}\r\n`);
        else reader.socket.write(frame.trId === null ? frame.bytes : withTokens(frame.bytes, frame.line!, (t) => { t[1] = String(frame.trId! + shift); }));
        continue;
      }
      if (reader.ended && reader.buffered.length === 0) continue;
      const got = await readFrame(reader, frame.payloadLength).catch(() => null);
      if (!got) continue;
      received.set(frame.conn, [...(received.get(frame.conn) ?? []), got.line]);
      const target = referralTarget(got.line);
      if (target) {
        // The recorded connection this referral led to: the next one referred by this connection.
        const child = fixture.connections.find((c) => c.referredBy === frame.conn && c.referralFrame === frame.index);
        if (child) children.set(child.label, target);
      }
      if (frame === byLabel.get(frame.conn)!.frames.at(-1) && byLabel.get(frame.conn)!.closedBy === 'client') reader.socket.end();
    }
    return { received, addresses };
  } finally {
    await new Promise((r) => setTimeout(r, 50));
    for (const r of sockets.values()) r.socket.destroy();
  }
}

export interface ServerChanges {
  /** Rewrites a recorded server frame before it is sent; return null to drop it. */
  change?(frame: ScriptFrame, bytes: Buffer): Buffer | null;
}

export interface FakeSession {
  entry: string;
  /** First line each fake server read from the client, by recorded connection. */
  firstLines: Map<string, string>;
  done: Promise<void>;
  close(): Promise<void>;
}

/**
 * One fake server per recorded connection, each playing its connection's server side in recorded
 * order; referrals point at the fake server of the connection they led to.
 */
export async function fakeServers(fixture: LoadedFixture, changes: ServerChanges = {}): Promise<FakeSession> {
  const servers = new Map<string, FakeServer>();
  for (const c of fixture.connections) servers.set(c.label, await FakeServer.start());
  const firstLines = new Map<string, string>();
  const readers: ByteReader[] = [];
  const childOf = (frame: ScriptFrame) => fixture.connections.find((c) => c.referredBy === frame.conn && c.referralFrame === frame.index);
  const plays = fixture.connections.map(async (c) => {
    const reader = await servers.get(c.label)!.accept();
    readers.push(reader);
    for (const frame of c.frames) {
      if (frame.dir === 'c2s') {
        const got = await readFrame(reader, frame.payloadLength);
        if (!firstLines.has(c.label)) firstLines.set(c.label, got.line);
        continue;
      }
      let bytes = frame.bytes;
      const child = childOf(frame);
      if (child && frame.line) {
        const at = frame.command === 'RNG' ? 2 : 3;
        bytes = withTokens(bytes, frame.line, (t) => { t[at] = servers.get(child.label)!.address; });
      }
      const changed = changes.change ? changes.change(frame, bytes) : bytes;
      if (changed) reader.socket.write(changed);
    }
    if (c.closedBy === 'server') reader.socket.end();
    await reader.end().catch(() => {});
    reader.socket.destroy();
  });
  const done = Promise.race([
    Promise.all(plays).then(() => {}),
    new Promise<void>((_, reject) => setTimeout(() => reject(new Error('fake servers did not finish')), TIMEOUT_MS * 4).unref()),
  ]);
  done.catch(() => {});
  const root = fixture.connections.find((c) => c.referredBy === null)!;
  return {
    entry: servers.get(root.label)!.address, firstLines, done,
    async close() {
      for (const r of readers) r.socket.destroy();
      for (const s of servers.values()) await s.close();
    },
  };
}

/** Rewrites one token of a frame's command line. */
export function changeToken(frame: ScriptFrame, bytes: Buffer, index: number, value: string): Buffer {
  return withTokens(bytes, bytes.toString('latin1', 0, bytes.indexOf(0x0d)), (t) => { t[index] = value; });
}

/** Replaces text in a payload frame and fixes its length token. */
export function changePayload(frame: ScriptFrame, bytes: Buffer, from: string, to: string): Buffer {
  const eol = bytes.indexOf(0x0a) + 1;
  const body = Buffer.from(bytes.subarray(eol).toString('latin1').replace(from, to), 'latin1');
  const line = frame.line!.split(' ');
  line[line.length - 1] = String(body.length);
  return Buffer.concat([Buffer.from(`${line.join(' ')}\r\n`, 'latin1'), body]);
}
