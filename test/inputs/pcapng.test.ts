import { describe, expect, it } from 'vitest';
import { readPcapng } from '../../proxy/decode/inputs/pcapng.js';
import type { InputResult } from '../../proxy/decode/inputs/types.js';
import { PcapngBuilder, TcpConversation, ethernet, linuxSll, toFrames } from '../helpers/pcap-writer.js';

const conv = () => new TcpConversation({ ip: '10.0.0.2', port: 50123 }, { ip: '10.0.0.5', port: 1863 });
const texts = (r: InputResult) => r.chunks.map((c) => `${c.conn} ${c.dir} ${c.bytes.toString('latin1')}`);
const SECOND = 1_700_000_000n;

function loginFrames(link = ethernet) {
  const c = conv();
  return toFrames([...c.handshake(), c.c2s('VER 1 MSNP8\r\n'), c.s2c('VER 1 MSNP8\r\n')], link).map((f) => f.data);
}

describe('pcapng reader', () => {
  it.each([false, true])('reads a section written big-endian=%s', (bigEndian) => {
    const b = new PcapngBuilder(bigEndian).section().iface(1);
    loginFrames().forEach((d, i) => b.packet(0, (SECOND + BigInt(i)) * 1_000_000n + 250n, d));
    const r = readPcapng(b.build());
    expect(r.format).toBe('pcapng');
    expect(r.issues).toEqual([]);
    expect(texts(r)).toEqual(['conn1 c2s VER 1 MSNP8\r\n', 'conn1 s2c VER 1 MSNP8\r\n']);
    expect(r.chunks[0]!.t_ms).toBeCloseTo(1_700_000_003_000.25, 3); // default resolution: microseconds
  });

  it('honours if_tsresol (decimal and binary) and if_tsoffset per interface', () => {
    const frames = loginFrames();
    const ns = new PcapngBuilder().section().iface(1, { tsresol: 9 });
    frames.forEach((d) => ns.packet(0, SECOND * 1_000_000_000n + 123_456_789n, d));
    expect(readPcapng(ns.build()).chunks[0]!.t_ms).toBeCloseTo(1_700_000_000_123.456789, 3);

    const bin = new PcapngBuilder().section().iface(1, { tsresol: 0x80 | 10 }); // 1/1024 s
    frames.forEach((d) => bin.packet(0, 2048n + 512n, d));
    expect(readPcapng(bin.build()).chunks[0]!.t_ms).toBe(2500);

    const off = new PcapngBuilder().section().iface(1, { tsresol: 3, tsoffsetSeconds: 1000 });
    frames.forEach((d) => off.packet(0, 1500n, d));
    expect(readPcapng(off.build()).chunks[0]!.t_ms).toBe(1_001_500);
  });

  it('maps packets to their interface link type and skips blocks it does not need', () => {
    const eth = loginFrames(ethernet);
    const sll = loginFrames(linuxSll);
    const b = new PcapngBuilder().section().iface(1).iface(113, { tsresol: 9 });
    b.block(4, Buffer.from([0, 0, 0, 0])); // name resolution block
    b.block(0x00000bad, Buffer.from('custom stuff'));
    eth.slice(0, 3).forEach((d, i) => b.packet(0, BigInt(i), d));
    b.packet(1, 3_000_000n, sll[3]!);
    b.packet(0, 4n, eth[4]!);
    b.packet(7, 5n, eth[4]!); // undeclared interface
    b.block(5, Buffer.alloc(20)); // interface statistics
    const r = readPcapng(b.build());
    expect(texts(r)).toEqual(['conn1 c2s VER 1 MSNP8\r\n', 'conn1 s2c VER 1 MSNP8\r\n']);
    expect(r.chunks[0]!.t_ms).toBe(3);
    expect(r.issues).toEqual(['pcapng: packet on undeclared interface 7 skipped']);
  });

  it('reads simple packet blocks with the last timestamp seen', () => {
    const frames = loginFrames();
    const b = new PcapngBuilder().section().iface(1, { tsresol: 3 });
    b.packet(0, 42n, frames[0]!);
    frames.slice(1).forEach((d) => b.simplePacket(d));
    const r = readPcapng(b.build());
    expect(texts(r)).toEqual(['conn1 c2s VER 1 MSNP8\r\n', 'conn1 s2c VER 1 MSNP8\r\n']);
    expect(r.chunks.map((c) => c.t_ms)).toEqual([42, 42]);
  });

  it('starts afresh at each section, whatever its byte order', () => {
    const frames = loginFrames();
    const first = new PcapngBuilder().section().iface(1);
    frames.slice(0, 4).forEach((d) => first.packet(0, 1n, d));
    const second = new PcapngBuilder(true).section().iface(113).iface(1);
    second.packet(1, 2n, frames[4]!); // interface 1 of the new section is Ethernet
    const r = readPcapng(Buffer.concat([first.build(), second.build()]));
    expect(r.issues).toEqual([]);
    expect(texts(r)).toEqual(['conn1 c2s VER 1 MSNP8\r\n', 'conn1 s2c VER 1 MSNP8\r\n']);
  });

  it('stops with an issue at a block with an impossible length', () => {
    const frames = loginFrames();
    const b = new PcapngBuilder().section().iface(1);
    frames.forEach((d, i) => b.packet(0, BigInt(i), d));
    const whole = b.build();
    const cut = whole.subarray(0, whole.length - 6);
    const r = readPcapng(cut);
    expect(texts(r)).toEqual(['conn1 c2s VER 1 MSNP8\r\n']);
    expect(r.issues[0]).toMatch(/impossible length/);
    expect(readPcapng(Buffer.from('not a capture at all')).issues[0]).toMatch(/not a pcapng file/);
  });
});
