// Dev tool, not a test: writes a large capture file (default 1,000,000 frames) with direct SQL inserts,
// then times the inspector's frame queries on it (total + pages near the start, middle and end, with and
// without filters, first call and repeated).
//
//   npx tsx proxy/server/dev/seed-million.ts [FILE] [--frames N] [--keep]
//
// Rows look like a busy proxy's: 200 sessions, 20 at a time, NS presence traffic and switchboard chats,
// one stored read per frame (so the detail view decodes them), a few errors and frames with issues.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { FrameQuery } from '../../../shared/api/dto.js';
import { CaptureQueries } from '../../capture/queries.js';
import { CaptureStore } from '../../capture/store.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { frames: { type: 'string', default: '1000000' }, keep: { type: 'boolean', default: false } },
});
const FRAMES = Number(values.frames);
const SESSIONS = 200;
const CONCURRENT = 20;
const PER_SESSION = Math.ceil(FRAMES / SESSIONS);
const SB_PER_SESSION = 10;
const VERSIONS = [8, 12, 15, 18];
const START = 1_700_000_000_000;

const tempDirectory = positionals[0] ? null : mkdtempSync(join(tmpdir(), 'msnp-seed-'));
const file = positionals[0] ?? join(tempDirectory as string, 'million.sqlite');
if (existsSync(file)) {
  process.stderr.write(`${file} exists; give a new file name\n`);
  process.exit(1);
}

// Deterministic pseudo-random numbers, so two runs write the same file.
let state = 0x2545f491;
const rand = (n: number) => {
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state % n;
};

const STATUSES = ['NLN', 'BSY', 'AWY', 'IDL', 'BRB', 'PHN', 'LUN'];
const buddy = () => `buddy${rand(500)}@example.com`;
const line = (text: string) => Buffer.from(`${text}\r\n`, 'latin1');
const withPayload = (head: string, body: string) => Buffer.from(`${head} ${Buffer.byteLength(body)}\r\n${body}`, 'utf8');

interface Made {
  dir: 'c2s' | 's2c';
  command: string;
  trId: number | null;
  bytes: Buffer;
  summary: string;
  issues: string[];
}

/** One frame on a notification connection. */
function nsFrame(tr: number): Made {
  const r = rand(100);
  if (r < 30) {
    const status = STATUSES[rand(STATUSES.length)] as string;
    const who = buddy();
    return { dir: 's2c', command: 'NLN', trId: null, bytes: line(`NLN ${status} ${who} Buddy%20${rand(500)} 1342177280`), summary: `NLN status=${status} handle=${who}`, issues: [] };
  }
  if (r < 45) {
    const who = buddy();
    return { dir: 's2c', command: 'FLN', trId: null, bytes: line(`FLN ${who}`), summary: `FLN handle=${who}`, issues: [] };
  }
  if (r < 60) return { dir: 'c2s', command: 'PNG', trId: null, bytes: line('PNG'), summary: 'PNG', issues: [] };
  if (r < 72) return { dir: 's2c', command: 'QNG', trId: null, bytes: line(`QNG ${rand(60)}`), summary: 'QNG seconds=50', issues: [] };
  if (r < 82) {
    const status = STATUSES[rand(STATUSES.length)] as string;
    return { dir: 'c2s', command: 'CHG', trId: tr, bytes: line(`CHG ${tr} ${status} 268435492`), summary: `CHG #${tr} status=${status} caps=268435492`, issues: [] };
  }
  if (r < 90) {
    const body = `<Data><PSM>listening to track ${rand(1000)}</PSM><CurrentMedia></CurrentMedia></Data>`;
    return { dir: 'c2s', command: 'UUX', trId: tr, bytes: withPayload(`UUX ${tr}`, body), summary: `UUX #${tr} [${Buffer.byteLength(body)} B payload]`, issues: [] };
  }
  if (r < 96) return { dir: 's2c', command: 'ILN', trId: tr, bytes: line(`ILN ${tr} NLN ${buddy()} Buddy 0`), summary: `ILN #${tr} status=NLN`, issues: [] };
  if (r < 98) return { dir: 's2c', command: '217', trId: tr, bytes: line(`217 ${tr}`), summary: `Error 217: principal not on-line #${tr}`, issues: [] };
  return { dir: 'c2s', command: 'XFR', trId: tr, bytes: line(`XFR ${tr} SB`), summary: `XFR #${tr} type=SB`, issues: [`unanswered: no reply to TrID ${tr}`] };
}

