// The real proxy for the load test: `node bin/msnp-inspector.js proxy … --web 127.0.0.1:0` in a child
// process, as a user runs it. Its ready line names the client address and the inspector URL; its log
// (one line per connection and referral at info level) is drained and only warnings and errors kept.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const KEEP = 50;

export interface ProxyChild {
  child: ChildProcess;
  pid: number;
  /** Where clients connect. */
  address: string;
  inspectorUrl: string;
  /** Warning and error lines of its log (the first KEEP), and how many there were. */
  problems: string[];
  problemCount: () => number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (closes every connection, flushes the capture); SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startProxy(upstream: string, capture: string, webRoot: string | null): Promise<ProxyChild> {
  const child = spawn(process.execPath, [
    join(ROOT, 'bin/msnp-inspector.js'), 'proxy', '--listen', '127.0.0.1:0', '--upstream', upstream, '--capture', capture, '--web', '127.0.0.1:0',
  ], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    // A web build of this checkout made for the run (the proxy's developer knob for it), not web/dist.
    env: { ...process.env, ...(webRoot ? { MSNP_DEV_WEB_ROOT: webRoot } : {}) },
  });
  const problems: string[] = [];
  let problemCount = 0;
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (!/\] (warn|error): /.test(line) && !/^\s*(at |Error|TypeError|RangeError)/.test(line)) return;
    problemCount++;
    if (problems.length < KEEP) problems.push(line);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const ready = await new Promise<string>((done, fail) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', done);
    void exited.then(({ code }) => fail(new Error(`the proxy exited (${code}) before it was ready: ${problems.join('\n')}`)));
  });
  const m = /listening on (\S+), forwarding to .*inspector at (http:\/\/\S+)$/.exec(ready);
  if (!m) {
    child.kill('SIGKILL');
    throw new Error(`unexpected ready line: ${ready}`);
  }
  return {
    child, pid: child.pid as number, address: m[1] as string, inspectorUrl: m[2] as string, problems, problemCount: () => problemCount, exited,
    async stop(graceMs = 120_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Resident set size of a process, in bytes (VmRSS in /proc/PID/status). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** CPU time a process has used (user + system), in seconds. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}
