// Synthesised IPv4 + TCP headers (no options) with correct checksums.
export const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

export interface Endpoint {
  ip: number[]; // four octets
  port: number;
}

export interface Segment {
  from: Endpoint;
  to: Endpoint;
  seq: number;
  ack: number;
  flags: number;
  payload: Buffer;
}

function checksum(buf: Buffer, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length % 2 === 1) sum += buf[buf.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

let ipId = 0;

export function packet(s: Segment): Buffer {
  const tcp = Buffer.alloc(20 + s.payload.length);
  tcp.writeUInt16BE(s.from.port, 0);
  tcp.writeUInt16BE(s.to.port, 2);
  tcp.writeUInt32BE(s.seq >>> 0, 4);
  tcp.writeUInt32BE(s.ack >>> 0, 8);
  tcp[12] = 5 << 4;
  tcp[13] = s.flags;
  tcp.writeUInt16BE(65535, 14);
  s.payload.copy(tcp, 20);
  const pseudo = Buffer.from([...s.from.ip, ...s.to.ip, 0, 6, tcp.length >> 8, tcp.length & 0xff]);
  let sum = 0;
  for (let i = 0; i < pseudo.length; i += 2) sum += pseudo.readUInt16BE(i);
  tcp.writeUInt16BE(checksum(tcp, sum), 16);

  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + tcp.length, 2);
  ip.writeUInt16BE(ipId = (ipId + 1) & 0xffff, 4);
  ip.writeUInt16BE(0x4000, 6); // don't fragment
  ip[8] = 64;
  ip[9] = 6;
  Buffer.from(s.from.ip).copy(ip, 12);
  Buffer.from(s.to.ip).copy(ip, 16);
  ip.writeUInt16BE(checksum(ip), 10);
  return Buffer.concat([ip, tcp]);
}
