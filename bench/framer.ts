// Framing throughput, reported as ratios against a bare CRLF scan of the same bytes in the same run
// (machines here are noisy: absolute figures are printed for information only).
import { performance } from 'node:perf_hooks';
import { decodeChunks } from '../proxy/decode/decode-chunks.js';
import { Framer } from '../proxy/decode/framer.js';
import { payloadRule } from '../shared/msnp/framing.js';

const CHUNK = 64 * 1024;
const RUNS = 5;

/** A notification-server stream of real-shaped MSNP12 frames: presence lines, profiles and PSM payloads. */
function sessionStream(targetBytes: number): Buffer {
  const profile = 'MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\nLoginTime: 1126000000\r\nEmailEnabled: 1\r\nMemberIdHigh: 1\r\nMemberIdLow: 2\r\nlang_preference: 1033\r\npreferredEmail: alice@example.com\r\ncountry: US\r\nKid: 0\r\nFlags: 1027\r\nsid: 507\r\nkv: 7\r\nMSPAuth: 7Z0Jq4oABCDEFGHIJKLMNOPQRSTUVWXYZ$$\r\nClientIP: 192.0.2.10\r\nClientPort: 20001\r\n\r\n';
  const psm = '<Data><PSM>listening to music</PSM><CurrentMedia></CurrentMedia></Data>';
  const parts = [
    'CHG 9 NLN 1342177280 %3Cmsnobj%20Creator%3D%22alice%40example.com%22%2F%3E\r\n',
    'ILN 9 NLN bob@example.com 1 Bob%20the%20Builder 1342177280\r\n',
    'NLN AWY carol@example.com 1 Carol 1342177316\r\n',
    `UBX bob@example.com 1 ${psm.length}\r\n${psm}`,
    `MSG Hotmail Hotmail ${Buffer.byteLength(profile)}\r\n${profile}`,
    'FLN dave@example.com 1 0\r\n',
    'QNG 45\r\n',
  ].join('');
  const unit = Buffer.from(parts, 'latin1');
  const count = Math.ceil(targetBytes / unit.length);
  return Buffer.concat(Array.from({ length: count }, () => unit));
}

function chunksOf(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK) out.push(bytes.subarray(i, i + CHUNK));
  return out;
}

/** The baseline: find every LF, nothing else. */
function bareScan(chunks: Buffer[]): number {
  let lines = 0;
  for (const chunk of chunks) {
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) lines++;
  }
  return lines;
}

function frameAll(chunks: Buffer[]): number {
  let frames = 0;
  const framer = new Framer(payloadRule('s2c', () => 12), () => { frames++; });
  for (const chunk of chunks) framer.push(chunk);
  framer.end();
  return frames;
}

function decodeAll(chunks: Buffer[]): number {
  return decodeChunks(chunks.map((bytes, i) => ({ conn: 'ns1', dir: 's2c' as const, t_ms: i, bytes }))).frames.length;
}

function median(run: () => number): { ms: number; count: number } {
  const times: number[] = [];
  let count = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    count = run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(RUNS / 2)] as number, count };
}

const mb = (bytes: number, ms: number) => (bytes / 1048576 / (ms / 1000)).toFixed(0);

export function benchFramer(): void {
  const stream = sessionStream(64 * 1024 * 1024);
  const chunks = chunksOf(stream);
  const base = median(() => bareScan(chunks));
  const framed = median(() => frameAll(chunks));
  const decoded = median(() => decodeAll(chunks.slice(0, 128)));
  const decodedBytes = Math.min(stream.length, 128 * CHUNK);
  const decodedBase = median(() => bareScan(chunks.slice(0, 128)));

  console.log(`\nframing (${(stream.length / 1048576).toFixed(0)} MiB of MSNP12 NS traffic in ${CHUNK / 1024} KiB reads, median of ${RUNS})`);
  console.log(`  bare CRLF scan     ${mb(stream.length, base.ms)} MB/s (${base.count} lines)`);
  console.log(`  framer             ${mb(stream.length, framed.ms)} MB/s, ${(framed.count / (framed.ms / 1000) / 1e6).toFixed(2)} M frames/s`);
  console.log(`  ratio framer / scan: ${(base.ms / framed.ms).toFixed(2)}  (target >= 0.5)`);
  console.log(`  full decode (names, enums, TrID pairing) on ${(decodedBytes / 1048576).toFixed(0)} MiB: ${mb(decodedBytes, decoded.ms)} MB/s, ${(decoded.count / (decoded.ms / 1000) / 1e3).toFixed(0)} k frames/s, ratio to scan ${(decodedBase.ms / decoded.ms).toFixed(3)}`);

  // Linear time on a stream with no line end at all: 50 MiB and 200 MiB, each against its own scan.
  for (const size of [50, 200]) {
    const junk = chunksOf(Buffer.alloc(size * 1048576, 0x41));
    const scan = median(() => bareScan(junk));
    const cut = median(() => frameAll(junk));
    console.log(`  ${size} MiB without CRLF: framer ${mb(size * 1048576, cut.ms)} MB/s (${cut.count} raw frames), scan ${mb(size * 1048576, scan.ms)} MB/s, ms per MiB ${(cut.ms / size).toFixed(3)}`);
  }
}
