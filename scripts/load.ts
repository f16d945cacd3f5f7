// `npm run load -- [--clients 1000] [--duration 600] [--json] …`: the load test (scripts/load/engine.ts).
// A thousand scripted clients of mixed protocol versions through the real proxy, with the inspector
// open in chromium; prints what was lost (nothing, or it fails), the proxy's memory over the run and
// the round-trip latency it adds. Exit code 1 when any check failed.
import { parseArgs } from 'node:util';
import { DEFAULTS, type HeapSummary, type LoadOptions, type LoadReport, mib, runLoad } from './load/engine.js';

const HELP = `Usage: npm run load -- [options]

  --clients N       concurrent scripted clients through the proxy (default ${DEFAULTS.clients})
  --duration S      seconds of load; clients then finish the session they are in (default ${DEFAULTS.durationS})
  --ramp S          clients start evenly over S seconds (default ${DEFAULTS.rampS})
  --think MS        mean pause between a client's requests (default ${DEFAULTS.thinkMs})
  --rounds N        switchboard rounds per sign-in (default ${DEFAULTS.rounds})
  --messages N      messages per switchboard (default ${DEFAULTS.messages})
  --direct N        clients going to the server directly, the latency baseline (default ${DEFAULTS.directClients})
  --sample S        proxy RSS sampling interval (default ${DEFAULTS.sampleS})
  --no-browser      do not open the inspector in chromium
  --seed N          seed of the clients' random pauses (default ${DEFAULTS.seed})
  --node-flags=F    node flags for the proxy instead of its launcher's, as one argument:
                    --node-flags="--max-semi-space-size=1 --heap-growing-percent=100"
  --capture-writer W  the proxy's --capture-writer: auto, thread or inline (default auto)
  --keep            keep the run's directory (capture file and proxy log) and print where it is
  --json            print the report as JSON (progress goes to stderr)`;

