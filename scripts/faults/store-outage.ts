// The capture file stops taking writes while the real CLI proxy relays a session: full (the dev page
// cap, lifted by SIGUSR2) or locked by another process (a child holding BEGIN EXCLUSIVE). The session
// must relay byte for byte regardless; the inspector's REST API reports the error and the queue; after
// the file takes writes again: how long until everything is written, after how many failed attempts,
// and is every frame there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CaptureInfo } from '../../shared/api/dto.js';
import { type CliProxy, recoveries, startCli } from './cli.js';
import { holdLock } from './lock.js';
import type { Checks } from './result.js';
import { compareCapture, playSession, readCapture, startServers } from './session.js';

async function info(url: string): Promise<CaptureInfo> {
  return (await fetch(new URL('/api/capture', url))).json() as Promise<CaptureInfo>;
}

async function until(url: string, what: string, done: (i: CaptureInfo) => boolean, ms = 30_000): Promise<CaptureInfo> {
  const deadline = Date.now() + ms;
  for (;;) {
    const i = await info(url);
    if (done(i)) return i;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(i)}`);
    await sleep(10);
  }
}

/** `outageMs`: how long the file stays unwritable after the session has been relayed. */
export async function storeOutage(c: Checks, kind: 'full' | 'locked', outageMs: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `msnp-${kind}-`));
  const file = join(dir, 'capture.sqlite');
  const servers = await startServers();
  let cli: CliProxy | null = null;
  try {
    cli = await startCli({ upstream: servers.upstream, capture: file, web: true, ...(kind === 'full' ? { maxPages: 1 } : {}) });
    const url = cli.url as string;
    const lock = kind === 'locked' ? await holdLock(file) : null;
    let played;
    const started = performance.now();
    try {
      played = await playSession(servers.servers, cli.address, 7); // throws at the first byte out of place
    } catch (error) {
      await lock?.release();
      throw error;
    }
    c.set('session relayed byte for byte', true);
    c.set('session time (ms)', Math.round(performance.now() - started));
    const during = await until(url, 'the store error', (i) => i.storeError !== null);
    c.check(kind === 'full' ? /full/i.test(during.storeError ?? '') : /locked|busy/i.test(during.storeError ?? ''), `store error: ${during.storeError}`);
    c.set('error reported by /api/capture', during.storeError ?? '');
    await sleep(outageMs);
    const held = await info(url);
    // A full file may take the first records in its free pages; nothing after the first failure.
    c.check(held.counts.frames === during.counts.frames, `${held.counts.frames - during.counts.frames} frames written during the outage`);
    c.set('outage (ms)', outageMs);
    c.set('frames written before the first failure', held.counts.frames);
    c.set('records queued at release', held.queued);

    const released = performance.now();
    if (lock) await lock.release();
    else cli.child.kill('SIGUSR2');
    await until(url, 'the store to catch up', (i) => i.storeError === null && i.queued === 0 && i.counts.frames === played.total);
    c.set('time to recover after release (ms)', Math.round(performance.now() - released));
    const [recovery] = recoveries(cli.stderr());
    c.check(recovery !== undefined, 'no "writing again" line in the log');
    c.set('failed write attempts (retried)', recovery?.attempts ?? 0);
    c.set('records written at recovery', recovery?.records ?? 0);
    c.set('frames retried', played.total - held.counts.frames);

    const exit = await cli.stop('SIGTERM');
    c.check(exit.code === 0, `exit ${JSON.stringify(exit)}`);
    const problems = readCapture(file, (store) => compareCapture(store, played));
    for (const p of problems) c.check(false, p);
    c.set('frames in the capture', `${played.total} of ${played.total}${problems.length ? ' (mismatches)' : ''}`);
  } finally {
    await cli?.stop('SIGKILL');
    await servers.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
