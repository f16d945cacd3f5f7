// `msnp-inspector import --capture FILE INPUT...`: stores captures made elsewhere in a capture file,
// as sessions marked imported, exactly as the proxy stores live ones.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { CaptureStore } from '../capture/store.js';
import { type FixtureConnection, type FixtureDoc, parseFixture } from '../fixture/schema.js';
import { planSessions } from '../import/plan.js';
import { readImportInput } from '../import/read.js';
import { storeSession } from '../import/store-session.js';
import { type CliCommand, UsageError } from './command.js';
import { progress } from './progress.js';

const HELP = `Usage: msnp-inspector import --capture FILE INPUT...

Reads each INPUT and stores it in the capture file (created when missing) as sessions marked
"imported from <file name>": reads as chunks, frames decoded by the same decoder as live capture,
connections labelled ds1/ns1/sb1… and linked by the referrals and cookies that led to them.

Inputs (detected from the content):
  chunk JSONL, fixtures, pcap/pcapng, msnp-wiki "C:"/"S:" and NINA ">>>"/"<<<" transcripts
  Pidgin/libpurple debug logs   "(12:34:56) msn: C: NS 000: VER 1 MSNP15 …" with "Message …:" dumps
  Escargot server logs          "NS/3fa2 >>> VER 1 MSNP18 …", "NS/3fa2 <<< …", payloads as b'…'

One session per input, except chunk JSONL exported across sessions ("s<id>:" labels): one per id.
Transcripts and logs without dates get times laid out from the moment of import.

Options:
  --capture FILE  the capture file (SQLite) to add to
  -h, --help      this help

Exit code: 0 when every input was imported, 1 when one could not be read or held nothing MSNP.`;

function fixtureMeta(bytes: Buffer, format: string): { session: FixtureDoc['session']; connections: Map<string, FixtureConnection> } | undefined {
  if (format !== 'fixture') return undefined;
  const doc = parseFixture(JSON.parse(bytes.toString('utf8')));
  return { session: doc.session, connections: new Map(doc.connections.map((c) => [c.label, c])) };
}

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'store captures made elsewhere (pcap, transcripts, fixtures, Pidgin/Escargot logs) in a capture file',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { capture: { type: 'string' } } });
    if (values.capture === undefined) throw new UsageError('--capture FILE is required');
    if (positionals.length === 0) throw new UsageError('no input file given');
    const inputs: Array<{ file: string; bytes: Buffer }> = [];
    let status = 0;
    for (const file of positionals) {
      if (!existsSync(file)) {
        io.err(`msnp-inspector import: ${file}: no such file\n`);
        status = 1;
        continue;
      }
      inputs.push({ file, bytes: await readFile(file) });
    }
    let store: CaptureStore;
    try {
      store = CaptureStore.open(values.capture, { log: (level, message) => io.err(`capture store ${level}: ${message}\n`) });
    } catch (error) {
      io.err(`msnp-inspector import: ${(error as Error).message}\n`);
      return 1;
    }
    try {
      for (const { file, bytes } of inputs) {
        const name = basename(file);
        const input = readImportInput(bytes, name);
        for (const issue of input.issues) io.err(`${file}: ${issue}\n`);
        if (input.chunks.length === 0) {
          io.err(`${file}: no MSNP data found\n`);
          status = 1;
          continue;
        }
        const fixture = fixtureMeta(bytes, input.format);
        const bar = progress(`import ${name}`);
        for (const plan of planSessions(input.chunks, input.connections)) {
          const stored = storeSession(store, plan, {
            imported: name, ...(fixture ? { fixture } : {}),
            onProgress: (done, total) => bar.update(done, total), log: (m) => io.err(`${file}: ${m}\n`),
          });
          bar.finish();
          io.out(`${file}: ${input.format}, session ${stored.sessionId}: ${stored.connections} connection${stored.connections === 1 ? '' : 's'}, ${stored.frames} frames\n`);
        }
      }
    } finally {
      if (!store.close()) status = 1;
    }
    return status;
  },
};
