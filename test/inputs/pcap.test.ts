// Synthetic captures for the link layers, IP versions and TCP reassembly edge cases.
import { describe, expect, it } from 'vitest';
import { readPcap } from '../../proxy/decode/inputs/pcap.js';
import type { InputResult } from '../../proxy/decode/inputs/types.js';
import {
  FLAG,
  TcpConversation,
  ethernet,
  ipv4Packet,
  ipv6Packet,
  linuxSll,
  linuxSll2,
  nullLoopback,
  toFrames,
  writePcap,
  type CapturedPacket,
} from '../helpers/pcap-writer.js';

const CLIENT = { ip: '10.0.0.2', port: 50123 };
const NS = { ip: '10.0.0.5', port: 1863 };

const texts = (r: InputResult) => r.chunks.map((c) => `${c.conn} ${c.dir} ${c.bytes.toString('latin1')}`);
const ethPcap = (frames: CapturedPacket[]) => readPcap(writePcap(frames, { linkType: 1 }));
const run = (segs: Parameters<typeof toFrames>[0]) => ethPcap(toFrames(segs, ethernet));

function login(conv = new TcpConversation(CLIENT, NS)) {
  return [...conv.handshake(), conv.c2s('VER 1 MSNP8 CVR0\r\n'), conv.s2c('VER 1 MSNP8\r\n'), conv.c2s('OUT\r\n')];
}

describe('pcap container', () => {
  const frames = toFrames(login(), ethernet, 1_700_000_000_123.456);

  it('reads little- and big-endian, micro- and nanosecond files alike', () => {
    const variants = [
      readPcap(writePcap(frames, { linkType: 1 })),
      readPcap(writePcap(frames, { linkType: 1, bigEndian: true })),
      readPcap(writePcap(frames, { linkType: 1, nano: true })),
      readPcap(writePcap(frames, { linkType: 1, nano: true, bigEndian: true })),
    ];
    for (const r of variants) {
      expect(r.format).toBe('pcap');
      expect(r.issues).toEqual([]);
      expect(texts(r)).toEqual(['conn1 c2s VER 1 MSNP8 CVR0\r\n', 'conn1 s2c VER 1 MSNP8\r\n', 'conn1 c2s OUT\r\n']);
      expect(r.connections).toEqual([{ conn: 'conn1', client: '10.0.0.2:50123', server: '10.0.0.5:1863' }]);
      expect(r.chunks[0]!.t_ms).toBeCloseTo(1_700_000_000_126.456, 3); // fourth frame
    }
  });

  it('keeps nanosecond fractions', () => {
    const nano = readPcap(writePcap(toFrames(login(), ethernet, 1_000.000_25), { linkType: 1, nano: true }));
    expect(nano.chunks[0]!.t_ms).toBeCloseTo(1_003.000_25, 6);
  });

  it('reports a file cut short and keeps what came before', () => {
    const whole = writePcap(frames, { linkType: 1 });
    const r = readPcap(whole.subarray(0, whole.length - 10));
    expect(texts(r)).toEqual(['conn1 c2s VER 1 MSNP8 CVR0\r\n', 'conn1 s2c VER 1 MSNP8\r\n']);
    expect(r.issues[0]).toMatch(/file ends first/);
    expect(readPcap(whole.subarray(0, 20)).issues[0]).toMatch(/shorter than its 24-byte header/);
  });

  it('reports frames truncated by the snapshot length as gaps', () => {
    const conv = new TcpConversation(CLIENT, NS);
    const segs = [...conv.handshake(), conv.s2c('MSG Hotmail Hotmail 10\r\n0123456789'), conv.s2c('QNG 50\r\n')];
    const packets = toFrames(segs, ethernet);
    const big = packets[3]!;
    packets[3] = { t_ms: big.t_ms, data: big.data.subarray(0, big.data.length - 4), origLen: big.data.length };
    const r = ethPcap(packets);
    expect(texts(r)).toEqual(['conn1 s2c MSG Hotmail Hotmail 10\r\n012345', 'conn1 s2c QNG 50\r\n']);
    expect(r.issues.some((i) => /truncated by the capture snapshot length/.test(i))).toBe(true);
    expect(r.issues.some((i) => /conn1: 4 byte\(s\) s2c missing/.test(i))).toBe(true);
  });
});

