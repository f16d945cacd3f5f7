// Capture throughput: realistic MSNP12 frames fed through the real capture path (ConnectionCapture →
// decoder → CaptureStore → SQLite), against a raw better-sqlite3 batched insert of the same rows (read
// back from a capture, so the same columns and bytes) into a fresh file with the same schema and pragmas,
// measured in the same run: RUNS rounds, order rotated, each ratio the median of its rounds' ratios (a
// round's runs are seconds apart, so a slow minute on a shared machine slows both sides of a ratio).
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { ConnectionCapture } from '../proxy/capture/connection-capture.js';
import { migrate } from '../proxy/capture/schema.js';
import { CaptureStore, writerMode } from '../proxy/capture/store.js';
import { ConnectionDecoder, SessionContext } from '../proxy/decode/connection.js';
import { mib, tempDir } from './harness.js';
import { notificationStream } from './traffic.js';

const FRAMES = Number(process.env.CAPTURE_N ?? 200_000);
type Writer = 'thread' | 'inline';
/** Where the store's SQLite writes run (`--capture-writer`): CAPTURE_WRITER=thread|inline, or both. */
const WRITERS: Writer[] = process.env.CAPTURE_WRITER ? [process.env.CAPTURE_WRITER as Writer] : ['thread', 'inline'];
const CHUNK = 64 * 1024;
const RUNS = Number(process.env.CAPTURE_RUNS ?? 7);
const BATCH = 500;
const TARGET = 0.9;

const VER_C2S = Buffer.from('VER 1 MSNP12 MSNP11 CVR0\r\n', 'latin1');
const VER_S2C = Buffer.from('VER 1 MSNP12 CVR0\r\n', 'latin1');

function removeDb(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
}

/** The real path, as the proxy drives it: one connection, every read through ConnectionCapture, then close. */
export function captureRun(file: string, chunks: Buffer[], writer: Writer): number {
  const errors: string[] = [];
  const store = CaptureStore.open(file, { writer, log: (level, message) => { if (level !== 'info') errors.push(message); } });
  const t0 = performance.now();
  const sessionId = store.openSession({ client: '127.0.0.1:50000', tsWall: Date.now() });
  const capture = new ConnectionCapture(store, {
    sessionId, label: 'ns1', kind: 'unknown', client: '127.0.0.1:50000', upstream: '127.0.0.1:1863',
    listen: '127.0.0.1:1864', tsWall: Date.now(), tsMono: performance.now(),
  }, new SessionContext(), { error: (message) => errors.push(message) });
  capture.chunk('c2s', VER_C2S, Date.now(), performance.now());
  capture.chunk('s2c', VER_S2C, Date.now(), performance.now());
  for (const chunk of chunks) capture.chunk('s2c', chunk, Date.now(), performance.now());
  capture.close('bench done', Date.now(), performance.now());
  const complete = store.close();
  const ms = performance.now() - t0;
  if (!complete || errors.length > 0) throw new Error(`capture incomplete: ${errors.slice(0, 3).join('; ')}`);
  return ms;
}

/** The decoder alone on the same reads, storing nothing: how much of the capture path is decoding. */
function decodeRun(chunks: Buffer[]): number {
  let frames = 0;
  const t0 = performance.now();
  const decoder = new ConnectionDecoder('ns1', new SessionContext(), () => { frames++; });
  decoder.push('c2s', VER_C2S, Date.now());
  decoder.push('s2c', VER_S2C, Date.now());
  for (const chunk of chunks) decoder.push('s2c', chunk, Date.now());
  decoder.end(Date.now());
  const ms = performance.now() - t0;
  if (frames !== FRAMES + 2) throw new Error(`decoder produced ${frames} frames, expected ${FRAMES + 2}`);
  return ms;
}

type Row = unknown[];

interface Table {
  name: string;
  columns: string[];
  rows: Row[];
}

interface CapturedRows {
  parents: Table[]; // sessions, connections: inserted first, ids kept (foreign keys point at them)
  frames: Table;
  chunks: Table;
  /** Capture order for the all-rows baseline: true = next frame row, false = next chunk row. */
  order: boolean[];
}

/**
 * The rows a capture run wrote, read back column for column: the baselines insert exactly these, so they
 * write the same bytes into the same schema whatever the schema is at the time.
 */
