// Child process of the half-open fault: `node --import tsx half-open-clients.ts HOST:PORT COUNT` opens
// COUNT connections to HOST:PORT in batches, every other one sending half a command line, then goes
// silent (no FIN). Prints `open N` after each batch, `failed REASON` if a connection fails. On the stdin
// line `close` it ends them: those that sent half a line vanish with a reset, the others close with a
// FIN; it prints `closed N` once every socket is closed. Exits when stdin ends.
import net from 'node:net';
import { createInterface } from 'node:readline';

const [address, countArg] = process.argv.slice(2);
if (!address || !countArg) throw new Error('usage: half-open-clients.ts HOST:PORT COUNT');
const host = address.slice(0, address.lastIndexOf(':'));
const port = Number(address.slice(address.lastIndexOf(':') + 1));
const count = Number(countArg);
const BATCH = 250;
const HALF_LINE = 'VER 1 MSNP8 CV'; // no CRLF: the proxy holds a partial line

/** Open sockets, in the order they connected; `spoke`: it sent half a line. */
const sockets: Array<{ socket: net.Socket; spoke: boolean }> = [];
let failed = false;

function open(i: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (failed) return;
      failed = true;
      process.stdout.write(`failed ${e.code ?? e.message} after ${sockets.length} connections\n`);
      resolve();
    });
    socket.once('connect', () => {
      const spoke = i % 2 === 1;
      if (spoke) socket.write(HALF_LINE);
      sockets.push({ socket, spoke });
      resolve();
    });
  });
}

async function openAll(): Promise<void> {
  for (let at = 0; at < count && !failed; at += BATCH) {
    const batch: Array<Promise<void>> = [];
    for (let i = at; i < Math.min(count, at + BATCH); i++) batch.push(open(i));
    await Promise.all(batch);
    if (!failed) process.stdout.write(`open ${sockets.length}\n`);
  }
}

function closeAll(): void {
  let closed = 0;
  for (const { socket, spoke } of sockets) {
    socket.once('close', () => {
      if (++closed === sockets.length) process.stdout.write(`closed ${closed}\n`);
    });
    // By what each did, not by its place in the list (they connect in any order).
    if (spoke) socket.resetAndDestroy();
    else socket.destroy();
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'close') closeAll();
});
lines.on('close', () => process.exit(0));
await openAll();
