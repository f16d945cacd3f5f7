// Stand-in MSNP servers for the benchmarks, each run in its own process (`node --import tsx bench/server.ts MODE`)
// on an ephemeral 127.0.0.1 port, announced on stdout as `ready PORT`:
//   echo          answers `PNG` with `QNG 50` and echoes every other line
//   stream BYTES  sends BYTES of switchboard `MSG` frames to each client while swallowing what it sends;
//                 ends its side once both are done and prints `done RECEIVED SENT`
//   idle          accepts and never says anything; prints `accepted N` as the count changes
import net from 'node:net';
import { messageBlock } from './traffic.js';

const [mode, arg] = process.argv.slice(2);

function listen(server: net.Server): void {
  server.on('error', (error) => {
    process.stderr.write(`bench server: ${error.message}\n`);
    process.exit(1);
  });
  server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, () => {
    process.stdout.write(`ready ${(server.address() as net.AddressInfo).port}\n`);
  });
}

function echo(): net.Server {
  return net.createServer((socket) => {
    socket.setNoDelay(true);
    let pending = '';
    socket.on('data', (data) => {
      pending += data.toString('latin1');
      let eol: number;
      let out = '';
      while ((eol = pending.indexOf('\r\n')) >= 0) {
        const line = pending.slice(0, eol);
        pending = pending.slice(eol + 2);
        out += line === 'PNG' ? 'QNG 50\r\n' : `${line}\r\n`;
      }
      if (out) socket.write(out);
    });
    socket.on('error', () => {});
  });
}

function stream(total: number): net.Server {
  const block = messageBlock('s2c', 8, 8192, 0); // 8 frames per write, ~64 KiB
  return net.createServer({ allowHalfOpen: true }, (socket) => {
    let received = 0;
    let sent = 0;
    let clientEnded = false;
    let sending = true;
    const finish = () => {
      if (!clientEnded || sending) return;
      socket.end();
      process.stdout.write(`done ${received} ${sent}\n`);
    };
    socket.on('data', (data) => { received += data.length; });
    socket.on('end', () => {
      clientEnded = true;
      finish();
    });
    socket.on('error', (error) => process.stderr.write(`bench server: ${error.message}\n`));
    const pump = () => {
      while (sent < total) {
        const piece = total - sent >= block.length ? block : block.subarray(0, total - sent);
        sent += piece.length;
        if (!socket.write(piece)) {
          socket.once('drain', pump);
          return;
        }
      }
      sending = false;
      finish();
    };
    pump();
  });
}

function idle(): net.Server {
  let count = 0;
  let reported = -1;
  const server = net.createServer((socket) => {
    count++;
    socket.on('error', () => {});
    socket.on('close', () => { count--; });
  });
  setInterval(() => {
    if (count === reported) return;
    reported = count;
    process.stdout.write(`accepted ${count}\n`);
  }, 50);
  return server;
}

switch (mode) {
  case 'echo': listen(echo()); break;
  case 'stream': listen(stream(Number(arg))); break;
  case 'idle': listen(idle()); break;
  default:
    process.stderr.write('usage: bench/server.ts echo | stream BYTES | idle\n');
    process.exit(2);
}
// The parent going away (killed, crashed) must not leave this server behind.
setInterval(() => { if (process.ppid === 1) process.exit(0); }, 1000).unref();