function readBack(file: string): CapturedRows {
  const db = new Database(file, { readonly: true });
  try {
    const table = (name: string, keepId: boolean, orderBy: string): Table => {
      const stmt = db.prepare(`SELECT * FROM ${name} ORDER BY ${orderBy}`).raw(true);
      const all = stmt.columns().map((c) => c.name);
      const keep = all.map((c, i) => (keepId || c !== 'id' ? i : -1)).filter((i) => i >= 0);
      const rows = (stmt.all() as Row[]).map((r) => keep.map((i) => r[i]));
      return { name, columns: keep.map((i) => all[i] as string), rows };
    };
    const parents = [table('sessions', true, 'id'), table('connections', true, 'id')];
    const frames = table('frames', false, 'id');
    const chunks = table('chunks', false, 'id');
    // A read goes in before the frames it completes, as the capture queues them.
    const ends = (t: Table, offsetCol: string, lengthOf: (r: Row) => number) => {
      const dirI = t.columns.indexOf('dir');
      const offI = t.columns.indexOf(offsetCol);
      return t.rows.map((r) => ({ dir: r[dirI] as string, end: (r[offI] as number) + lengthOf(r) }));
    };
    const chunkEnds = ends(chunks, 'offset', (r) => r[chunks.columns.indexOf('length')] as number);
    const frameEnds = ends(frames, 'offset', (r) => (r[frames.columns.indexOf('bytes')] as Buffer).length);
    const order: boolean[] = [];
    const done: Record<string, number> = {};
    let f = 0;
    for (const c of chunkEnds) {
      order.push(false);
      done[c.dir] = c.end;
      while (f < frameEnds.length && frameEnds[f]!.end <= (done[frameEnds[f]!.dir] ?? 0)) {
        order.push(true);
        f++;
      }
    }
    for (; f < frameEnds.length; f++) order.push(true);
    return { parents, frames, chunks, order };
  } finally {
    db.close();
  }
}

const insertSql = (t: Table) => `INSERT INTO ${t.name} (${t.columns.join(', ')}) VALUES (${t.columns.map(() => '?').join(', ')})`;

/**
 * Raw better-sqlite3: a fresh file with the same schema and pragmas, one prepared statement per table,
 * transactions of BATCH rows; frame rows only, or frame and read rows in capture order.
 */
function baselineRun(file: string, rows: CapturedRows, withChunks: boolean): number {
  const db = new Database(file, { timeout: 0 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db, file);
  const t0 = performance.now();
  db.transaction(() => {
    for (const t of rows.parents) {
      const insert = db.prepare(insertSql(t));
      for (const r of t.rows) insert.run(r);
    }
  })();
  const insertFrame = db.prepare(insertSql(rows.frames));
  const insertChunk = db.prepare(insertSql(rows.chunks));
  const order = withChunks ? rows.order : rows.frames.rows.map(() => true);
  let f = 0;
  let c = 0;
  const write = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      if (order[i]) insertFrame.run(rows.frames.rows[f++] as Row);
      else insertChunk.run(rows.chunks.rows[c++] as Row);
    }
  });
  for (let i = 0; i < order.length; i += BATCH) write(i, Math.min(order.length, i + BATCH));
  db.close();
  return performance.now() - t0;
}

/** Schema version and how many indexes each frame insert maintains (the schema is still changing). */
function schemaOf(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    const indexes = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND tbl_name = 'frames'").get() as { n: number }).n;
    return `schema v${version}, ${indexes} indexes on frames`;
  } finally {
    db.close();
  }
}

