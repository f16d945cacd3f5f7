// Ports for tests and benchmarks that need an address nothing listens on.
import net from 'node:net';

/** A port nothing listens on: bound on 127.0.0.1, then released. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}
