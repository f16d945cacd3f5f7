// kill -9 in the middle of a burst of writes: the file stays intact and holds all but the last batch.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaptureStore } from '../../proxy/capture/store.js';
import { type TempDir, tempDir } from './helpers.js';

let tmp: TempDir;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.remove());

const writer = fileURLToPath(new URL('./burst-writer.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the burst writer until it has handed over `atLeast` frames, SIGKILLs it; the last count it printed. */
function burstAndKill(file: string, batchSize: number, atLeast: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, file, String(batchSize)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let handed = 0;
    let pending = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) handed = Math.max(handed, Number(line));
      if (handed >= atLeast && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    child.stderr.on('data', (text: Buffer) => {
      stderr += text.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(handed);
      else reject(new Error(`burst writer ended by itself (code ${code}): ${stderr}`));
    });
  });
}

describe('capture store: kill -9 during a burst', () => {
  it('leaves an intact file holding everything handed over but at most the last batch', async () => {
    const file = tmp.file('burst.db');
    const batchSize = 500;
    const atLeast = 20_000;
    const handed = await burstAndKill(file, batchSize, atLeast);
    expect(handed).toBeGreaterThanOrEqual(atLeast);

    const db = new Database(file);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const { n, maxIdx } = db.prepare('SELECT count(*) AS n, max(idx) AS maxIdx FROM frames').get() as { n: number; maxIdx: number };
    db.close();
    // Each frame is one record; the session and connection rows are two more in the first batch.
    expect(n).toBeGreaterThanOrEqual(handed - batchSize);
    // What is there is a prefix of what was handed over: no holes.
    expect(maxIdx).toBe(n - 1);

    // The store opens it again and carries on after it.
    const store = CaptureStore.open(file, { log: () => {} });
    expect(store.counts()).toMatchObject({ sessions: 1, connections: 1, frames: n });
    expect(store.openSession({ client: 'c', tsWall: 1 })).toBe(2);
    expect(store.close()).toBe(true);
  });
});
