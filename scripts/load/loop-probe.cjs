// Preloaded into the proxy by the load test (`node --require ./loop-probe.cjs …`; CommonJS, because only
// --require preloads also run in worker threads): every 5 s, one line per thread on stderr with its event
// loop's delay over those seconds (ms), the process's CPU use (so that the report can tell a busy proxy
// from one starved of CPU by its neighbours), the thread's V8 heap and the memory held outside it. The
// heap in use right after the thread's latest full (mark-compact) GC is what is live: garbage not yet
// collected makes the plain figure swing by a hundred MiB under load, so only the former can show a leak.
'use strict';
const { PerformanceObserver, constants, monitorEventLoopDelay, performance } = require('node:perf_hooks');
const { getHeapStatistics } = require('node:v8');
const { isMainThread, workerData } = require('node:worker_threads');

// Which thread: the proxy's own, its inspector (recognised by what it is started with) or another.
const thread = isMainThread ? 'main' : workerData && typeof workerData === 'object' && 'live' in workerData ? 'inspector' : 'worker';

// The observer runs some time after the GC: on a busy thread, long enough for a large response to be
// allocated meanwhile. Only readings taken within FRESH_MS of the GC's end count.
const FRESH_MS = 5;
let afterFullGc = null;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.detail || entry.detail.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
    if (performance.now() - (entry.startTime + entry.duration) <= FRESH_MS) afterFullGc = getHeapStatistics().used_heap_size;
  }
}).observe({ entryTypes: ['gc'] });

const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
let cpu = process.cpuUsage();
let at = performance.now();
setInterval(() => {
  const now = performance.now();
  const used = process.cpuUsage(cpu);
  const ms = (ns) => Number((ns / 1e6).toFixed(1));
  const heap = getHeapStatistics();
  const line = {
    thread,
    p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), cpu: Number(((used.user + used.system) / 1000 / (now - at)).toFixed(3)),
    heapUsed: heap.used_heap_size, heapTotal: heap.total_heap_size, external: heap.external_memory, afterFullGc,
  };
  process.stderr.write(`[loop-probe] ${JSON.stringify(line)}\n`);
  histogram.reset();
  cpu = process.cpuUsage();
  at = now;
}, 5000).unref();
