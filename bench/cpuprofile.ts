// Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time by function and by file, and
// inclusive time of the project's own functions. Usage: npx tsx bench/cpuprofile.ts FILE.cpuprofile [TOP]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const short = (url: string) => url.replace(/^file:\/\/.*?\/(proxy|shared|bench|node_modules)\//, '$1/').replace(/^node:/, 'node:');

export function summarize(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    total += dt;
  });
  const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
  const self = new Map<string, number>();
  const files = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    self.set(label(n), (self.get(label(n)) ?? 0) + us);
    const f = n.callFrame.url ? short(n.callFrame.url) : n.callFrame.functionName;
    files.set(f, (files.get(f) ?? 0) + us);
    // Inclusive: charge every distinct project frame on the stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const c = byId.get(cur)!;
      if (!/\/(proxy|shared)\//.test(c.callFrame.url)) continue;
      const l = label(c);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  const rows = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([l, us]) => `  ${pct(us)} ${(us / 1000).toFixed(0).padStart(6)} ms  ${l}`);
  return [
    `${file}: ${(total / 1000).toFixed(0)} ms sampled`,
    'self time by function:', ...rows(self, top),
    'self time by file:', ...rows(files, 12),
    'inclusive time, project functions:', ...rows(inclusive, top),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(summarize(process.argv[2]!, Number(process.argv[3] ?? 25)));
}
