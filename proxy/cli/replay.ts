// `msnp-inspector replay FIXTURE --as server|client`: plays one side of a recorded session against a
// real peer. As server it answers a real client with the recorded replies and reports where the
// client diverged; as client it drives a real server with the recorded commands and reports where
// the server's replies differ from the recording.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildFixture } from '../fixture/build.js';
import { type LoadedFixture, loadFixture } from '../fixture/load.js';
import { looksLikeFixture } from '../fixture/schema.js';
import { modelFromInput } from '../export/from-input.js';
import { readImportInput } from '../import/read.js';
import { parseHostPort } from '../relay/address.js';
import { replayClient } from '../replay/client.js';
import { type Divergence, startReplayServer } from '../replay/server.js';
import { type CliCommand, type CliIo, UsageError } from './command.js';

const HELP = `Usage: msnp-inspector replay FIXTURE --as server --listen HOST:PORT [--advertise HOST] [--once] [--timeout SECONDS]
       msnp-inspector replay FIXTURE --as client --upstream HOST:PORT [--reply-timeout MS] [--verbose]

FIXTURE is a fixture (export --format fixture); any other input \`decode\` reads (chunk JSONL, pcap,
transcripts) and Pidgin/Escargot logs work too: its first session is replayed.

--as server   Listens on HOST:PORT and plays the recorded servers to a real client. Each client
              command is matched with the next recorded one on its connection (same command, same
              number of parameters, payload or not); the recorded frames that followed it are sent
              back with the client's TrIDs. Referrals (XFR NS/SB, RNG) point at listeners of the
              replay server opened for each referred connection, so every hop comes back here.
              The first difference on a connection is reported (connection, frame index, expected
              and received command) and that connection is closed.
  --listen HOST:PORT   where clients connect (port 0: any free port, printed)
  --advertise HOST     host written into referrals (default: the listen host; 127.0.0.1 for 0.0.0.0)
  --once               exit after one client session: when every recorded connection was played, or
                       --timeout seconds passed (default 60), or a divergence left nothing open;
                       exit code 1 when the client diverged or did not finish
                       (without --once: serve clients until interrupted, report divergences as they come)

--as client   Connects to HOST:PORT and plays the recorded client: each command is sent when the
              recorded replies before it have arrived (or --reply-timeout ran out), referrals are
              followed to wherever the server points, and live cookies, switchboard session ids and
              challenge answers replace the recorded ones. Every server frame is compared with the
              recording, ignoring what legitimately varies (addresses, cookies, tickets, nonces,
              challenges, session ids, list versions, GUIDs, timestamps, per-login profile headers;
              see docs/cli.md); anything else is flagged. Exit code 1 when something is flagged.
  --upstream HOST:PORT the server a client starts with
  --reply-timeout MS   longest wait for one recorded reply (default 5000)
  --verbose            print every compared frame, not only the flagged ones

A redacted fixture signs in with REDACTED-… placeholders: real servers refuse them, test servers
that accept any credentials do not care.`;

/** A fixture, or any input `decode` reads turned into one. */
export function loadRecording(file: string): LoadedFixture {
  const bytes = readFileSync(file);
  if (looksLikeFixture(bytes.subarray(0, 8192).toString('utf8'))) return loadFixture(bytes.toString('utf8'));
  const input = readImportInput(bytes, file);
  if (input.chunks.length === 0) throw new RangeError(`${file}: no MSNP data found${input.issues.length ? ` (${input.issues[0]})` : ''}`);
  return loadFixture(buildFixture(modelFromInput(input, file).model));
}

function divergenceText(d: Divergence): string {
  const where = `${d.conn}${d.index === null ? '' : ` frame #${d.index}`}`;
  const expected = d.expected === null ? 'nothing' : `"${d.expected}"`;
  const got = d.got === null ? 'nothing' : `"${d.got}"`;
  return `diverged on ${where}: ${d.reason}; expected ${expected}, got ${got}`;
}

async function serve(fixture: LoadedFixture, io: CliIo, values: { listen?: string; advertise?: string; once: boolean; timeout?: string }): Promise<number> {
  if (values.listen === undefined) throw new UsageError('--as server needs --listen HOST:PORT');
  const { host, port } = parseHostPort(values.listen);
  const timeoutS = values.timeout === undefined ? 60 : Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got '${values.timeout}'`);
  const server = await startReplayServer(fixture, {
    host, port, ...(values.advertise ? { advertise: values.advertise } : {}), repeat: !values.once,
    onDivergence: (d) => io.err(`${divergenceText(d)}\n`),
    onConnection: (label, event) => io.out(`${label}: client ${event === 'open' ? 'connected' : 'disconnected'}\n`),
  });
  io.out(`replaying ${fixture.connections.length} recorded connection(s) as the server on ${server.address}\n`);
  try {
    if (!values.once) {
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      return 0;
    }
    const report = await server.done({ timeoutMs: timeoutS * 1000 });
    io.out(report.complete ? 'the client followed the recording\n' : `the client diverged (${report.divergences.length} difference(s))\n`);
    return report.complete ? 0 : 1;
  } finally {
    await server.close();
  }
}

async function drive(fixture: LoadedFixture, io: CliIo, values: { upstream?: string; 'reply-timeout'?: string; verbose: boolean }): Promise<number> {
  if (values.upstream === undefined) throw new UsageError('--as client needs --upstream HOST:PORT');
  parseHostPort(values.upstream);
  const replyTimeoutMs = values['reply-timeout'] === undefined ? 5000 : Number(values['reply-timeout']);
  if (!Number.isFinite(replyTimeoutMs) || replyTimeoutMs <= 0) throw new UsageError(`--reply-timeout must be a positive number of milliseconds`);
  const report = await replayClient(fixture, {
    upstream: values.upstream, replyTimeoutMs,
    onCheck: (c) => {
      const where = `${c.conn}${c.index === null ? '' : ` #${c.index}`}`;
      if (c.flags.length > 0) {
        io.out(`FLAGGED ${where}\n  expected: ${c.expected ?? '(nothing)'}\n  got:      ${c.got ?? '(nothing)'}\n  ${c.flags.join('\n  ')}\n`);
      } else if (values.verbose) {
        io.out(`ok      ${where} ${c.got}${c.varied.length ? `  (varying: ${c.varied.join(', ')})` : ''}\n`);
      }
    },
  });
  const varied = report.checks.filter((c) => c.flags.length === 0 && c.varied.length > 0).length;
  io.out(`${report.checks.length} server frame(s) compared: ${report.flagged.length} flagged, ${varied} differing only in fields that vary\n`);
  return report.flagged.length > 0 ? 1 : 0;
}

export const replayCommand: CliCommand = {
  name: 'replay',
  summary: 'replay a recorded session as the server (to a real client) or as the client (to a real server)',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        as: { type: 'string' },
        listen: { type: 'string' },
        advertise: { type: 'string' },
        once: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        upstream: { type: 'string' },
        'reply-timeout': { type: 'string' },
        verbose: { type: 'boolean', default: false },
      },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one FIXTURE');
    if (values.as !== 'server' && values.as !== 'client') throw new UsageError('--as must be server or client');
    let fixture: LoadedFixture;
    try {
      fixture = loadRecording(positionals[0]!);
    } catch (error) {
      io.err(`msnp-inspector replay: ${(error as Error).message}\n`);
      return 1;
    }
    try {
      return values.as === 'server' ? await serve(fixture, io, values) : await drive(fixture, io, values);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      io.err(`msnp-inspector replay: ${(error as Error).message}\n`);
      return 1;
    }
  },
};
