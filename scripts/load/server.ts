// The scripted MSNP server of the load test: one listener per role (dispatch, notification server, the
// switchboard clients ask for with XFR SB, the one they are invited to with RNG), answering each client
// request in the shapes of shapes.ts. It counts every byte and frame it receives and sends, in total and
// per client handle, so the load test can hold them against the capture.
import net from 'node:net';
import { type Version, VERSIONS, cookieOf, rep, versionOfCookie } from './shapes.js';
import { type Counts, FrameCutter, type WireFrame, addCounts, zeroCounts } from './wire.js';

export type Role = 'DS' | 'NS' | 'SB' | 'SB2';
const ROLES: Role[] = ['DS', 'NS', 'SB', 'SB2'];
const MAX_ERRORS = 50;

export interface ServerReport {
  total: Counts;
  byHandle: Record<string, Counts>;
  /** Connections accepted, per role. */
  accepted: Record<Role, number>;
  open: number;
  errors: string[];
}

export class ScriptedServer {
  readonly addresses = {} as Record<Role, string>;
  readonly #servers: net.Server[] = [];
  readonly #sockets = new Set<net.Socket>();
  readonly #total = zeroCounts();
  readonly #byHandle = new Map<string, Counts>();
  readonly #accepted: Record<Role, number> = { DS: 0, NS: 0, SB: 0, SB2: 0 };
  readonly #errors: string[] = [];
  #serial = 0;

  static async start(): Promise<ScriptedServer> {
    const s = new ScriptedServer();
    for (const role of ROLES) {
      const server = net.createServer({ allowHalfOpen: true }, (socket) => s.#accept(role, socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: 0, backlog: 2048 }, () => resolve());
      });
      server.on('error', (error) => s.#error(`${role} listener: ${error.message}`));
      s.#servers.push(server);
      s.addresses[role] = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    }
    return s;
  }

  report(): ServerReport {
    return {
      total: { ...this.#total },
      byHandle: Object.fromEntries(this.#byHandle),
      accepted: { ...this.#accepted },
      open: this.#sockets.size,
      errors: [...this.#errors],
    };
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all(this.#servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  #error(message: string): void {
    if (this.#errors.length < MAX_ERRORS) this.#errors.push(message);
  }

  #accept(role: Role, socket: net.Socket): void {
    this.#accepted[role]++;
    socket.setNoDelay(true);
    this.#sockets.add(socket);
    const counts = zeroCounts();
    const cutter = new FrameCutter();
    const state = { version: null as Version | null, handle: null as string | null, client: 0, chg: 0 };
    const send = (frames: Buffer[]) => {
      if (frames.length === 0 || socket.destroyed || socket.writableEnded) return;
      const bytes = frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames);
      counts.s2cBytes += bytes.length;
      counts.s2cFrames += frames.length;
      socket.write(bytes);
    };
    const fail = (why: string) => {
      this.#error(`${role} ${state.handle ?? '?'}: ${why}`);
      socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => {
      counts.c2sBytes += chunk.length;
      for (const f of cutter.push(chunk)) {
        counts.c2sFrames++;
        try {
          const reply = this.#answer(role, f, state);
          if (reply === 'end') {
            socket.end();
          } else {
            send(reply);
            if (role === 'DS' && f.command === 'USR') socket.end(); // the dispatch server's job is done
          }
        } catch (error) {
          fail(`${(error as Error).message} (on ${JSON.stringify(f.line)})`);
          return;
        }
      }
    });
    socket.on('end', () => {
      if (cutter.pending > 0) this.#error(`${role} ${state.handle ?? '?'}: ${cutter.pending} bytes of an unfinished frame at the end`);
      if (!socket.writableEnded) socket.end();
    });
    socket.on('error', (error) => this.#error(`${role} ${state.handle ?? '?'}: ${error.message}`));
    socket.on('close', () => {
      this.#sockets.delete(socket);
      addCounts(this.#total, counts);
      const key = state.handle ?? '(unknown)';
      addCounts(this.#byHandle.get(key) ?? this.#byHandle.set(key, zeroCounts()).get(key) as Counts, counts);
    });
  }

  /** The frames answering one client frame (none for some), or 'end' to close our side. */
  #answer(role: Role, f: WireFrame, state: { version: Version | null; handle: string | null; client: number; chg: number }): Buffer[] | 'end' {
    const t = f.line.split(' ');
    const trId = Number(t[1]);
    const v = () => {
      if (state.version === null) throw new Error('no version yet');
      return state.version;
    };
    const learn = (handle: string) => {
      state.handle = handle.split(';')[0] as string;
      state.client = Number(/^[ud](\d+)@/.exec(state.handle)?.[1] ?? 0);
    };
    if (role === 'DS' || role === 'NS') {
      switch (f.command) {
        case 'VER': {
          const version = Number(t[2]?.replace('MSNP', ''));
          if (!(VERSIONS as readonly number[]).includes(version)) throw new Error('unknown version');
          state.version = version as Version;
          return [rep.ver(state.version, trId)];
        }
        case 'INF': case 'CVR': return [rep.cvr(v(), trId)];
        case 'USR':
          if (t[3] === 'I') {
            learn(t[4] ?? '');
            if (role === 'DS') return [rep.xfrNs(v(), trId, this.addresses.NS, this.addresses.DS)];
            return rep.usrChallenge(v(), trId);
          }
          if (role === 'NS' && t[3] === 'S' && state.handle) return rep.usrOk(v(), trId, state.handle);
          break;
        case 'OUT': return 'end';
      }
      if (role === 'NS' && state.handle) {
        switch (f.command) {
          case 'SYN': case 'ADL': return [rep.list(v(), trId)];
          case 'PNG': return [rep.qng(v())];
          case 'CHG': {
            const answer = rep.chg(v(), trId, t[2] ?? '');
            if (state.chg++ === 0) return [answer, rep.nln(v())];
            const serial = ++this.#serial;
            return [answer, rep.rng(v(), String(10_000_000 + serial), this.addresses.SB2, cookieOf(state.client, v(), serial))];
          }
          case 'XFR':
            if (t[2] === 'SB') return [rep.xfrSb(v(), trId, this.addresses.SB, cookieOf(state.client, v(), ++this.#serial))];
        }
      }
      throw new Error('unexpected command');
    }
    // Switchboards: the first line names the client and its cookie, which names the version.
    if (state.version === null) {
      const cookie = t[3] ?? '';
      const version = versionOfCookie(cookie);
      if (!version) throw new Error(`bad cookie ${cookie}`);
      if (role === 'SB' && f.command === 'USR') {
        learn(t[2] ?? '');
        state.version = version;
        return [rep.sbUsrOk(version, state.handle as string)];
      }
      if (role === 'SB2' && f.command === 'ANS') {
        learn(t[2] ?? '');
        state.version = version;
        return [rep.iro(version), rep.ansOk(), rep.message('carol@example.com', 0)];
      }
      throw new Error('unexpected first command');
    }
    switch (f.command) {
      case 'CAL': if (role === 'SB') return [rep.ringing(trId), rep.joi(v())]; break;
      case 'MSG':
        if (t[2] === 'U') return [];
        if (t[2] === 'A') return [rep.ack(trId), rep.message(role === 'SB' ? 'bob@example.com' : 'carol@example.com', trId)];
        break;
      case 'OUT': return [];
    }
    throw new Error('unexpected command');
  }
}
