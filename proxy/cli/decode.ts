// `msnp-inspector decode FILE... [--json]`: decodes captures offline.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { DecodedFrame } from '../../shared/msnp/decoded.js';
import { decodeChunks } from '../decode/decode-chunks.js';
import { readInput } from '../decode/inputs/detect.js';
import { type CliCommand, UsageError, positiveInt } from './command.js';
import { formatFrame } from './listing.js';

const HELP = `Usage: msnp-inspector decode FILE... [--json] [--views] [--max-line BYTES] [--max-payload BYTES]

Decodes MSNP captures offline. Input formats are detected from the content:
  chunk JSONL   one {"dir":"c2s"|"s2c","conn":"<label>","t_ms":<number>,"b64":"<bytes>"} per line, per TCP read
  pcap, pcapng  TCP streams on port 1863, and any other stream whose first bytes parse as MSNP
  transcripts   msnp-wiki "C:"/"S:" (with ".." continuations), NINA/hypothetic ">>>"/"<<<"

Options:
  --json               one JSON object per frame per line, in capture order:
                       {"conn","dir","index","command","trId","params","payloadLength","version","fields","issues",…}
  --views              include payload views (MIME, XML, P2P, MSNP21 envelopes) in the output
  --max-line BYTES     longest accepted command line (default 16384)
  --max-payload BYTES  largest accepted payload (default 1048576)
  -h, --help           this help

Exit code: 0 when every file was read, 1 when a file could not be read or held nothing MSNP.`;

export const decodeCommand: CliCommand = {
  name: 'decode',
  summary: 'decode capture files (chunk JSONL, pcap/pcapng, transcripts) to frames',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        views: { type: 'boolean', default: false },
        'max-line': { type: 'string' },
        'max-payload': { type: 'string' },
      },
    });
    if (positionals.length === 0) throw new UsageError('no input file given');
    const limits = {
      ...(values['max-line'] ? { maxLine: positiveInt('--max-line', values['max-line']) } : {}),
      ...(values['max-payload'] ? { maxPayload: positiveInt('--max-payload', values['max-payload']) } : {}),
    };
    let status = 0;
    for (const file of positionals) {
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (error) {
        io.err(`msnp-inspector decode: cannot read ${file}: ${(error as Error).message}\n`);
        status = 1;
        continue;
      }
      const input = readInput(bytes, file);
      for (const issue of input.issues) io.err(`${file}: ${issue}\n`);
      if (input.chunks.length === 0) {
        io.err(`${file}: no MSNP data found\n`);
        status = 1;
        continue;
      }
      // Several files: keep their connection labels apart.
      const prefix = positionals.length > 1 ? `${basename(file)}:` : '';
      const chunks = prefix ? input.chunks.map((c) => ({ ...c, conn: prefix + c.conn })) : input.chunks;
      const { frames } = decodeChunks(chunks, { limits, views: values.views });
      if (!values.json) io.out(`${file}: ${input.format}, ${frames.length} frames\n`);
      io.out(values.json ? frames.map(toJsonLine).join('') : frames.map((f) => `${formatFrame(f, io.color)}\n`).join(''));
    }
    return status;
  },
};

function toJsonLine(frame: DecodedFrame): string {
  return `${JSON.stringify(frame)}\n`;
}