describe('link layers and IP versions', () => {
  const ip4 = login();
  const expected = ['conn1 c2s VER 1 MSNP8 CVR0\r\n', 'conn1 s2c VER 1 MSNP8\r\n', 'conn1 c2s OUT\r\n'];

  it.each([
    ['Ethernet', 1, ethernet],
    ['Ethernet with an 802.1Q tag', 1, (ip: Buffer) => ethernet(ip, 42)],
    ['Linux cooked (SLL)', 113, linuxSll],
    ['Linux cooked v2 (SLL2)', 276, linuxSll2],
    ['BSD loopback, little-endian family', 0, (ip: Buffer) => nullLoopback(ip, true)],
    ['BSD loopback, big-endian family', 0, (ip: Buffer) => nullLoopback(ip, false)],
    ['raw IP', 101, (ip: Buffer) => ip],
    ['raw IPv4', 228, (ip: Buffer) => ip],
  ] as const)('%s', (_name, linkType, link) => {
    const r = readPcap(writePcap(toFrames(ip4, link), { linkType }));
    expect(r.issues).toEqual([]);
    expect(texts(r)).toEqual(expected);
  });

  it('IPv6 with a hop-by-hop extension header, on Ethernet and raw IPv6', () => {
    const conv = new TcpConversation({ ip: '2001:db8::2', port: 50123 }, { ip: '2001:db8::5', port: 1863 });
    const segs = login(conv);
    const frames = segs.map((s, i) => ({ t_ms: i, data: ipv6Packet(s.src, s.dst, s.tcp, { hopByHop: i % 2 === 0 }) }));
    for (const r of [
      readPcap(writePcap(frames.map((f) => ({ ...f, data: ethernet(f.data) })), { linkType: 1 })),
      readPcap(writePcap(frames, { linkType: 229 })),
    ]) {
      expect(r.issues).toEqual([]);
      expect(texts(r)).toEqual(expected);
      expect(r.connections).toEqual([{ conn: 'conn1', client: '[2001:db8::2]:50123', server: '[2001:db8::5]:1863' }]);
    }
  });

  it('IPv4 headers with options', () => {
    const options = Buffer.from([0x01, 0x01, 0x01, 0x00]); // NOP NOP NOP EOL
    const frames = ip4.map((s, i) => ({ t_ms: i, data: ethernet(ipv4Packet(s.src, s.dst, s.tcp, { options })) }));
    expect(texts(ethPcap(frames))).toEqual(expected);
  });

  it('skips IP fragments with an issue', () => {
    const conv = new TcpConversation(CLIENT, NS);
    const segs = [...conv.handshake(), conv.c2s('VER 1 MSNP8\r\n')];
    const frames = toFrames(segs, ethernet);
    const s = segs[3]!;
    frames.push({ t_ms: 9, data: ethernet(ipv4Packet(s.src, s.dst, s.tcp, { moreFragments: true })) });
    frames.push({ t_ms: 10, data: ethernet(ipv6Packet('2001:db8::2', '2001:db8::5', s.tcp, { hopByHop: true, fragment: true })) });
    const r = ethPcap(frames);
    expect(texts(r)).toEqual(['conn1 c2s VER 1 MSNP8\r\n']);
    expect(r.issues.filter((i) => /IPv4 fragment 10\.0\.0\.2 -> 10\.0\.0\.5 skipped/.test(i))).toHaveLength(1);
    expect(r.issues.filter((i) => /IPv6 fragment .* skipped/.test(i))).toHaveLength(1);
  });

  it('reports an unknown link type once', () => {
    const r = readPcap(writePcap(toFrames(ip4), { linkType: 147 }));
    expect(r.chunks).toEqual([]);
    expect(r.issues).toEqual(['frame 1: unsupported link type 147 (and 5 more frames)']);
  });
});

