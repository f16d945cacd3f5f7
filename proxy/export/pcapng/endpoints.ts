// Addresses for the synthesised streams: the connection's own when they are IPv4 "ip:port", made-up
// 10.x addresses otherwise (they only appear inside the file; nothing is ever contacted). The server
// side always gets TCP port 1863 so Wireshark's MSN dissector (msnms) recognises every stream; the
// real server address goes into the SYN's comment.
import type { Endpoint } from './ipv4-tcp.js';

export const MSNP_PORT = 1863;

function ipv4(address: string | null): { ip: number[]; port: number } | null {
  const m = address === null ? null : /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/.exec(address);
  if (!m) return null;
  const ip = m.slice(1, 5).map(Number);
  const port = Number(m[5]);
  return ip.every((o) => o <= 255) && port > 0 && port <= 65535 ? { ip, port } : null;
}

export class EndpointAllocator {
  readonly #used = new Set<string>();
  #made = 0;

  /** Client and server endpoints for one connection; never the same 4-tuple twice. */
  pair(client: string | null, upstream: string | null): { client: Endpoint; server: Endpoint } {
    const n = ++this.#made;
    const c = ipv4(client) ?? { ip: [10, 0, (n >> 8) & 0xff, n & 0xff], port: 49152 + (n % 16384) };
    const s = ipv4(upstream)?.ip ?? [10, 1, (n >> 8) & 0xff, n & 0xff];
    let port = c.port === MSNP_PORT ? c.port + 1 : c.port;
    while (this.#used.has(`${c.ip.join('.')}:${port} ${s.join('.')}`)) port = port >= 65535 ? 1024 : port + 1;
    this.#used.add(`${c.ip.join('.')}:${port} ${s.join('.')}`);
    return { client: { ip: c.ip, port }, server: { ip: s, port: MSNP_PORT } };
  }
}
