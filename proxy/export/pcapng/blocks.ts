// pcapng block encoding (little-endian): section header, one interface, enhanced packet blocks.
const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const EPB = 0x00000006;
const OPT_COMMENT = 1;
const OPT_SHB_USERAPPL = 4;
const OPT_IF_NAME = 2;
/** Raw IPv4/IPv6 packets, no link layer. */
export const LINKTYPE_RAW = 101;

const pad4 = (n: number) => (n + 3) & ~3;

function option(code: number, value: Buffer): Buffer {
  const out = Buffer.alloc(4 + pad4(value.length));
  out.writeUInt16LE(code, 0);
  out.writeUInt16LE(value.length, 2);
  value.copy(out, 4);
  return out;
}

function options(list: Array<[number, string | undefined]>): Buffer {
  const present = list.filter((o): o is [number, string] => o[1] !== undefined && o[1] !== '');
  if (present.length === 0) return Buffer.alloc(0);
  return Buffer.concat([...present.map(([code, text]) => option(code, Buffer.from(text, 'utf8'))), Buffer.alloc(4)]);
}

function block(type: number, body: Buffer): Buffer {
  const total = 12 + body.length;
  const out = Buffer.alloc(total);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(total, 4);
  body.copy(out, 8);
  out.writeUInt32LE(total, total - 4);
  return out;
}

export function sectionHeader(application: string, comment?: string): Buffer {
  const fixed = Buffer.alloc(16);
  fixed.writeUInt32LE(0x1a2b3c4d, 0);
  fixed.writeUInt16LE(1, 4);
  fixed.writeUInt16LE(0, 6);
  fixed.writeBigInt64LE(-1n, 8); // section length not given
  return block(SHB, Buffer.concat([fixed, options([[OPT_COMMENT, comment], [OPT_SHB_USERAPPL, application]])]));
}

export function interfaceDescription(name: string): Buffer {
  const fixed = Buffer.alloc(8);
  fixed.writeUInt16LE(LINKTYPE_RAW, 0);
  fixed.writeUInt32LE(0, 4); // no snapshot limit
  return block(IDB, Buffer.concat([fixed, options([[OPT_IF_NAME, name]])]));
}

/** One packet on interface 0; `tMs` in milliseconds since the epoch (microsecond resolution). */
export function enhancedPacket(tMs: number, packet: Buffer, comment?: string): Buffer {
  const micros = BigInt(Math.round(tMs * 1000));
  const fixed = Buffer.alloc(20);
  fixed.writeUInt32LE(0, 0);
  fixed.writeUInt32LE(Number(micros >> 32n), 4);
  fixed.writeUInt32LE(Number(micros & 0xffffffffn), 8);
  fixed.writeUInt32LE(packet.length, 12);
  fixed.writeUInt32LE(packet.length, 16);
  const data = Buffer.alloc(pad4(packet.length));
  packet.copy(data);
  return block(EPB, Buffer.concat([fixed, data, options([[OPT_COMMENT, comment]])]));
}
