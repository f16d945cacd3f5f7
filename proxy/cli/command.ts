// A CLI subcommand: its help text and what it does. `run` returns the process exit code.
export interface CliCommand {
  name: string;
  summary: string;
  /** Full help, printed by `msnp-inspector NAME --help`. */
  help: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Binary output (pcapng exports); when absent, bytes are passed to `out` as latin1 text. */
  outBytes?: (bytes: Uint8Array) => void;
  /** Colour output (a TTY, and NO_COLOR unset). */
  color: boolean;
}

/** Thrown for bad command-line usage: printed with the command's help, exit code 2. */
export class UsageError extends Error {}

/** Parses a numeric option that must be a positive integer; undefined when not given. */
export function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${name} must be a positive integer, got '${value}'`);
  return n;
}
