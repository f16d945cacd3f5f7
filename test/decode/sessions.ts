// Reads payload bytes out of the reference example sessions (../shared/reference beside the repo).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const referenceDir = resolve(repoRoot, '../shared/reference');

export interface SessionPayload {
  /** The payload bytes, cut to the length declared on the command line. */
  bytes: Buffer;
  declared: number;
  /** Bytes the transcript actually holds for this payload (before cutting). */
  available: number;
}

/**
 * The payload following `commandLine` (e.g. 'S: MSG Hotmail Hotmail 448') in sessions/`file`.
 * Lines are joined with CRLF as on the wire. `compact` strips the indentation and line breaks that
 * the wiki added to XML for readability (the declared lengths are of the compact form).
 */
export function sessionPayload(file: string, commandLine: string, opts: { compact?: boolean } = {}): SessionPayload {
  const lines = readFileSync(resolve(referenceDir, 'sessions', file), 'utf8').split(/\r?\n/);
  const at = lines.indexOf(commandLine);
  if (at < 0) throw new Error(`${commandLine} not found in ${file}`);
  const declared = Number(commandLine.split(' ').at(-1));
  const body: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (/^(C|S): /.test(line) || line.startsWith('# ')) break;
    body.push(line);
  }
  const text = opts.compact ? body.map((l) => l.trim()).join('') : body.map((l) => `${l}\r\n`).join('');
  const all = Buffer.from(text, 'utf8');
  return { bytes: all.subarray(0, declared), declared, available: all.length };
}