const { values } = parseArgs({
  options: {
    clients: { type: 'string' }, duration: { type: 'string' }, ramp: { type: 'string' }, think: { type: 'string' },
    rounds: { type: 'string' }, messages: { type: 'string' }, direct: { type: 'string' }, sample: { type: 'string' },
    'no-browser': { type: 'boolean', default: false }, 'node-flags': { type: 'string' }, 'capture-writer': { type: 'string', default: 'auto' }, keep: { type: 'boolean', default: false }, seed: { type: 'string' }, json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

function num(name: keyof typeof values, fallback: number, min = 0): number {
  const text = values[name];
  if (text === undefined || typeof text === 'boolean') return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min) {
    console.error(`--${name}: expected a number of at least ${min}, got '${text}'`);
    process.exit(2);
  }
  return n;
}

function captureWriter(text: string): LoadOptions['captureWriter'] {
  if (text === 'auto' || text === 'thread' || text === 'inline') return text;
  console.error(`--capture-writer: expected auto, thread or inline, got '${text}'`);
  process.exit(2);
}

const duration = num('duration', DEFAULTS.durationS, 1);
const options: Partial<LoadOptions> = {
  clients: num('clients', DEFAULTS.clients, 1),
  durationS: duration,
  rampS: num('ramp', Math.min(DEFAULTS.rampS, duration / 3)),
  thinkMs: num('think', DEFAULTS.thinkMs),
  rounds: num('rounds', DEFAULTS.rounds, 1),
  messages: num('messages', DEFAULTS.messages, 1),
  directClients: num('direct', DEFAULTS.directClients, 1),
  sampleS: num('sample', DEFAULTS.sampleS, 0.5),
  browser: !values['no-browser'],
  seed: num('seed', DEFAULTS.seed),
  nodeFlags: values['node-flags'] === undefined ? null : values['node-flags'].split(/\s+/).filter(Boolean),
  captureWriter: captureWriter(values['capture-writer']),
  keep: values.keep,
  log: (line) => process.stderr.write(`[load] ${line}\n`),
};

const report = await runLoad(options);
console.log(values.json ? JSON.stringify(report, null, 2) : readable(report));
process.exit(report.failures.length === 0 ? 0 : 1);

function heapLine(thread: string, h: HeapSummary): string {
  const live = h.maxLive === 0
    ? 'live heap not read (no full GC whose callback ran within 5 ms of its end)'
    : `live heap (in use after a full GC) after warm-up ${mib(h.warmLive)}, end ${mib(h.endLive)}, max ${mib(h.maxLive)}, second-half slope ${(h.secondHalfSlope / 1048576).toFixed(2)} MiB/min`;
  return `  ${thread}: ${live}; in use with garbage at most ${mib(h.maxUsed)}; outside the heap at the end ${mib(h.endExternal)}`;
}

function readable(r: LoadReport): string {
  const n = (v: number) => Math.round(v).toLocaleString('en-US');
  const ms = (v: number) => `${v.toFixed(2)} ms`;
  const o = r.options;
  const lines = [
    `load: ${o.clients} clients (MSNP2/8/12/15/18 in turn, ramped over ${o.rampS} s) for ${o.durationS} s through the proxy, ${o.directClients} direct; ${r.machine.cpus} CPUs, Node ${r.machine.node}`,
    `  proxy: node ${r.proxyNodeFlags.join(' ')}, capture writer ${r.captureWriter}`,
    `  think ${o.thinkMs} ms, ${o.rounds} switchboard rounds of ${o.messages} messages per sign-in; load lasted ${r.loadS.toFixed(0)} s (run ${r.elapsedS.toFixed(0)} s)`,
    '',
    `clients: ${r.clients.completed} of ${r.clients.started} completed every session (${n(r.clients.sessions)} sign-ins, at least ${r.clients.minSessions} each); ${r.clients.failed} failed`,
    `  by version: ${Object.entries(r.clients.byVersion).map(([v, e]) => `${v} ${e.clients} clients/${n(e.sessions)} sessions`).join(', ')}`,
    `traffic: ${n(r.traffic.c2sFrames)} frames c2s + ${n(r.traffic.s2cFrames)} s2c, ${mib(r.traffic.c2sBytes + r.traffic.s2cBytes)}; ${n(r.traffic.framesPerS)} frames/s, ${(r.traffic.bytesPerS / 1024).toFixed(0)} KiB/s`,
    '',
    `lost: ${r.lost.frames} frames, ${r.lost.bytes} bytes (client / server / capture):`,
    ...r.checks.map((k) => `  ${k.ok ? 'ok  ' : 'DIFF'} ${k.what.padEnd(42)} ${n(k.client)} / ${n(k.server)} / ${n(k.capture)}`),
    `  per client: ${r.handleMismatches.length === 0 ? 'every client\'s bytes and frames match its sessions in the capture' : `${r.handleMismatches.length} differ`}`,
    `  capture: integrity ${r.capture.integrity}, ${n(r.capture.sessions)} sessions, ${n(r.capture.connections)} connections (${r.capture.unclosed} unclosed), ${n(r.capture.rewrites)} referrals rewritten, ${mib(r.capture.fileBytes)} file`,
    '',
    `proxy RSS: start ${mib(r.memory.startRss)}, after warm-up ${mib(r.memory.warmRss)}, end ${mib(r.memory.endRss)}, max ${mib(r.memory.maxRss)}; second-half slope ${(r.memory.secondHalfSlope / 1048576).toFixed(2)} MiB/min (${r.memory.samples.length} samples); proxy CPU ${r.memory.proxyCpuS.toFixed(0)} s`,
    `  of which ${Object.entries(r.memory.parts).map(([k, v]) => `${k} ${mib(v.warm)} → ${mib(v.end)} (${(v.secondHalfSlope / 1048576).toFixed(2)} MiB/min)`).join(', ')} (after warm-up → end, second-half slope)`,
    heapLine('relay (main) thread', r.memory.heap),
    ...(r.memory.inspectorHeap ? [heapLine('inspector thread', r.memory.inspectorHeap)] : []),
    `latency (request → first reply): through the proxy p50 ${ms(r.latency.proxied.p50)} p99 ${ms(r.latency.proxied.p99)} (n=${n(r.latency.proxied.n)}); direct p50 ${ms(r.latency.direct.p50)} p99 ${ms(r.latency.direct.p99)} (n=${n(r.latency.direct.n)})`,
    `  added by the proxy: p50 ${ms(r.latency.addedP50)}, p99 ${ms(r.latency.addedP99)}`,
    `  first request of a new connection (accept included): proxy p50 ${ms(r.latency.opening.proxied.p50)} p99 ${ms(r.latency.opening.proxied.p99)}, direct p50 ${ms(r.latency.opening.direct.p50)} p99 ${ms(r.latency.opening.direct.p99)}`,
    `  other requests: proxy p50 ${ms(r.latency.inSession.proxied.p50)} p99 ${ms(r.latency.inSession.proxied.p99)}, direct p50 ${ms(r.latency.inSession.direct.p50)} p99 ${ms(r.latency.inSession.direct.p99)}`,
    `proxy event loop (5-s windows): delay p99 median ${ms(r.proxyLoop.p99Median)}, worst ${ms(r.proxyLoop.p99Max)}, longest ${ms(r.proxyLoop.max)}; CPU ${(100 * r.proxyLoop.cpuMean).toFixed(0)}% of a core on average, ${(100 * r.proxyLoop.cpuMax).toFixed(0)}% at most`,
    `CPU during the load: proxy ${r.cpu.proxyS.toFixed(0)} s, chromium ${r.cpu.chromiumS.toFixed(0)} s, scripted servers ${r.cpu.serversS.toFixed(0)} s, clients ${r.cpu.clientsS.toFixed(0)} s of ${r.cpu.availableS.toFixed(0)} s the cores offered`,
  ];
  if (r.browser) {
    lines.push(`inspector in chromium: ${r.browser.polls} polls, ${r.browser.failedPolls} unanswered, tail in view in ${r.browser.followedPolls}; showed up to ${n(r.browser.maxShown)} frames, ${n(r.browser.finalShown)} at the end; ${r.browser.problems.length} page errors`);
    lines.push(`  the page's requests: ${r.browser.resets} live-stream resets; ${Object.entries(r.browser.requests).sort().map(([path, count]) => `${path} ${n(count)}`).join(', ')}`);
  } else {
    lines.push('inspector in chromium: not opened');
  }
  lines.push(`proxy: exit ${r.proxy.exit.code ?? r.proxy.exit.signal}, ${r.proxy.problemCount} warnings/errors logged`);
  if (r.kept) lines.push(`kept: ${r.kept} (load.sqlite, proxy.log)`);
  lines.push('', r.failures.length === 0 ? 'PASS' : `FAIL:\n${r.failures.map((f) => `  - ${f}`).join('\n')}`);
  return lines.join('\n');
}
