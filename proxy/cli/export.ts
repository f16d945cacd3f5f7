// `msnp-inspector export --capture FILE --format FORMAT [--session ID] [--out FILE]`: a capture file's
// sessions in a portable format. Each format is one writer in FORMATS.
import { closeSync, openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeSession, sessionAsChunks } from '../capture/read-capture.js';
import type { CaptureStore } from '../capture/store.js';
import { writeChunksJsonl } from '../decode/inputs/chunks-jsonl.js';
import { openCapture, sessionArg } from './capture-file.js';
import { type CliCommand, UsageError } from './command.js';

/** Records per piece handed to the output: bounds the size of any one string. */
const PIECE = 1000;

interface ExportFormat {
  summary: string;
  /** The export as pieces of text; `sessionId` undefined means every session. */
  write(store: CaptureStore, sessionId: number | undefined, options: { views: boolean }): Iterable<string>;
}

function* slices<T>(items: T[], render: (slice: T[]) => string): Iterable<string> {
  for (let i = 0; i < items.length; i += PIECE) yield render(items.slice(i, i + PIECE));
}

const FORMATS: Record<string, ExportFormat> = {
  chunks: {
    summary: 'chunk JSONL, one {"dir","conn","t_ms","b64"} per stored read, in capture order (input for `decode`)',
    write: (store, sessionId) => slices(sessionAsChunks(store, sessionId), writeChunksJsonl),
  },
  frames: {
    summary: 'the JSON lines `msnp-inspector decode --json` prints, one decoded frame per line',
    write: (store, sessionId, { views }) =>
      slices(decodeSession(store, sessionId, { views }).frames, (frames) => frames.map((f) => `${JSON.stringify(f)}\n`).join('')),
  },
};

const HELP = `Usage: msnp-inspector export --capture FILE --format FORMAT [--session ID] [--out FILE]

Exports sessions of a capture file (all of them unless --session is given; then connection labels
are prefixed "s<session id>:" to keep sessions apart).

Formats:
${Object.entries(FORMATS)
  .map(([name, f]) => `  ${name.padEnd(8)} ${f.summary}`)
  .join('\n')}

Options:
  --capture FILE   the capture file (SQLite) written by the proxy
  --format FORMAT  one of: ${Object.keys(FORMATS).join(', ')}
  --session ID     only this session (ids as listed by \`msnp-inspector sessions\`)
  --out FILE       write here instead of standard output
  --views          frames: include payload views, as \`decode --json --views\`
  -h, --help       this help

Exit code: 0, or 1 when the capture cannot be read, the session does not exist or the output cannot be written.`;

/** Writes pieces to a file; returns the error message, or null. */
function writeFile(file: string, pieces: Iterable<string>): string | null {
  let fd: number;
  try {
    fd = openSync(file, 'w');
  } catch (error) {
    return (error as Error).message;
  }
  try {
    for (const piece of pieces) writeSync(fd, piece);
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    closeSync(fd);
  }
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'export sessions of a capture file (chunk JSONL, decoded frames)',
  help: HELP,
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        capture: { type: 'string' },
        format: { type: 'string' },
        session: { type: 'string' },
        out: { type: 'string' },
        views: { type: 'boolean', default: false },
      },
    });
    if (values.format === undefined) throw new UsageError(`--format is required (${Object.keys(FORMATS).join(', ')})`);
    const format = Object.hasOwn(FORMATS, values.format) ? FORMATS[values.format] : undefined;
    if (!format) throw new UsageError(`unknown format '${values.format}' (${Object.keys(FORMATS).join(', ')})`);
    const sessionId = sessionArg(values.session);
    const store = openCapture(values.capture, io.err, 'export');
    if (!store) return 1;
    try {
      if (sessionId !== undefined && !store.getSession(sessionId)) {
        io.err(`msnp-inspector export: no session ${sessionId} in ${store.file}\n`);
        return 1;
      }
      const pieces = format.write(store, sessionId, { views: values.views });
      if (values.out === undefined) {
        for (const piece of pieces) io.out(piece);
        return 0;
      }
      const problem = writeFile(values.out, pieces);
      if (problem !== null) {
        io.err(`msnp-inspector export: cannot write ${values.out}: ${problem}\n`);
        return 1;
      }
      return 0;
    } finally {
      store.close();
    }
  },
};
