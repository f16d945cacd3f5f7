// What Linux's /proc says of a process: its resident memory and the CPU time it has used. Shared by the
// benchmarks, the load test and the fault matrix, which all watch a proxy running as a child process.
import { readFileSync } from 'node:fs';

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