/** One frame on a switchboard connection. */
function sbFrame(tr: number): Made {
  const r = rand(100);
  if (r < 45) {
    const body = `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Segoe%20UI; EF=; CO=0; CS=1; PF=0\r\n\r\nmessage number ${rand(100000)}`;
    return { dir: 'c2s', command: 'MSG', trId: tr, bytes: withPayload(`MSG ${tr} A`, body), summary: `MSG #${tr} ackType=A [${Buffer.byteLength(body)} B payload]`, issues: [] };
  }
  if (r < 80) {
    const who = buddy();
    const body = `MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: ${who}\r\n\r\n\r\n`;
    return { dir: 's2c', command: 'MSG', trId: null, bytes: withPayload(`MSG ${who} Buddy`, body), summary: `MSG handle=${who} [${Buffer.byteLength(body)} B payload]`, issues: [] };
  }
  if (r < 95) return { dir: 's2c', command: 'ACK', trId: tr, bytes: line(`ACK ${tr}`), summary: `ACK #${tr}`, issues: [] };
  if (r < 99) return { dir: 's2c', command: 'JOI', trId: null, bytes: line(`JOI ${buddy()} Buddy`), summary: 'JOI', issues: [] };
  return { dir: 's2c', command: 'NAK', trId: tr, bytes: line(`NAK ${tr}`), summary: `NAK #${tr}`, issues: ['unexpected NAK'] };
}

