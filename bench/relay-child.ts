// Diagnostic relays for the latency benchmark, each in its own process
// (`node --import tsx bench/relay-child.ts MODE UPSTREAM_PORT`), announced on stdout as `ready PORT`:
//   pipe    a bare Node relay (socket.pipe both ways, no delay): what Node itself costs
//   relay   the project's Relay (proxy/relay/relay.ts) with the address rewriter but a no-op capture tap:
//           the proxy minus the capture
//   decode  the Relay with a tap that frames and decodes each read (ConnectionDecoder) but stores nothing:
//           the proxy minus the capture store
import net from 'node:net';
import { ConnectionDecoder, SessionContext } from '../proxy/decode/connection.js';
import { Relay } from '../proxy/relay/relay.js';

const [mode, upstreamArg] = process.argv.slice(2);
const upstream = { host: '127.0.0.1', port: Number(upstreamArg) };

const session = new SessionContext();
const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
  if (mode === 'relay') {
    new Relay(client, { upstream, redirect: () => null }, { chunk() {}, rewrite() {}, close() {} });
    return;
  }
  if (mode === 'decode') {
    let frames = 0;
    const decoder = new ConnectionDecoder('conn1', session, () => { frames++; });
    new Relay(client, { upstream, redirect: () => null }, {
      chunk: (dir, bytes, tsWall) => decoder.push(dir, bytes, tsWall),
      rewrite() {},
      close: (_reason, tsWall) => decoder.end(tsWall),
    });
    return;
  }
  client.setNoDelay(true);
  const up = net.connect(upstream, () => client.resume());
  up.setNoDelay(true);
  client.pipe(up).on('error', () => client.destroy());
  up.pipe(client).on('error', () => up.destroy());
  client.on('error', () => up.destroy());
  up.on('error', () => client.destroy());
});
if (mode !== 'pipe' && mode !== 'relay' && mode !== 'decode') {
  process.stderr.write('usage: bench/relay-child.ts pipe|relay|decode UPSTREAM_PORT\n');
  process.exit(2);
}
server.listen({ host: '127.0.0.1', port: 0 }, () => {
  process.stdout.write(`ready ${(server.address() as net.AddressInfo).port}\n`);
});
setInterval(() => { if (process.ppid === 1) process.exit(0); }, 1000).unref();
