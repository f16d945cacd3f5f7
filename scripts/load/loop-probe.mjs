// Preloaded into the proxy by the load test (`node --import ./loop-probe.mjs …`): every 5 s, one line on
// stderr with the event loop's delay over those seconds (ms) and the process's CPU use, so that the
// report can tell a busy proxy from one starved of CPU by its neighbours; and the main thread's V8 heap
// and the memory outside it (buffers), so that RSS growth can be told apart from a growing heap.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
let cpu = process.cpuUsage();
let at = performance.now();
setInterval(() => {
  const now = performance.now();
  const used = process.cpuUsage(cpu);
  const ms = (ns) => Number((ns / 1e6).toFixed(1));
  const memory = process.memoryUsage();
  const line = {
    p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), cpu: Number(((used.user + used.system) / 1000 / (now - at)).toFixed(3)),
    heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external,
  };
  process.stderr.write(`[loop-probe] ${JSON.stringify(line)}\n`);
  histogram.reset();
  cpu = process.cpuUsage();
  at = now;
}, 5000).unref();