function seed(): void {
  CaptureStore.open(file, { log: () => {} }).close(); // creates the schema
  const db = new Database(file);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  // Bulk loading is several times faster with the indexes built afterwards.
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('frames', 'chunks') AND sql IS NOT NULL").all() as Array<{ name: string; sql: string }>;
  for (const { name } of indexes) db.exec(`DROP INDEX ${name}`);
  const insertSession = db.prepare('INSERT INTO sessions (id, started_wall, client, handle, ended_wall) VALUES (?, ?, ?, ?, ?)');
  const insertConnection = db.prepare(
    `INSERT INTO connections (id, session_id, label, kind, client, upstream, listen, referred_by, cookie, version, handle, opened_wall, opened_mono, closed_wall, closed_mono, close_reason)
     VALUES (?, ?, ?, ?, '127.0.0.1:50000', ?, '127.0.0.1:1863', ?, ?, ?, ?, ?, 0, ?, 0, ?)`,
  );
  const insertChunk = db.prepare('INSERT INTO chunks (connection_id, dir, offset, length, ts_wall, ts_mono, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insertFrame = db.prepare(
    `INSERT INTO frames (connection_id, dir, idx, offset, ts_wall, ts_mono, bytes, command, tr_id, issues, summary, version, session_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const connectionId = (session: number, k: number) => (session - 1) * (SB_PER_SESSION + 1) + 1 + k; // k 0 = ns1, 1.. = sb
  db.transaction(() => {
    for (let s = 1; s <= SESSIONS; s++) {
      const version = VERSIONS[s % VERSIONS.length] as number;
      const t = START + Math.floor((s - 1) / CONCURRENT) * 3_600_000;
      insertSession.run(s, t, '127.0.0.1:50000', `user${s}@example.com`, s <= SESSIONS - CONCURRENT ? t + 3_600_000 : null);
      const ns = connectionId(s, 0);
      const open = s > SESSIONS - CONCURRENT;
      insertConnection.run(ns, s, 'ns1', 'ns', '192.0.2.5:1863', null, null, version, `user${s}@example.com`, t, open ? null : t + 3_600_000, open ? null : 'client closed');
      for (let k = 1; k <= SB_PER_SESSION; k++) {
        insertConnection.run(ns + k, s, `sb${k}`, 'sb', '192.0.2.20:1863', ns, `${s}.${k}.1`, version, null, t, open ? null : t + 3_600_000, open ? null : 'client closed');
      }
    }
  })();

  const index = new Map<number, number>();
  const trIds = new Map<number, number>();
  const offsets = new Map<string, number>();
  const batch = 50_000;
  for (let done = 0; done < FRAMES;) {
    db.transaction(() => {
      for (const end = Math.min(FRAMES, done + batch); done < end; done++) {
        const i = done;
        const session = 1 + (i % CONCURRENT) + CONCURRENT * Math.floor(i / (CONCURRENT * PER_SESSION));
        const local = Math.floor(i / CONCURRENT) % PER_SESSION;
        const sb = rand(100) < 40 ? 1 + Math.floor((local * SB_PER_SESSION) / PER_SESSION) : 0;
        const conn = connectionId(session, sb);
        const tr = (trIds.get(conn) ?? 0) + 1;
        trIds.set(conn, tr);
        const f = sb === 0 ? nsFrame(tr) : sbFrame(tr);
        const idx = index.get(conn) ?? 0;
        index.set(conn, idx + 1);
        const key = `${conn} ${f.dir}`;
        const offset = offsets.get(key) ?? 0;
        offsets.set(key, offset + f.bytes.length);
        const ts = START + i * 10;
        insertChunk.run(conn, f.dir, offset, f.bytes.length, ts, i, f.bytes);
        insertFrame.run(conn, f.dir, idx, offset, ts, i, f.bytes, f.command, f.trId, JSON.stringify(f.issues), f.summary, VERSIONS[session % VERSIONS.length], session);
      }
    })();
  }
  for (const { sql } of indexes) db.exec(sql);
  db.pragma('journal_mode = WAL'); // as the store leaves it
  db.close();
}

async function time<T>(run: () => Promise<T> | T): Promise<[T, number]> {
  const t = performance.now();
  const result = await run();
  return [result, performance.now() - t];
}

async function measure(): Promise<void> {
  const store = CaptureStore.open(file, { readonly: true });
  const queries = new CaptureQueries(store.readDatabase());
  const cases: Array<[string, FrameQuery]> = [
    ['unfiltered', {}],
    ['session=7', { session: 7 }],
    ['connection=ns1 of session 7', { connection: 67 }],
    ['command=MSG', { command: 'MSG' }],
    ['command=NLN,FLN', { command: 'NLN,FLN' }],
    ['dir=s2c', { dir: 's2c' }],
    ['version=MSNP12', { version: 'MSNP12' }],
    ['trId=42', { trId: 42 }],
    ['errors', { errors: true }],
    ['q=buddy42@', { q: 'buddy42@' }],
    ['session=7 command=MSG dir=c2s', { session: 7, command: 'MSG', dir: 'c2s' }],
    ['version=MSNP18 errors q=217', { version: 'MSNP18', errors: true, q: '217' }],
  ];
  const ms = (n: number) => `${n.toFixed(1).padStart(7)} ms`;
  const [counts, countMs] = await time(() => queries.counts());
  process.stdout.write(`counts ${JSON.stringify(counts)} (first count ${ms(countMs)})\n`);
  const [, sessionsMs] = await time(() => queries.sessions(false));
  process.stdout.write(`sessions list: ${ms(sessionsMs)}\n\n`);
  process.stdout.write(`${'filter'.padEnd(34)} ${'total'.padStart(8)}  first call  ${'page @0'.padStart(10)}  ${'@middle'.padStart(10)}  ${'@end'.padStart(10)}  offsets\n`);
  for (const [name, query] of cases) {
    const [first, firstMs] = await time(() => queries.frames({ ...query, limit: 100 }));
    const total = first.total;
    const offsets = name === 'unfiltered' ? [0, 500_000, 999_000] : [0, Math.floor(total / 2), Math.max(0, total - 1000)];
    const timings: number[] = [];
    for (const offset of offsets) {
      const [page, pageMs] = await time(() => queries.frames({ ...query, offset, limit: 100 }));
      if (page.frames.length === 0 && total > 0) throw new Error(`empty page at ${offset} for ${name}`);
      timings.push(pageMs);
    }
    process.stdout.write(`${name.padEnd(34)} ${String(total).padStart(8)}  ${ms(firstMs)}  ${timings.map(ms).join('  ')}  ${offsets.join('/')}\n`);
  }
  store.close();
}

const [, seedMs] = await time(seed);
process.stdout.write(`wrote ${FRAMES} frames to ${file} in ${(seedMs / 1000).toFixed(1)} s\n`);
await measure();
if (tempDirectory && !values.keep) rmSync(tempDirectory, { recursive: true, force: true });
else process.stdout.write(`kept ${file}\n`);
