// How the store reacts to a failed write depends on whether waiting can fix it.

/**
 * True when the record itself can never be written (a constraint, a value SQLite refuses, a value the
 * driver cannot bind): retrying would stall the queue forever, so that record alone is set aside.
 * Everything else (busy, locked, disk full, I/O error, corruption, read-only file …) may pass later.
 */
export function isRecordError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) {
    // better-sqlite3 throws TypeError/RangeError for values it cannot bind.
    return error instanceof TypeError || error instanceof RangeError;
  }
  return /^SQLITE_(?:CONSTRAINT|TOOBIG|MISMATCH|RANGE)(?:_|$)/.test(code);
}

export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** Blocks the thread: only for close(), where the process is about to stop anyway. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
