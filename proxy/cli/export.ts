// `msnp-inspector export --capture FILE --format FORMAT [--session ID | --connection ID] [--out FILE]
// [--no-redact]`: a capture file's sessions in a portable format. Each format is one writer in FORMATS
// (proxy/export/); every format redacts credentials unless --no-redact is given.
import { closeSync, openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CaptureStore } from '../capture/store.js';
import { chunksWriter } from '../export/chunks.js';
import { fixtureWriter } from '../export/fixture.js';
import { framesWriter } from '../export/frames.js';
import { modelFromStore } from '../export/from-store.js';
import { pcapngWriter } from '../export/pcapng.js';
import { transcriptWriter } from '../export/transcript.js';
import type { ExportWriter } from '../export/types.js';
import { vitestWriter } from '../export/vitest.js';
import { openCapture, sessionArg } from './capture-file.js';
import { type CliCommand, type CliIo, UsageError } from './command.js';
import { progress } from './progress.js';

const FORMATS: Record<string, ExportWriter> = {
  chunks: chunksWriter,
  frames: framesWriter,
  fixture: fixtureWriter,
  transcript: transcriptWriter,
  pcapng: pcapngWriter,
  vitest: vitestWriter,
};

const HELP = `Usage: msnp-inspector export --capture FILE --format FORMAT [--session ID | --connection ID]
                             [--out FILE] [--no-redact] [--views]

Exports sessions of a capture file (all of them unless --session or --connection is given; across
several sessions, connection labels are prefixed "s<session id>:" to keep them apart).

Formats:
${Object.entries(FORMATS)
  .map(([name, f]) => `  ${name.padEnd(10)} ${f.summary}`)
  .join('\n')}

fixture and vitest hold one session: give --session (or --connection) when the capture has several.

Credentials are redacted by default, in every format: password digests and passwords, Passport
tickets and profiles, SSO nonces and responses, circle tickets, switchboard cookies, MSPAuth-style
profile headers. Each secret becomes the same REDACTED-<KIND>-<n> placeholder wherever it appears,
and payload lengths are fixed up, so the export still frames and replays. QRY challenge answers are
kept (they derive from public challenges). See docs/cli.md.

Options:
  --capture FILE     the capture file (SQLite) written by the proxy
  --format FORMAT    one of: ${Object.keys(FORMATS).join(', ')}
  --session ID       only this session (ids as listed by \`msnp-inspector sessions --json\`)
  --connection ID    only this connection (its id in \`sessions --json\`), decoded within its session
  --out FILE         write here instead of standard output
  --no-redact        keep credentials as captured
  --views            frames: include payload views, as \`decode --json --views\`
  -h, --help         this help

Exit code: 0, or 1 when the capture cannot be read, the session or connection does not exist, the
selection does not suit the format, or the output cannot be written.`;

/** Writes pieces to a file; returns the error message, or null. */
function writeFile(file: string, pieces: Iterable<string | Buffer>): string | null {
  // Take the first piece before creating the file: a selection the format refuses leaves no file.
  const iterator = pieces[Symbol.iterator]();
  let next = iterator.next();
  let fd: number;
  try {
    fd = openSync(file, 'w');
  } catch (error) {
    return (error as Error).message;
  }
  try {
    for (; !next.done; next = iterator.next()) {
      const piece = next.value;
      if (typeof piece === 'string') writeSync(fd, piece);
      else writeSync(fd, piece);
    }
    return null;
  } catch (error) {
    if (error instanceof RangeError) throw error;
    return (error as Error).message;
  } finally {
    closeSync(fd);
  }
}

function writeStdout(io: CliIo, pieces: Iterable<string | Buffer>): void {
  for (const piece of pieces) {
    if (typeof piece === 'string') io.out(piece);
    else if (io.outBytes) io.outBytes(piece);
    else io.out(piece.toString('latin1'));
  }
}

function connectionArg(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--connection must be a connection id (a positive integer), got '${value}'`);
  return n;
}

function run(store: CaptureStore, io: CliIo, values: {
  format: ExportWriter; sessionId: number | undefined; connectionId: number | undefined; out: string | undefined;
  redact: boolean; views: boolean;
}): number {
  const bar = progress('export');
  try {
    const model = modelFromStore(store, {
      ...(values.sessionId !== undefined ? { sessionId: values.sessionId } : {}),
      ...(values.connectionId !== undefined ? { connectionId: values.connectionId } : {}),
      redact: values.redact, onProgress: (done, total) => bar.update(done, total),
    });
    bar.finish();
    const pieces = values.format.write(model, { views: values.views });
    if (values.out === undefined) {
      writeStdout(io, pieces);
      return 0;
    }
    const problem = writeFile(values.out, pieces);
    if (problem !== null) {
      io.err(`msnp-inspector export: cannot write ${values.out}: ${problem}\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    bar.finish();
    if (error instanceof RangeError) {
      io.err(`msnp-inspector export: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'export sessions of a capture file (chunks, frames, fixture, transcript, pcapng, vitest)',
  help: HELP,
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        capture: { type: 'string' },
        format: { type: 'string' },
        session: { type: 'string' },
        connection: { type: 'string' },
        out: { type: 'string' },
        'no-redact': { type: 'boolean', default: false },
        views: { type: 'boolean', default: false },
      },
    });
    if (values.format === undefined) throw new UsageError(`--format is required (${Object.keys(FORMATS).join(', ')})`);
    const format = Object.hasOwn(FORMATS, values.format) ? FORMATS[values.format] : undefined;
    if (!format) throw new UsageError(`unknown format '${values.format}' (${Object.keys(FORMATS).join(', ')})`);
    const sessionId = sessionArg(values.session);
    const connectionId = connectionArg(values.connection);
    if (format.binary && values.out === undefined && process.stdout.isTTY && io.outBytes) {
      throw new UsageError(`${values.format} is binary: give --out FILE or redirect standard output`);
    }
    const store = openCapture(values.capture, io.err, 'export');
    if (!store) return 1;
    try {
      if (sessionId !== undefined && !store.getSession(sessionId)) {
        io.err(`msnp-inspector export: no session ${sessionId} in ${store.file}\n`);
        return 1;
      }
      return run(store, io, {
        format, sessionId, connectionId, out: values.out, redact: !values['no-redact'], views: values.views,
      });
    } finally {
      store.close();
    }
  },
};
