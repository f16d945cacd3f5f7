// Shared fixtures for the capture store tests: temp files and a small real-shaped MSNP8 session.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeChunks } from '../../proxy/decode/decode-chunks.js';
import type { Chunk } from '../../proxy/decode/inputs/types.js';
import type { ConnectionKind, Direction } from '../../shared/msnp/types.js';
import type { CaptureStore } from '../../proxy/capture/store.js';
import type { FrameRecord } from '../../proxy/capture/records.js';
import type { CliIo } from '../../proxy/cli/command.js';

export interface TempDir {
  dir: string;
  file(name: string): string;
  remove(): void;
}

export function tempDir(): TempDir {
  const dir = mkdtempSync(join(tmpdir(), 'msnp-capture-'));
  return { dir, file: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export type Step = [conn: string, dir: Direction, read: string];

const msg = (line: string, body: string) => `${line} ${Buffer.byteLength(body)}\r\n${body}`;
const hello = 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nHello Bob!';

/** A dispatch → notification → switchboard session; some reads hold several commands or half of one. */
export const MSNP8_STEPS: Step[] = [
  ['ds1', 'c2s', 'VER 1 MSNP8 CVR0\r\n'],
  ['ds1', 's2c', 'VER 1 MSNP8 CVR0\r\n'],
  ['ds1', 'c2s', 'USR 2 TWN I alice@example.com\r\n'],
  ['ds1', 's2c', 'XFR 2 NS 192.0.2.5:1863 0 192.0.2.1:1863\r\n'],
  ['ns1', 'c2s', 'VER 3 MSNP8 CVR0\r\nCVR 4 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0208 MSMSGS alice@example.com\r\n'],
  ['ns1', 's2c', 'VER 3 MSNP8 CVR0\r\nCVR 4 6.2.0208 6.2.0208 6.2.0205 http://example.com/a http://example.com/b\r\n'],
  ['ns1', 'c2s', 'USR 5 TWN I alice@example.com\r\n'],
  ['ns1', 's2c', 'USR 5 OK alice@example.com Alice 1 0\r\nSYN 6 4 2 1\r\nCHG 7 NL'],
  ['ns1', 's2c', 'N 268435492\r\n'],
  ['ns1', 'c2s', 'XFR 8 SB\r\n'],
  ['ns1', 's2c', 'XFR 8 SB 192.0.2.20:1863 CKI 17262740.1063045201.32308\r\n'],
  ['sb1', 'c2s', 'USR 1 alice@example.com 17262740.1063045201.32308\r\n'],
  ['sb1', 's2c', 'USR 1 OK alice@example.com Alice\r\n'],
  ['sb1', 'c2s', msg('MSG 2 A', hello)],
  ['sb1', 's2c', 'ACK 2\r\n'],
  ['sb1', 'c2s', 'OUT\r\n'],
  ['ns1', 'c2s', 'OUT\r\n'],
];

export function stepsAsChunks(steps: Step[], start = 1_700_000_000_000): Chunk[] {
  return steps.map(([conn, dir, read], i) => ({ conn, dir, t_ms: start + i * 10, bytes: Buffer.from(read, 'utf8') }));
}

const KIND: Record<string, ConnectionKind> = { ds: 'dispatch', ns: 'ns', sb: 'sb' };

/**
 * Records a session as the proxy would: one chunk per read, the frames the decoder finds (with their
 * exact bytes), kinds, version and handle, then closes. Returns the session id and connection ids by label.
 */
export function recordSession(store: CaptureStore, steps: Step[] = MSNP8_STEPS, start = 1_700_000_000_000) {
  const chunks = stepsAsChunks(steps, start);
  const sessionId = store.openSession({ client: '127.0.0.1:50000', tsWall: start });
  const ids = new Map<string, number>();
  const streams = new Map<string, Buffer[]>();
  const offsets = new Map<string, number>();
  for (const [i, chunk] of chunks.entries()) {
    let id = ids.get(chunk.conn);
    if (id === undefined) {
      id = store.openConnection({
        sessionId, label: chunk.conn, kind: KIND[chunk.conn.slice(0, 2)] ?? 'unknown', client: '127.0.0.1:50000',
        upstream: '192.0.2.1:1863', listen: '127.0.0.1:1863', tsWall: chunk.t_ms, tsMono: i,
      });
      ids.set(chunk.conn, id);
    }
    const key = `${chunk.conn} ${chunk.dir}`;
    const offset = offsets.get(key) ?? 0;
    offsets.set(key, offset + chunk.bytes.length);
    streams.set(key, [...(streams.get(key) ?? []), chunk.bytes]);
    store.addChunk({ connectionId: id, dir: chunk.dir, offset, length: chunk.bytes.length, tsWall: chunk.t_ms, tsMono: i, bytes: chunk.bytes });
  }
  for (const frame of decodeChunks(chunks).frames) {
    const stream = Buffer.concat(streams.get(`${frame.conn} ${frame.dir}`) ?? []);
    store.addFrame({
      connectionId: ids.get(frame.conn)!, dir: frame.dir, index: frame.index, offset: frame.offset, tsWall: frame.t_ms,
      tsMono: 0, bytes: stream.subarray(frame.offset, frame.offset + frame.size), command: frame.command,
      trId: frame.trId, issues: frame.issues,
    });
  }
  for (const [label, id] of ids) {
    store.updateConnection(id, { version: 8, ...(label === 'ds1' ? {} : { handle: 'alice@example.com' }) });
    store.closeConnection(id, { tsWall: start + 1000, tsMono: 1000, reason: 'client closed' });
  }
  store.updateSession(sessionId, { handle: 'alice@example.com', endedWall: start + 1000 });
  return { sessionId, ids, chunks };
}

/** A frame record with made-up content, for volume tests. */
export function fakeFrame(connectionId: number, index: number, size = 16): FrameRecord {
  const bytes = Buffer.alloc(size, 0x41);
  bytes.write(`PNG ${index}\r\n`);
  return { connectionId, dir: index % 2 ? 's2c' : 'c2s', index, offset: index * size, tsWall: 1_700_000_000_000 + index, tsMono: index, bytes, command: 'PNG', trId: null, issues: [] };
}

/** A CLI io that collects what the command prints. */
export function fakeIo(): CliIo & { stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
    color: false,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}