describe('TCP reassembly', () => {
  it('puts out-of-order segments back in sequence order', () => {
    const conv = new TcpConversation(CLIENT, NS);
    const hs = conv.handshake();
    const a = conv.s2c('SYN 1 ');
    const b = conv.s2c('27 0\r\n');
    const c = conv.s2c('GTC A\r\n');
    const r = run([...hs, a, c, b]);
    expect(texts(r)).toEqual(['conn1 s2c SYN 1 ', 'conn1 s2c 27 0\r\n', 'conn1 s2c GTC A\r\n']);
    expect(r.issues).toEqual([]);
    // The held-back segment is delivered when the hole fills, so time never runs backwards.
    expect(r.chunks.map((ch) => ch.t_ms)).toEqual([1_000_003, 1_000_005, 1_000_005]);
  });

  it('drops retransmissions and keeps only the new tail of overlapping segments', () => {
    const conv = new TcpConversation(CLIENT, NS);
    const hs = conv.handshake();
    const a = conv.s2c('GTC A\r\n');
    const b = conv.s2c('BLP AL\r\n');
    // A resend that repeats the end of `a` together with new bytes.
    const overlap = { ...b, tcp: { ...b.tcp, seq: a.tcp.seq + 4, payload: 'A\r\nBLP AL\r\nPRP' } };
    const after = conv.s2c('ZZZ'); // sequence space continues after 'BLP AL\r\n'
    after.tcp.seq += 3;
    after.tcp.payload = ' MFN x\r\n';
    const r = run([...hs, a, a, overlap, b, after]);
    expect(texts(r)).toEqual(['conn1 s2c GTC A\r\n', 'conn1 s2c BLP AL\r\nPRP', 'conn1 s2c  MFN x\r\n']);
    expect(r.issues).toEqual(['conn1: 2 retransmitted or duplicate segment(s) dropped']);
  });

  it('reports a segment the capture lost and carries on after it', () => {
    const conv = new TcpConversation(CLIENT, NS);
    const hs = conv.handshake();
    const a = conv.s2c('LST a@b.c A 13 0\r\n');
    conv.s2c('LST lost@b.c L 13 0\r\n'); // never captured
    const c = conv.s2c('LST d@e.f D 13 0\r\n');
    const r = run([...hs, a, c]);
    expect(texts(r)).toEqual(['conn1 s2c LST a@b.c A 13 0\r\n', 'conn1 s2c LST d@e.f D 13 0\r\n']);
    expect(r.issues).toEqual(['conn1: 21 byte(s) s2c missing from the capture (lost segment); continuing after the gap']);
  });

  it('gives up on a hole as soon as the receiver acknowledges past it', () => {
    const conv = new TcpConversation(CLIENT, NS);
    const hs = conv.handshake();
    const a = conv.s2c('CHG 9 NLN 0\r\n');
    conv.s2c('ILN 9 NLN x@y.z X 0\r\n'); // never captured
    const c = conv.s2c('ILN 9 IDL y@y.z Y 0\r\n');
    const ack = conv.ackFrom(true);
    const next = conv.c2s('PNG\r\n');
    const r = run([...hs, a, c, ack, next]);
    expect(texts(r)).toEqual(['conn1 s2c CHG 9 NLN 0\r\n', 'conn1 s2c ILN 9 IDL y@y.z Y 0\r\n', 'conn1 c2s PNG\r\n']);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatch(/^conn1: 21 byte\(s\) s2c missing/);
  });

  it('handles sequence numbers that wrap around 2^32', () => {
    const conv = new TcpConversation(CLIENT, NS, { client: 0xfffffff8, server: 0xfffffffe });
    const segs = [...conv.handshake(), conv.c2s('VER 1 MSNP8\r\n'), conv.c2s('CVR 2 x\r\n'), conv.s2c('VER 1 MSNP8\r\n'), conv.s2c('CVR 2 y\r\n')];
    const [h1, h2, h3, c1, c2, s1, s2] = segs;
    const r = run([h1!, h2!, h3!, c2!, c1!, s1!, s1!, s2!]);
    expect(texts(r)).toEqual(['conn1 c2s VER 1 MSNP8\r\n', 'conn1 c2s CVR 2 x\r\n', 'conn1 s2c VER 1 MSNP8\r\n', 'conn1 s2c CVR 2 y\r\n']);
    expect(r.issues).toEqual(['conn1: 1 retransmitted or duplicate segment(s) dropped']);
  });

  it('tells client from server without a SYN: by port 1863, else the higher port', () => {
    const conv = new TcpConversation(CLIENT, NS);
    conv.handshake(); // not captured: the capture starts mid-connection
    const r = run([conv.s2c('QNG 50\r\n'), conv.c2s('PNG\r\n')]);
    expect(texts(r)).toEqual(['conn1 s2c QNG 50\r\n', 'conn1 c2s PNG\r\n']);
    expect(r.connections[0]).toMatchObject({ client: '10.0.0.2:50123', server: '10.0.0.5:1863' });
    expect(r.connections[0]!.note).toMatch(/no SYN/);

    const odd = new TcpConversation({ ip: '10.0.0.2', port: 40000 }, { ip: '10.0.1.200', port: 1865 });
    const r2 = run([odd.s2c('USR 1 OK a@b.c A\r\n'), odd.c2s('USR 1 a@b.c 123.456\r\n')]);
    expect(r2.connections[0]).toMatchObject({ client: '10.0.0.2:40000', server: '10.0.1.200:1865' });
    expect(r2.chunks.map((c) => c.dir)).toEqual(['s2c', 'c2s']);
  });

  it('keeps streams on other ports only when the client opens with an MSNP command', () => {
    const sb = new TcpConversation({ ip: '10.0.0.2', port: 50200 }, { ip: '10.0.1.200', port: 1865 });
    const web = new TcpConversation({ ip: '10.0.0.2', port: 50300 }, { ip: '10.0.9.9', port: 8080 });
    const put = new TcpConversation({ ip: '10.0.0.2', port: 50400 }, { ip: '10.0.9.9', port: 8081 });
    const segs = [
      ...web.handshake(),
      web.c2s('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      ...sb.handshake(),
      sb.c2s('ANS 1 alice@passport.com 849102291.520491113 11752013\r\n'),
      sb.s2c('IRO 1 1 1 bob@passport.com Bob\r\n'),
      web.s2c('HTTP/1.1 204 No Content\r\n\r\n'),
      ...put.handshake(),
      put.c2s('PUT /x HTTP/1.1\r\n\r\n'),
    ];
    const r = run(segs);
    expect(r.connections).toEqual([{ conn: 'conn1', client: '10.0.0.2:50200', server: '10.0.1.200:1865' }]);
    expect(texts(r)).toEqual([
      'conn1 c2s ANS 1 alice@passport.com 849102291.520491113 11752013\r\n',
      'conn1 s2c IRO 1 1 1 bob@passport.com Bob\r\n',
    ]);
    expect(r.issues).toHaveLength(2);
    expect(r.issues[0]).toMatch(/ignored TCP stream 10\.0\.0\.2:50300 -> 10\.0\.9\.9:8080/);
  });

  it('labels connections in order of their first packet, interleaved or reusing ports', () => {
    const ds = new TcpConversation(CLIENT, { ip: '10.0.0.1', port: 1863 });
    const ns = new TcpConversation({ ip: '10.0.0.2', port: 50124 }, NS);
    const again = new TcpConversation(CLIENT, { ip: '10.0.0.1', port: 1863 }, { client: 90000, server: 70000 });
    const segs = [
      ...ds.handshake(),
      ds.c2s('VER 1 MSNP8\r\n'),
      ...ns.handshake(),
      ns.c2s('VER 2 MSNP8\r\n'),
      ds.s2c('VER 1 MSNP8\r\n'),
      ds.fin(true),
      ds.fin(false),
      ds.ackFrom(true),
      ...again.handshake(),
      again.c2s('VER 3 MSNP8\r\n'),
    ];
    const r = run(segs);
    expect(r.issues).toEqual([]);
    expect(texts(r)).toEqual([
      'conn1 c2s VER 1 MSNP8\r\n',
      'conn2 c2s VER 2 MSNP8\r\n',
      'conn1 s2c VER 1 MSNP8\r\n',
      'conn3 c2s VER 3 MSNP8\r\n',
    ]);
    expect(r.connections.map((c) => `${c.conn} ${c.client} ${c.server}`)).toEqual([
      'conn1 10.0.0.2:50123 10.0.0.1:1863',
      'conn2 10.0.0.2:50124 10.0.0.5:1863',
      'conn3 10.0.0.2:50123 10.0.0.1:1863',
    ]);
  });

  it('releases 20,000 segments held behind a lost one in sequence order, duplicates dropped', () => {
    // Fuzz seed 1 input 594221: each release used to re-sort everything still held (quadratic).
    const conv = new TcpConversation(CLIENT, NS);
    const hs = conv.handshake();
    conv.s2c('LST lost@b.c L 13 0\r\n'); // never captured
    const held = Array.from({ length: 20_000 }, (_, i) => conv.s2c(`ILN 9 NLN u${i}@b.c U 0\r\n`));
    // Arrival order: a fixed shuffle, with every 100th segment sent twice.
    let x = 12345;
    const shuffled = [...held];
    for (let i = shuffled.length - 1; i > 0; i--) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const j = x % (i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const arrivals = shuffled.flatMap((seg, i) => (i % 100 === 0 ? [seg, seg] : [seg]));
    const r = run([...hs, ...arrivals]);
    expect(texts(r)).toEqual(held.map((seg) => `conn1 s2c ${seg.tcp.payload as string}`));
    expect(r.issues).toEqual([
      'conn1: 200 retransmitted or duplicate segment(s) dropped',
      'conn1: 21 byte(s) s2c missing from the capture (lost segment); continuing after the gap',
    ]);
  });

  it('ignores pure ACKs, resets and empty segments', () => {
    const conv = new TcpConversation(CLIENT, NS);
    const segs = [...conv.handshake(), conv.c2s('OUT\r\n'), conv.ackFrom(false)];
    const rst = { ...conv.ackFrom(false) };
    rst.tcp = { ...rst.tcp, flags: FLAG.RST | FLAG.ACK };
    const r = run([...segs, rst]);
    expect(texts(r)).toEqual(['conn1 c2s OUT\r\n']);
    expect(r.issues).toEqual([]);
  });
});
