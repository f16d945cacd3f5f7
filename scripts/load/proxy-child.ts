// The real proxy for the load test: `node bin/msnp-inspector.js proxy … --web 127.0.0.1:0` in a child
// process, as a user runs it. Its ready line names the client address and the inspector URL; of its log
// (one line per connection and referral at info level) only warnings and errors are kept.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { launcherNodeArgs } from '../launcher.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const KEEP = 50;

export interface ProxyChild {
  child: ChildProcess;
  pid: number;
  /** Where clients connect. */
  address: string;
  inspectorUrl: string;
  /** Warning and error lines of its log (the first KEEP), and how many there were; read once it stopped. */
  problems: string[];
  problemCount: () => number;
  /** Each thread's event-loop delay and heap, and the proxy's CPU share: one sample per thread per 5 s (loop-probe.cjs). */
  loop: LoopSample[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (closes every connection, flushes the capture); SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface LoopSample {
  /** The proxy's main thread (the relay), its inspector's thread, or another worker. */
  thread: 'main' | 'inspector' | 'worker';
  /** Event-loop delay over the 5 s, ms. */
  p50: number;
  p99: number;
  max: number;
  /** CPU time over wall time (1 = one core busy). */
  cpu: number;
  /** The main thread's V8 heap (used, reserved) and memory held by JS objects outside it, bytes. */
  heapUsed: number;
  heapTotal: number;
  external: number;
  /** Heap in use just after the latest full GC (null before the first): what is live. */
  afterFullGc: number | null;
}

export async function startProxy(upstream: string, capture: string, webRoot: string | null, logFile: string, nodeFlags: string[] | null = null, captureWriter = 'auto'): Promise<ProxyChild> {
  // The log goes to a file, not a pipe: Node writes to a stderr pipe synchronously, so a reader that
  // falls behind would stall the proxy and be measured as the proxy's latency.
  const logFd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [
    ...(nodeFlags ?? launcherNodeArgs()), '--require', join(ROOT, 'scripts/load/loop-probe.cjs'), join(ROOT, 'bin/msnp-inspector.js'), 'proxy', '--listen', '127.0.0.1:0', '--upstream', upstream, '--capture', capture, '--web', '127.0.0.1:0', '--capture-writer', captureWriter,
  ], {
    cwd: ROOT, stdio: ['ignore', 'pipe', logFd],
    // A web build of this checkout made for the run (the proxy's developer knob for it), not web/dist.
    env: { ...process.env, ...(webRoot ? { MSNP_DEV_WEB_ROOT: webRoot } : {}) },
  });
  closeSync(logFd);
  const problems: string[] = [];
  const loop: LoopSample[] = [];
  let problemCount = 0;
  /** Reads the problems and the event-loop samples out of the log (once the proxy has exited). */
  const scan = () => {
    problems.length = 0;
    problemCount = 0;
    for (const line of readFileSync(logFile, 'utf8').split('\n')) {
      if (line.startsWith('[loop-probe] ')) {
        loop.push(JSON.parse(line.slice(13)) as LoopSample);
        continue;
      }
      if (!/\] (warn|error): /.test(line) && !/^\s*(at |Error|TypeError|RangeError)/.test(line)) continue;
      problemCount++;
      if (problems.length < KEEP) problems.push(line);
    }
  };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const ready = await new Promise<string>((done, fail) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', done);
    void exited.then(({ code }) => fail(new Error(`the proxy exited (${code}) before it was ready: ${readFileSync(logFile, 'utf8').slice(-2000)}`)));
  });
  const m = /listening on (\S+), forwarding to .*inspector at (http:\/\/\S+)$/.exec(ready);
  if (!m) {
    child.kill('SIGKILL');
    throw new Error(`unexpected ready line: ${ready}`);
  }
  return {
    child, pid: child.pid as number, address: m[1] as string, inspectorUrl: m[2] as string, problems, problemCount: () => problemCount, loop, exited,
    async stop(graceMs = 120_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      scan();
      return result;
    },
  };
}
