// A real capture file for the API tests: a dispatch → notification → switchboard session driven through
// ConnectionCapture exactly as the proxy does (reads in, frames decoded and stored, referrals rewritten).
import { mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS, migrate } from '../../proxy/capture/schema.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionCapture } from '../../proxy/capture/connection-capture.js';
import { CaptureStore, type CaptureStoreOptions } from '../../proxy/capture/store.js';
import { SessionContext } from '../../proxy/decode/connection.js';
import type { ConnectionKind, Direction } from '../../shared/msnp/types.js';

export interface TempCapture {
  dir: string;
  file: string;
  store: CaptureStore;
  remove(): void;
}

export function tempCapture(options: CaptureStoreOptions = {}): TempCapture {
  const dir = mkdtempSync(join(tmpdir(), 'msnp-server-'));
  const file = join(dir, 'capture.sqlite');
  const store = CaptureStore.open(file, { log: () => {}, ...options });
  return {
    dir, file, store,
    remove() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const COOKIE = '17262740.1063045201.32308';
export const HELLO = 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nHello Bob!';
export const XFR_SB = `XFR 8 SB 192.0.2.20:1863 CKI ${COOKIE}\r\n`;
export const XFR_SB_REWRITTEN = `XFR 8 SB 127.0.0.1:40001 CKI ${COOKIE}\r\n`;

type Step = [conn: 'ds1' | 'ns1' | 'sb1', dir: Direction, read: string];

/** MSNP8: sign-in through the dispatch server, presence, an error reply, a chat on a switchboard. */
export const STEPS: Step[] = [
  ['ds1', 'c2s', 'VER 1 MSNP8 CVR0\r\n'],
  ['ds1', 's2c', 'VER 1 MSNP8 CVR0\r\n'],
  ['ds1', 'c2s', 'USR 2 TWN I alice@example.com\r\n'],
  ['ds1', 's2c', 'XFR 2 NS 192.0.2.5:1863 0 192.0.2.1:1863\r\n'],
  ['ns1', 'c2s', 'VER 3 MSNP8 CVR0\r\n'],
  ['ns1', 's2c', 'VER 3 MSNP8 CVR0\r\n'],
  ['ns1', 'c2s', 'USR 5 TWN I alice@example.com\r\n'],
  // Two commands in one read, and half of a third.
  ['ns1', 's2c', 'USR 5 OK alice@example.com Alice 1 0\r\nSYN 6 4 2 1\r\nCHG 7 NL'],
  ['ns1', 's2c', 'N 268435492\r\n'],
  ['ns1', 'c2s', 'ADD 9 AL bob@example.com bob\r\n'],
  ['ns1', 's2c', '201 9\r\n'],
  ['ns1', 'c2s', 'XFR 8 SB\r\n'],
  ['ns1', 's2c', XFR_SB],
  ['sb1', 'c2s', `USR 1 alice@example.com ${COOKIE}\r\n`],
  ['sb1', 's2c', 'USR 1 OK alice@example.com Alice\r\n'],
  ['sb1', 'c2s', `MSG 2 A ${Buffer.byteLength(HELLO)}\r\n${HELLO}`],
  ['sb1', 's2c', 'ACK 2\r\n'],
  ['sb1', 'c2s', 'OUT\r\n'],
];

const KINDS: Record<string, ConnectionKind> = { ds1: 'dispatch', ns1: 'ns', sb1: 'sb' };

export interface Recorded {
  sessionId: number;
  captures: Map<string, ConnectionCapture>;
}

/**
 * Records the steps as one session. `close` ends every connection at the end (else they stay open, as
 * in a live capture). Ids come from the store; call store.flush() to commit.
 */
export function recordSession(store: CaptureStore, options: { steps?: Step[]; close?: boolean; start?: number; session?: SessionContext } = {}): Recorded {
  const start = options.start ?? 1_700_000_000_000;
  const session = options.session ?? new SessionContext();
  const sessionId = store.openSession({ client: '127.0.0.1:50000', tsWall: start });
  const captures = new Map<string, ConnectionCapture>();
  const open = (label: string, t: number) => {
    let capture = captures.get(label);
    if (capture) return capture;
    const referrer = label === 'ns1' ? captures.get('ds1') : label === 'sb1' ? captures.get('ns1') : undefined;
    capture = new ConnectionCapture(store, {
      sessionId, label, kind: KINDS[label] ?? 'unknown', client: '127.0.0.1:50000', upstream: '192.0.2.1:1863',
      listen: '127.0.0.1:1863', tsWall: t, tsMono: t - start,
      ...(referrer ? { referredBy: referrer.id } : {}), ...(label === 'sb1' ? { cookie: COOKIE } : {}),
    }, session);
    captures.set(label, capture);
    return capture;
  };
  const offsets = new Map<string, number>();
  for (const [i, [label, dir, read]] of (options.steps ?? STEPS).entries()) {
    const t = start + i * 10;
    const capture = open(label, t);
    const key = `${label} ${dir}`;
    const offset = offsets.get(key) ?? 0;
    if (read === XFR_SB) {
      // The relay rewrote the referral before the capture saw the read, as MsnpProxy does.
      capture.rewrite({ offset, original: Buffer.from(XFR_SB), rewritten: Buffer.from(XFR_SB_REWRITTEN), referral: { command: 'XFR', kind: 'SB', target: '192.0.2.20:1863', cookie: COOKIE } });
    }
    const bytes = Buffer.from(read, 'utf8');
    offsets.set(key, offset + bytes.length);
    capture.chunk(dir, bytes, t, t - start);
  }
  if (options.close ?? true) {
    const t = start + 1000;
    for (const capture of captures.values()) capture.close('client closed', t, t - start);
    store.updateSession(sessionId, { handle: 'alice@example.com', endedWall: t });
  }
  return { sessionId, captures };
}

/** A file as the first msnp-inspector wrote it: schema version 1, frames without the new columns. */
export function writeVersion1(file: string): void {
  const db = new Database(file);
  migrate(db, file, { migrations: MIGRATIONS.slice(0, 1) });
  db.exec(`
    INSERT INTO sessions (id, started_wall, client) VALUES (1, 1000, '127.0.0.1:1');
    INSERT INTO connections (id, session_id, label, kind, client, upstream, listen, version, opened_wall, opened_mono)
      VALUES (1, 1, 'ns1', 'ns', '127.0.0.1:1', '192.0.2.1:1863', '127.0.0.1:1863', 12, 1000, 0);
    INSERT INTO chunks (connection_id, dir, offset, length, ts_wall, ts_mono, bytes) VALUES (1, 'c2s', 0, 18, 1000, 0, CAST('VER 1 MSNP12 CVR0' || char(13, 10) AS BLOB));
    INSERT INTO frames (connection_id, dir, idx, offset, ts_wall, ts_mono, bytes, command, tr_id)
      VALUES (1, 'c2s', 0, 0, 1000, 0, CAST('VER 1 MSNP12 CVR0' || char(13, 10) AS BLOB), 'VER', 1);
  `);
  db.close();
}

