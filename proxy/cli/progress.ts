// A one-line progress display on stderr for long imports and exports: `\r`-rewritten, with percent
// and counts, throttled, and nothing at all when stderr is not a terminal (pipes, CI, tests).
export interface Progress {
  update(done: number, total: number): void;
  finish(): void;
}

const SILENT: Progress = { update() {}, finish() {} };
const EVERY_MS = 100;

export function progress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return SILENT;
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < EVERY_MS && done < total) return;
      last = now;
      shown = true;
      const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
      stream.write(`\r${label}: ${String(percent).padStart(3)}% (${done}/${total})\x1b[K`);
    },
    finish() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
