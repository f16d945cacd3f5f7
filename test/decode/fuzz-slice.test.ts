// A fast, deterministic slice of the decoder fuzzer (scripts/fuzz.ts): generated and mutated inputs
// through the framer, the whole decoder with payload views, every payload view, the input readers
// and redaction. No exception may escape or be swallowed by a guard, every byte must come out in
// exactly one frame, frames must not depend on how the bytes were chunked, and memory stays bounded.
//
// The inputs are a prefix of seed SEED's sequence: a failure names its input index, replayed with
//   npx tsx scripts/fuzz.ts --seed 20240601 --only <index>
// The run stops early (after a prefix of the same sequence) if the machine is too slow to finish
// within the time budget, so the test stays well under the 60 s test timeout.
import { describe, expect, it } from 'vitest';
import { formatReport, loadCorpus, passed, runFuzz } from '../../scripts/fuzz.js';

const SEED = 20240601;
const COUNT = 20_000;
const TIME_BUDGET_MS = 30_000;
/** Fewer inputs than this means the slice did not test much (a very slow or very loaded machine). */
const MIN_INPUTS = 2_000;

describe('decoder fuzz slice', () => {
  it(`${COUNT} generated and mutated inputs: no exceptions, bytes conserved, chunking-independent, bounded memory`, () => {
    const report = runFuzz({ count: COUNT, seed: SEED, corpus: loadCorpus(), timeBudgetMs: TIME_BUDGET_MS, rssLimit: null });
    const text = formatReport(report);
    expect(report.inputs, text).toBeGreaterThanOrEqual(Math.min(COUNT, MIN_INPUTS));
    // Every kind of input and every target took part.
    for (const kind of ['gen:random-bytes', 'gen:token-soup', 'gen:frames', 'gen:big-lengths', 'mut:session', 'gen:mime', 'gen:xml', 'gen:p2p-v1', 'gen:p2p-v2', 'gen:msnp21', 'mut:payload', 'mut:file', 'gen:pcap']) {
      expect(report.byKind[kind] ?? 0, `${kind}\n${text}`).toBeGreaterThan(0);
    }
    for (const target of ['framer', 'decoder', 'views', 'reader', 'redaction']) {
      expect(report.targetRuns[target] ?? 0, `${target}\n${text}`).toBeGreaterThan(0);
    }
    expect(report.rechunkChecks, text).toBeGreaterThan(0);
    // The findings, each with its reproducer, are in the message when this fails.
    expect(passed(report), text).toBe(true);
    expect(report.maxHeap - report.startHeap, text).toBeLessThan(400 * 1024 * 1024);
  }, 60_000);
});
