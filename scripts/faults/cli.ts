// The real `msnp-inspector proxy` as a child process on ephemeral ports, for the fault suite (the
// scripts/faults.ts matrix and test/faults): its ready line, its log, its memory, its exit.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UpstreamConnect } from '../../proxy/relay/relay.js';
import { launcherNodeArgs } from '../launcher.js';
import { cpuSecondsOf, residentOf } from '../proc.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliOptions {
  upstream: string;
  capture: string;
  /** Serve the inspector on an ephemeral port (default: --no-web). */
  web?: boolean;
  /** MSNP_DEV_CAPTURE_MAX_PAGES: the capture starts "full" (see proxy/cli/dev-env.ts). */
  maxPages?: number;
  /** MSNP_DEV_WEB_ROOT: a web build to serve instead of web/dist. */
  webRoot?: string;
  /** `--upstream-connect` (default: the proxy's own, eager). */
  upstreamConnect?: UpstreamConnect;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliProxy {
  child: ChildProcess;
  pid: number;
  /** Where clients connect. */
  address: string;
  /** The inspector's URL, when served. */
  url: string | null;
  exited: Promise<Exit>;
  stderr(): string;
  /** Resident memory of the process now, in bytes (Linux /proc). */
  rss(): number;
  /** CPU time the process has used so far (user + system), in ms (Linux /proc). */
  cpuMs(): number;
  /** Sends `signal` (once still running) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

const READY_MS = 30_000;

export async function startCli(options: CliOptions): Promise<CliProxy> {
  const args = [...launcherNodeArgs(), 'bin/msnp-inspector.js', 'proxy', '--listen', '127.0.0.1:0', '--upstream', options.upstream, '--capture', options.capture];
  args.push(...(options.web ? ['--web', '127.0.0.1:0'] : ['--no-web']));
  if (options.upstreamConnect) args.push('--upstream-connect', options.upstreamConnect);
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  if (options.maxPages !== undefined) env.MSNP_DEV_CAPTURE_MAX_PAGES = String(options.maxPages);
  if (options.webRoot !== undefined) env.MSNP_DEV_WEB_ROOT = options.webRoot;
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (t: string) => { stderr += t; });
  const exited = new Promise<Exit>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  let timer: NodeJS.Timeout | undefined;
  const ready = await new Promise<string>((done, fail) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (t: string) => {
      out += t;
      if (out.includes('\n')) done(out.slice(0, out.indexOf('\n')));
    });
    void exited.then(({ code }) => fail(new Error(`proxy exited (${code}) before it was ready: ${stderr}`)));
    timer = setTimeout(() => fail(new Error(`proxy not ready after ${READY_MS} ms: ${stderr}`)), READY_MS);
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  }).finally(() => clearTimeout(timer));
  const address = /listening on (\S+), forwarding to /.exec(ready)?.[1];
  if (!address) throw new Error(`no address in the ready line: ${ready}`);
  const pid = child.pid as number;
  return {
    child, pid, address, url: /inspector at (http:\/\/\S+)/.exec(ready)?.[1] ?? null, exited,
    stderr: () => stderr,
    rss: () => residentOf(pid).rss,
    cpuMs: () => cpuSecondsOf(pid) * 1000,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The store's "writing again after N failed attempts over S s (W records written)" lines in a log. */
export function recoveries(log: string): Array<{ attempts: number; seconds: number; records: number }> {
  const out: Array<{ attempts: number; seconds: number; records: number }> = [];
  for (const m of log.matchAll(/writing again after (\d+) failed attempts over ([\d.]+) s \((\d+) records written\)/g)) {
    out.push({ attempts: Number(m[1]), seconds: Number(m[2]), records: Number(m[3]) });
  }
  return out;
}