function verify(file: string, frames: number, chunks: number): { issues: number } {
  const db = new Database(file, { readonly: true });
  try {
    const c = db.prepare('SELECT (SELECT count(*) FROM frames) AS frames, (SELECT count(*) FROM chunks) AS chunks, (SELECT count(*) FROM frames WHERE issues <> \'[]\') AS issues').get() as { frames: number; chunks: number; issues: number };
    if (c.frames !== frames || c.chunks !== chunks) throw new Error(`${file}: ${c.frames} frames and ${c.chunks} chunks stored, expected ${frames} and ${chunks}`);
    return { issues: c.issues };
  } finally {
    db.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export function benchCapture(): void {
  const tmp = tempDir('capture');
  try {
    const stream = notificationStream(FRAMES);
    const chunks: Buffer[] = [];
    for (let i = 0; i < stream.bytes.length; i += CHUNK) chunks.push(stream.bytes.subarray(i, i + CHUNK));
    const expectedFrames = FRAMES + 2;
    const expectedChunks = chunks.length + 2;
    // A first, untimed capture run: warms the JIT and gives the rows the baselines insert.
    const first = join(tmp.dir, 'rows.sqlite');
    captureRun(first, chunks, WRITERS[0]!);
    verify(first, expectedFrames, expectedChunks);
    const schema = schemaOf(first);
    const rows = readBack(first);
    removeDb(first);
    const times: Record<string, number[]> = { frames: [], all: [], decode: [] };
    let issues = 0;
    let fileSize = 0;
    const runs: Array<[string, (file: string) => number]> = [
      ...WRITERS.map((writer): [string, (file: string) => number] => [writer, (file) => captureRun(file, chunks, writer)]),
      ['frames', (file) => baselineRun(file, rows, false)],
      ['all', (file) => baselineRun(file, rows, true)],
      ['decode', () => decodeRun(chunks)],
    ];
    for (const [name] of runs) times[name] = [];
    for (let r = 0; r < RUNS; r++) {
      for (let k = 0; k < runs.length; k++) {
        const [name, run] = runs[(r + k) % runs.length]!;
        const file = join(tmp.dir, `${name}-${r}.sqlite`);
        times[name]!.push(run(file));
        if (name === 'decode') continue;
        if (name === 'frames' || name === 'all') {
          verify(file, expectedFrames, name === 'all' ? expectedChunks : 0);
        } else {
          issues = verify(file, expectedFrames, expectedChunks).issues;
          fileSize = statSync(file).size;
        }
        removeDb(file);
      }
    }
    const rate = (ms: number) => expectedFrames / (ms / 1000);
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const k = (v: number) => `${(v / 1000).toFixed(0).padStart(4)} k frames/s`;
    const [frames, all, decode] = [median(times.frames!), median(times.all!), median(times.decode!)];
    console.log(`\ncapture throughput (${expectedFrames} MSNP12 NS frames, ${mib(stream.bytes.length)} in ${chunks.length} reads of ${CHUNK / 1024} KiB, ${RUNS} rounds, order rotated, medians; ${schema}; capture file ${mib(fileSize)}, ${issues} frames with decoder issues)`);
    console.log(`  raw insert, frame rows only (${expectedFrames} rows)       ${k(rate(frames))}  ${s(frames)}`);
    console.log(`  raw insert, frame + read rows (${expectedFrames + expectedChunks} rows)    ${k(rate(all))}  ${s(all)}  (the same rows the capture writes)`);
    // Inline, the capture path costs about the decoder plus the inserts; with the writer thread, about the larger of the two.
    console.log(`  the decoder alone on the same reads ${s(decode)}; decoder + raw insert of the same rows ${s(decode + all)}, the larger of the two ${s(Math.max(decode, all))}`);
    let below = false;
    for (const writer of WRITERS) {
      const capture = times[writer]!;
      const perRound = (baseline: number[]) => baseline.map((b, r) => b / (capture[r] as number));
      const same = median(perRound(times.all!));
      const alone = median(perRound(times.frames!));
      const verdict = (v: number) => `${v.toFixed(2)}${v < TARGET ? ' BELOW TARGET' : ''}`;
      const auto = writer === writerMode('auto') ? ', the default here' : '';
      console.log(`  capture path, writer ${writer}${auto}: ${k(rate(median(capture)))}  ${s(median(capture))}`);
      console.log(`    ratio to the raw insert of the same rows ${verdict(same)} (target >= ${TARGET}; per round ${perRound(times.all!).map((v) => v.toFixed(2)).join(' ')}), of the frame rows alone ${verdict(alone)}`);
      below ||= same < TARGET;
    }
    if (below) {
      console.log('  to see where the time goes: node --cpu-prof --cpu-prof-dir=/tmp/msnp-prof --import tsx bench/index.ts capture && npx tsx bench/cpuprofile.ts /tmp/msnp-prof/<file>.cpuprofile');
    }
  } finally {
    tmp.remove();
  }
}
