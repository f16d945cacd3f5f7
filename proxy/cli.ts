// msnp-inspector command line: dispatches to one subcommand per file under cli/.
import { type CliCommand, type CliIo, UsageError } from './cli/command.js';
import { decodeCommand } from './cli/decode.js';
import { demoCommand } from './cli/demo.js';
import { proxyCommand } from './cli/proxy.js';
import { exportCommand } from './cli/export.js';
import { importCommand } from './cli/import.js';
import { replayCommand } from './cli/replay.js';
import { sessionsCommand } from './cli/sessions.js';
import { serveCommand } from './cli/serve.js';

const COMMANDS: readonly CliCommand[] = [proxyCommand, decodeCommand, sessionsCommand, exportCommand, importCommand, replayCommand, serveCommand, demoCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'msnp-inspector — man-in-the-middle proxy, decoder and inspector for MSNP (MSN Messenger) 2–21',
    '',
    'Usage: msnp-inspector <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `msnp-inspector <command> --help` for the options of a command.',
  ].join('\n');
}

export function defaultIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    outBytes: (bytes) => process.stdout.write(bytes),
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  };
}

export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`msnp-inspector: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`msnp-inspector ${name}: ${error.message}\n\n${command.help}\n`);
      return 2;
    }
    // Node's argument parser reports usage mistakes with these codes.
    const code = (error as { code?: string }).code;
    if (code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`msnp-inspector ${name}: ${(error as Error).message}\n\n${command.help}\n`);
      return 2;
    }
    throw error;
  }
}
