// Shared plumbing for the process-level benchmarks: child processes (the proxy, socat, bench/server.ts)
// that are always cleaned up, temp directories that are always removed, RSS sampling and percentiles.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { launcherNodeArgs } from '../scripts/launcher.js';
import { residentOf } from '../scripts/proc.js';
import { freePort } from '../test/helpers/ports.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// ---- cleanup: every child and temp dir is registered, and released on exit, on SIGINT/SIGTERM and on failure ----

const children = new Set<Child>();
const tempDirs = new Set<string>();

function killAllNow(): void {
  for (const c of children) {
    try {
      if (c.proc.exitCode === null && c.proc.signalCode === null) process.kill(c.group ? -c.pid : c.pid, 'SIGKILL');
    } catch { /* already gone */ }
  }
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllNow();
    process.exit(130);
  });
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `msnp-bench-${prefix}-`));
  tempDirs.add(dir);
  return {
    dir,
    remove() {
      rmSync(dir, { recursive: true, force: true });
      tempDirs.delete(dir);
    },
  };
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Spawned as its own process group (socat forks a process per connection): signals go to the group. */
  group: boolean;
  /** The last lines the child wrote on stderr, for error messages. */
  tail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (or signal name). */
  stop(graceMs?: number): Promise<number | string>;
}

export interface SpawnOptions {
  /** Resolve once a stdout line matches (default: as soon as the process is spawned). */
  ready?: RegExp;
  readyTimeoutMs?: number;
  group?: boolean;
  /** Every stdout line after (and including) the ready line. */
  onLine?: (line: string) => void;
}

/** Spawns a child; resolves with it and the ready line's match. The child is killed if it never gets ready. */
export async function spawnChild(command: string, args: string[], options: SpawnOptions = {}): Promise<{ child: Child; match: RegExpMatchArray | null }> {
  const proc = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: options.group ?? false });
  if (proc.pid === undefined) {
    await new Promise((r) => proc.once('error', r));
    throw new Error(`cannot start ${command}`);
  }
  const stderr: string[] = [];
  createInterface({ input: proc.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 20) stderr.shift();
  });
  const exited = new Promise<number | string>((r) => proc.once('exit', (code, signal) => r(code ?? signal ?? '?')));
  const child: Child = {
    proc,
    pid: proc.pid,
    group: options.group ?? false,
    tail: () => stderr.join('\n'),
    async stop(graceMs = 20_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        children.delete(child);
        return exited;
      }
      const signal = (s: NodeJS.Signals) => {
        try {
          process.kill(child.group ? -child.pid : child.pid, s);
        } catch { /* gone */ }
      };
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      if (child.group) signal('SIGKILL'); // forked connection handlers left behind
      children.delete(child);
      return code;
    },
  };
  children.add(child);

  let match: RegExpMatchArray | null = null;
  try {
    if (options.ready) {
      const ready = options.ready;
      match = await new Promise<RegExpMatchArray>((resolveReady, reject) => {
        let done = false;
        const timer = setTimeout(() => fail(new Error(`not ready within ${options.readyTimeoutMs ?? 30_000} ms`)), options.readyTimeoutMs ?? 30_000);
        const fail = (error: Error) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          reject(error);
        };
        void exited.then((code) => fail(new Error(`exited (${code}) before it was ready`)));
        createInterface({ input: proc.stdout! }).on('line', (line) => {
          if (done) {
            options.onLine?.(line);
            return;
          }
          const m = ready.exec(line);
          if (!m) return;
          done = true;
          clearTimeout(timer);
          options.onLine?.(line);
          resolveReady(m);
        });
      });
    } else {
      proc.stdout!.resume();
    }
  } catch (error) {
    await child.stop(2000);
    throw new Error(`${command} ${args.join(' ')}: ${(error as Error).message}\n${child.tail()}`);
  }
  return { child, match };
}

/** `bench/server.ts MODE …` in its own Node process; resolves once it listens. */
export async function spawnServer(mode: 'echo' | 'stream' | 'idle', args: string[] = [], onLine?: (line: string) => void): Promise<{ child: Child; port: number }> {
  const { child, match } = await spawnChild(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/server.ts'), mode, ...args], {
    ready: /^ready (\d+)$/, ...(onLine ? { onLine } : {}),
  });
  return { child, port: Number(match![1]) };
}

/** A diagnostic relay (`bench/relay-child.ts`): a bare Node pipe, the project's Relay without capture, or with decoding only. */
export async function spawnRelayChild(mode: 'pipe' | 'relay' | 'decode', upstreamPort: number): Promise<{ child: Child; port: number }> {
  const { child, match } = await spawnChild(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/relay-child.ts'), mode, String(upstreamPort)], {
    ready: /^ready (\d+)$/,
  });
  return { child, port: Number(match![1]) };
}

/** The real CLI in its own process (`node bin/msnp-inspector.js proxy …`), listening on an ephemeral port. */
export async function spawnProxy(upstreamPort: number, captureFile: string, nodeArgs: string[] = [], onLine?: (line: string) => void): Promise<{ child: Child; port: number }> {
  const { child, match } = await spawnChild(process.execPath, [
    ...launcherNodeArgs(), ...nodeArgs, join(ROOT, 'bin/msnp-inspector.js'), 'proxy', '--listen', '127.0.0.1:0', '--upstream', `127.0.0.1:${upstreamPort}`,
    '--capture', captureFile, '--no-web',
  ], { ready: /listening on 127\.0\.0\.1:(\d+)/, ...(onLine ? { onLine } : {}) });
  return { child, port: Number(match![1]) };
}

/** Debian's socat as a plain relay, or null when it is not installed. */
export async function spawnSocat(upstreamPort: number): Promise<{ child: Child; port: number } | null> {
  const socat = onPath('socat');
  if (!socat) return null;
  const port = await freePort();
  const { child } = await spawnChild(socat, [`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, `TCP:127.0.0.1:${upstreamPort}`], { group: true });
  // socat says nothing when it listens: poll until a connection is accepted (the probe's fork exits on EOF).
  const deadline = Date.now() + 5000;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => { s.end(); r(true); });
      s.once('error', () => r(false));
    });
    if (ok) break;
    if (Date.now() > deadline) {
      await child.stop(1000);
      throw new Error(`socat did not listen on ${port}: ${child.tail()}`);
    }
    await sleep(20);
  }
  return { child, port };
}

/** Full path of an executable on PATH, or null. */
export function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch { /* not here */ }
  }
  return null;
}

export { freePort };

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---- measurements ----

/** Resident set size of a process, in bytes. */
export const rssOf = (pid: number): number => residentOf(pid).rss;

export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/**
 * Limits on open files ("Max open files" in /proc/self/limits); children inherit them. Node cannot raise
 * the soft limit itself; `ulimit -n` in the parent shell can, up to the hard limit.
 */
export function fdLimit(): { soft: number; hard: number } {
  const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'latin1'));
  const n = (v: string | undefined) => (v === undefined || v === 'unlimited' ? Infinity : Number(v));
  return { soft: n(m?.[1]), hard: n(m?.[2]) };
}

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
