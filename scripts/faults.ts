// The fault matrix against the real CLI (`msnp-inspector proxy` as a child process, fake servers and
// clients on 127.0.0.1, real SQLite files): kill -9 and SIGTERM during a burst, the capture file full
// and locked, upstream reset and stalls, a client vanishing mid-payload, 10,000 half-open connections.
// Prints one table of figures (or JSON with --json); exit code 1 when any check failed.
//
//   npm run faults                      the whole matrix (a few minutes; 2 CPU cores are plenty)
//   npm run faults -- --json            the same as JSON
//   npm run faults -- --only kill,term  some faults only (names: kill, term, full, locked, reset,
//                                       vanish, stall, half-open, half-open-lazy)
//   other flags: --half-open N (default 10000), --kill-rounds N (default 5), --outage-ms MS (default 2000)
//
// Half-open connections need two descriptors each in the proxy (with --upstream-connect lazy, one, and
// two for those that sent something): on a machine whose open-file limit (`ulimit -n`) is lower than
// that plus 200, the count is capped to fit and the row says so.
import type { UpstreamConnect } from '../proxy/relay/relay.js';
import { killDuringBurst, termDuringBurst } from './faults/bursts.js';
import { type HalfOpenResult, halfOpen } from './faults/half-open.js';
import { clientVanishes, upstreamReset, upstreamStalls } from './faults/peers.js';
import { type Checks, type FaultResult, run } from './faults/result.js';
import { storeOutage } from './faults/store-outage.js';

interface Args {
  json: boolean;
  only: Set<string> | null;
  halfOpen: number;
  killRounds: number;
  outageMs: number;
}

const NAMES = ['kill', 'term', 'full', 'locked', 'reset', 'vanish', 'stall', 'half-open', 'half-open-lazy'];
const USAGE = `usage: npx tsx scripts/faults.ts [--json] [--only ${NAMES.join(',')}] [--half-open N] [--kill-rounds N] [--outage-ms MS]`;

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, only: null, halfOpen: 10_000, killRounds: 5, outageMs: 2000 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    const count = () => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number\n${USAGE}`);
      return n;
    };
    if (flag === '--json') args.json = true;
    else if (flag === '--only') {
      args.only = new Set(value().split(','));
      for (const name of args.only) if (!NAMES.includes(name)) throw new Error(`unknown fault ${name}\n${USAGE}`);
    } else if (flag === '--half-open') args.halfOpen = count();
    else if (flag === '--kill-rounds') args.killRounds = Math.max(1, count());
    else if (flag === '--outage-ms') args.outageMs = count();
    else throw new Error(`unknown flag ${flag}\n${USAGE}`);
  }
  return args;
}

async function halfOpenRow(c: Checks, asked: number, upstreamConnect: UpstreamConnect): Promise<void> {
  const r: HalfOpenResult = await halfOpen(asked, upstreamConnect);
  c.check(r.captureProblems.length === 0, `normal sessions: ${r.captureProblems.join('; ')}`);
  c.check(r.recordedOpen === r.count, `${r.recordedOpen} of ${r.count} recorded as open`);
  const closes = Object.values(r.closeReasons).reduce((a, b) => a + b, 0);
  c.check(closes === r.count, `${closes} of ${r.count} closes recorded`);
  c.check(r.exit.code === 0, `exit ${JSON.stringify(r.exit)}`);
  const fds = upstreamConnect === 'eager' ? '2 fds each in the proxy' : '1 fd each in the proxy, 2 for those that spoke';
  c.set('half-open connections', r.capped ? `${r.count} (capped from ${asked}: ulimit -n is ${r.fdLimit}, ${fds})` : r.count);
  c.set('of them connected upstream', `${r.upstreamConnections} (--upstream-connect ${upstreamConnect})`);
  c.set('proxy RSS before / with them (MiB)', `${(r.rssBefore / 1048576).toFixed(1)} / ${(r.rssWith / 1048576).toFixed(1)}`);
  c.set('RSS per half-open connection (KiB)', (r.rssPerConnection / 1024).toFixed(1));
  c.set('normal session alone / beside them (ms)', `${Math.round(r.sessionAloneMs)} / ${Math.round(r.sessionBesideMs)}`);
  c.set('normal session', r.captureProblems.length === 0 ? 'byte for byte, fully captured' : 'MISMATCH');
  c.set('closes recorded', `${closes} of ${r.count} in ${(r.closesRecordedMs / 1000).toFixed(1)} s (the proxy logged the last after ${(r.closesLoggedMs / 1000).toFixed(1)} s, using ${Math.round(r.closesCpuMs)} ms of CPU: ${(r.closesCpuMs / r.count).toFixed(2)} ms per close)`);
  c.set('close reasons', Object.entries(r.closeReasons).map(([k, v]) => `${v} ${k}`).join(', '));
  c.set('half lines captured, flagged truncated', r.halfLinesCaptured);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const faults: Array<[string, string, (c: Checks) => Promise<void>]> = [
    ['kill', 'kill -9 during a burst', (c) => killDuringBurst(c, args.killRounds, 10_000)],
    ['term', 'SIGTERM during a burst', (c) => termDuringBurst(c, 10_000)],
    ['full', 'capture file full (page cap)', (c) => storeOutage(c, 'full', args.outageMs)],
    ['locked', 'capture file locked by another process', (c) => storeOutage(c, 'locked', args.outageMs)],
    ['reset', 'upstream resets mid-payload', upstreamReset],
    ['vanish', 'client vanishes mid-payload', clientVanishes],
    ['stall', 'upstream stalls (stops answering / stops reading)', upstreamStalls],
    ['half-open', 'half-open connections', (c) => halfOpenRow(c, args.halfOpen, 'eager')],
    ['half-open-lazy', 'half-open connections, --upstream-connect lazy', (c) => halfOpenRow(c, args.halfOpen, 'lazy')],
  ];
  const results: FaultResult[] = [];
  for (const [name, title, body] of faults) {
    if (args.only && !args.only.has(name)) continue;
    if (!args.json) process.stderr.write(`running: ${title}…\n`);
    results.push(await run(title, body));
  }
  if (args.json) process.stdout.write(`${JSON.stringify({ node: process.version, results }, null, 2)}\n`);
  else process.stdout.write(table(results));
  return results.every((r) => r.ok) ? 0 : 1;
}

/** One block per fault: its verdict, then its figures and any failed checks. */
function table(results: FaultResult[]): string {
  const lines: string[] = [];
  const width = Math.max(...results.flatMap((r) => Object.keys(r.figures).map((k) => k.length)), 10);
  for (const r of results) {
    lines.push(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.fault}`);
    for (const [k, v] of Object.entries(r.figures)) lines.push(`      ${k.padEnd(width)}  ${v}`);
    for (const f of r.failures) lines.push(`      ! ${f}`);
  }
  return `${lines.join('\n')}\n`;
}

main().then((code) => { process.exitCode = code; }, (error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 2;
});
