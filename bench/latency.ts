// Round-trip latency added by the proxy (capture on), against the latency a plain relay (socat) adds,
// both measured in the same run against the same echo server: the figure that counts is the ratio of
// the added latencies, (proxy − direct) / (socat − direct). Every relay is a process of its own.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { type Child, percentile, spawnProxy, spawnRelayChild, spawnServer, spawnSocat, tempDir } from './harness.js';

const ROUND_TRIPS = Number(process.env.LATENCY_N ?? 5000);
const WARMUP = 500;
const ROUNDS = 10; // the modes take turns, ROUND_TRIPS / ROUNDS round trips at a time, so drift hits all alike
const TIMEOUT_MS = 120_000;

interface Mode {
  name: string;
  socket: net.Socket;
  samples: number[];
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.setNoDelay(true);
    socket.once('error', reject);
  });
}

let trId = 1;

/** `count` sequential request/response round trips (PNG → QNG 50, CHG → echoed CHG); latencies in µs. */
function roundTrips(socket: net.Socket, count: number, out: number[] | null): Promise<void> {
  return new Promise((resolve, reject) => {
    let i = 0;
    let t0 = 0;
    let expect = '';
    let got = '';
    const timer = setTimeout(() => done(new Error(`round trips timed out after ${i} of ${count}`)), TIMEOUT_MS);
    const done = (error?: Error) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', done);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onClose = () => done(new Error('connection closed during round trips'));
    const send = () => {
      let request: string;
      if (i % 2 === 0) {
        request = 'PNG\r\n';
        expect = 'QNG 50\r\n';
      } else {
        request = `CHG ${trId++} NLN 0 %3Cmsnobj%2F%3E\r\n`;
        expect = request;
      }
      t0 = performance.now();
      socket.write(request);
    };
    const onData = (data: Buffer) => {
      got += data.toString('latin1');
      if (got.length < expect.length) return;
      const t = performance.now();
      if (got !== expect) {
        done(new Error(`unexpected reply ${JSON.stringify(got)} (expected ${JSON.stringify(expect)})`));
        return;
      }
      out?.push((t - t0) * 1000);
      got = '';
      if (++i === count) done();
      else send();
    };
    socket.on('data', onData);
    socket.once('error', done);
    socket.once('close', onClose);
    send();
  });
}

const us = (v: number) => `${v.toFixed(0).padStart(5)} µs`;

export async function benchLatency(): Promise<void> {
  const tmp = tempDir('latency');
  const started: Child[] = [];
  const sockets: net.Socket[] = [];
  try {
    const server = await spawnServer('echo');
    started.push(server.child);
    const socat = await spawnSocat(server.port);
    if (socat) started.push(socat.child);
    const proxy = await spawnProxy(server.port, join(tmp.dir, 'latency.sqlite'));
    started.push(proxy.child);
    // For information, to split the proxy's added latency: Node itself, then the relay without capture.
    const pipe = await spawnRelayChild('pipe', server.port);
    started.push(pipe.child);
    const bare = await spawnRelayChild('relay', server.port);
    started.push(bare.child);
    const decodeOnly = await spawnRelayChild('decode', server.port);
    started.push(decodeOnly.child);

    const modes: Mode[] = [];
    const add = async (name: string, port: number) => {
      const socket = await connect(port);
      sockets.push(socket);
      modes.push({ name, socket, samples: [] });
    };
    await add('direct', server.port);
    if (socat) await add('socat', socat.port);
    await add('proxy', proxy.port);
    await add('node-pipe', pipe.port);
    await add('relay-no-capture', bare.port);
    await add('relay-decode-only', decodeOnly.port);

    for (const m of modes) await roundTrips(m.socket, WARMUP, null);
    const perRound = Math.ceil(ROUND_TRIPS / ROUNDS);
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < modes.length; k++) {
        const m = modes[(r + k) % modes.length] as Mode;
        await roundTrips(m.socket, perRound, m.samples);
      }
    }

    const stats = new Map(modes.map((m) => {
      const sorted = Float64Array.from(m.samples).sort();
      const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
      return [m.name, { p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean, n: sorted.length }];
    }));
    const direct = stats.get('direct')!;
    console.log(`\nround-trip latency (${perRound * ROUNDS} sequential PNG/CHG round trips per path, ${ROUNDS} interleaved rounds, after ${WARMUP} warm-up; client, server and relay in separate processes)`);
    for (const [name, s] of stats) {
      const added = name === 'direct' ? '' : `   added p50 ${us(s.p50 - direct.p50)}, p99 ${us(s.p99 - direct.p99)}`;
      console.log(`  ${name.padEnd(17)} p50 ${us(s.p50)}  p99 ${us(s.p99)}  mean ${us(s.mean)}${added}`);
    }
    if (!socat) console.log('  socat baseline skipped: socat is not installed (apt-get install socat)');
    const p = stats.get('proxy')!;
    const s = stats.get('socat');
    if (s) {
      const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : 'n/a (socat adds nothing measurable)');
      console.log(`  ratio added proxy / added socat: p50 ${ratio(p.p50 - direct.p50, s.p50 - direct.p50)} (target <= 1.0), p99 ${ratio(p.p99 - direct.p99, s.p99 - direct.p99)}`);
      const pipeP50 = stats.get('node-pipe')!.p50;
      const bareP50 = stats.get('relay-no-capture')!.p50;
      const decodeP50 = stats.get('relay-decode-only')!.p50;
      console.log(`  proxy's added p50, split (informational): Node sockets ${us(pipeP50 - direct.p50)} + Relay class ${us(bareP50 - pipeP50)} + decoding ${us(decodeP50 - bareP50)} + capture store ${us(p.p50 - decodeP50)}`);
      console.log(`  a bare Node relay alone adds ${ratio(pipeP50 - direct.p50, s.p50 - direct.p50)} x what socat adds`);
    }
  } finally {
    for (const socket of sockets) socket.destroy();
    for (const child of started.reverse()) await child.stop();
    tmp.remove();
  }
}
