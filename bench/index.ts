// `npm run bench`: every benchmark, each reporting ratios against a baseline measured in the same run.
// `npx tsx bench/index.ts latency capture` runs only the ones named (framer, latency, capture, memory, browser).
// Sizes: LATENCY_N (round trips per path, 5000), CAPTURE_N (frames, 200000), MEMORY_BYTES (relayed
// through the proxy, 1 GiB; 0 skips), MEMORY_TRIDS=fixed (every client MSG with TrID 1, a diagnostic),
// IDLE_CONNECTIONS (10000; 0 skips). Process-level benches need socat (apt-get install socat) for the
// relay baseline and enough open files (ulimit -n) for 2 per idle connection in the proxy.
// browser (Debian's chromium; skipped without it): BROWSER_RATE (frames/s through the proxy, 20000),
// BROWSER_SECONDS (6), BROWSER_FRAMES (the seeded capture opened and scrolled, 1000000; cached in the
// temp directory).
import { benchBrowser } from './browser.js';
import { benchCapture } from './capture.js';
import { benchFramer } from './framer.js';
import { benchLatency } from './latency.js';
import { benchMemory } from './memory.js';

const BENCHES: Record<string, () => void | Promise<void>> = {
  framer: benchFramer,
  latency: benchLatency,
  capture: benchCapture,
  memory: benchMemory,
  browser: benchBrowser,
};

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
for (const name of asked.length > 0 ? asked : Object.keys(BENCHES)) {
  try {
    await BENCHES[name]!();
  } catch (error) {
    console.error(`\n${name}: FAILED: ${(error as Error).stack ?? error}`);
    process.exitCode = 1;
  }
}
// Children and temp files are released by harness.ts on exit; nothing may keep the process alive.
process.exit();
