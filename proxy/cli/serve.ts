// `msnp-inspector serve --capture FILE`: the web inspector over an existing capture, without proxying.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SchemaError } from '../capture/schema.js';
import { CaptureStore } from '../capture/store.js';
import { formatHostPort } from '../relay/address.js';
import { watchCapture } from '../server/live/watch.js';
import { startInspector } from '../server/serve.js';
import { type CliCommand, UsageError } from './command.js';
import { webAddress } from './web-address.js';

const HELP = `Usage: msnp-inspector serve --capture FILE [--web HOST:PORT] [--web-token TOKEN]

Serves the web inspector over a capture file written by \`msnp-inspector proxy\`, read-only and without
proxying. Frames another process adds to the file meanwhile appear in the inspector.

Options:
  --capture FILE     the capture file (SQLite)
  --web HOST:PORT    where the inspector is served (default 127.0.0.1:8080; port 0 picks a free one).
                     Off loopback every request needs a token: one is generated and printed in the
                     inspector URL unless --web-token is given
  --web-token TOKEN  the token the inspector requires (also on loopback when given)
  -h, --help         this help

It prints one line when it is ready, naming the inspector URL. A capture file from an older
msnp-inspector is upgraded once (new columns and indexes) before it is served.
Exit code: 0 after SIGINT/SIGTERM, 1 when the file cannot be served.`;

/** Read-only, after bringing an older file's schema up to date (the inspector's queries need it). */
function openForServing(file: string, log: (message: string) => void): CaptureStore {
  try {
    return CaptureStore.open(file, { readonly: true });
  } catch (error) {
    if (!(error instanceof SchemaError && /needs upgrading/.test(error.message))) throw error;
    log(`upgrading the capture schema of ${file}`);
    CaptureStore.open(file, { log: () => {} }).close();
    return CaptureStore.open(file, { readonly: true });
  }
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'serve the web inspector over an existing capture file',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { capture: { type: 'string' }, web: { type: 'string' }, 'web-token': { type: 'string' } },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (values.capture === undefined) throw new UsageError('--capture FILE is required');
    const web = webAddress(values.web);
    const file = values.capture;
    const log = (level: 'info' | 'warn' | 'error', message: string) => io.err(`[${new Date().toISOString()}] ${level}: ${message}\n`);
    if (!existsSync(file)) {
      io.err(`msnp-inspector serve: ${file}: no such file\n`);
      return 1;
    }
    let store: CaptureStore;
    try {
      store = openForServing(file, (message) => log('info', message));
    } catch (error) {
      io.err(`msnp-inspector serve: ${(error as Error).message}\n`);
      return 1;
    }
    let inspector;
    try {
      inspector = await startInspector({ store, file, ...web, log, token: values['web-token'] ?? null, live: null });
    } catch (error) {
      store.close();
      io.err(`msnp-inspector serve: cannot serve the inspector on ${formatHostPort(web)}: ${(error as Error).message}\n`);
      return 1;
    }
    const watch = watchCapture(inspector.context);

    return new Promise<number>((resolve) => {
      const stop = (signal: string) => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        log('info', `${signal}: stopping the inspector`);
        watch.stop();
        void inspector.close().then(() => {
          store.close();
          resolve(0);
        });
      };
      const onInt = () => stop('SIGINT');
      const onTerm = () => stop('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      // Only now: whoever waits for this line may signal at once.
      io.out(`msnp-inspector serve: inspector at ${inspector.url} (capture ${file}, read-only)\n`);
    });
  },
};
