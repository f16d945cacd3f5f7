// What Linux's /proc says of a process: its resident memory and the CPU time it has used. Shared by the
// benchmarks, the load test and the fault matrix, which all watch a proxy running as a child process.
import { readFileSync, readdirSync } from 'node:fs';

/** Resident memory, bytes: in all, and split into anonymous (heaps, malloc), file-backed and shared pages. */
export interface Resident { rss: number; anon: number; file: number; shmem: number }

/** /proc/PID/status's figures (VmRSS = RssAnon + RssFile + RssShmem); all 0 for a zombie, which holds none. */
export function residentOf(pid: number): Resident {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kib('VmRSS'), anon: kib('RssAnon'), file: kib('RssFile'), shmem: kib('RssShmem') };
}

/** CPU time used (user + system), seconds: fields 14 and 15 of /proc/PID/stat, in ticks of 10 ms (USER_HZ). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3 on: the name may hold spaces
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The processes alive now, each with its parent: /proc/PID/stat's field 4. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      out.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* exited meanwhile */ }
  }
  return out;
}

/** The children of `pid` alive now whose command name (/proc/PID/comm) is `name`. */
export function childrenNamed(pid: number, name: string): number[] {
  return [...parents()].filter(([child, parent]) => {
    if (parent !== pid) return false;
    try {
      return readFileSync(`/proc/${child}/comm`, 'latin1').trim() === name;
    } catch {
      return false;
    }
  }).map(([child]) => child);
}

/**
 * CPU time used by a process and every descendant alive now (chromium's renderers, GPU and utility
 * processes, for instance), seconds. Processes that vanish while being read count for nothing.
 */
export function treeCpuSecondsOf(root: number): number {
  const children = new Map<number, number[]>();
  for (const [child, parent] of parents()) (children.get(parent) ?? children.set(parent, []).get(parent) as number[]).push(child);
  let total = 0;
  const pending = [root];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    try {
      total += cpuSecondsOf(pid);
    } catch { /* exited meanwhile */ }
    pending.push(...(children.get(pid) ?? []));
  }
  return total;
}
