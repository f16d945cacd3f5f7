// Opening a capture file for the read-only CLI commands, with one clear line when that is not possible.
import { existsSync } from 'node:fs';
import { CaptureStore } from '../capture/store.js';
import { UsageError } from './command.js';

/** Parses a `--session` value: a positive integer, or undefined when not given. */
export function sessionArg(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--session must be a session id (a positive integer), got '${value}'`);
  return n;
}

/** Opens read-only: listing or exporting never creates, upgrades or changes a capture. Null after reporting why. */
export function openCapture(file: string | undefined, err: (text: string) => void, command: string): CaptureStore | null {
  if (file === undefined) throw new UsageError('--capture FILE is required');
  if (!existsSync(file)) {
    err(`msnp-inspector ${command}: ${file}: no such file\n`);
    return null;
  }
  try {
    return CaptureStore.open(file, { readonly: true });
  } catch (error) {
    const message = (error as Error).message;
    err(`msnp-inspector ${command}: ${message.includes(file) ? message : `${file}: ${message}`}\n`);
    return null;
  }
}
