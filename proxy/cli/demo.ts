// `msnp-inspector demo`: the out-of-the-box start. A fresh capture holding the bundled demo sessions
// (MSNP8 and MSNP18, imported), the proxy listening, and the inspector serving it live. Without
// --upstream the proxy forwards to a replay server playing the MSNP8 demo's server side, so a client
// pointed at the proxy gets a whole (replayed) session with no MSN server around.
import { readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CaptureStore } from '../capture/store.js';
import { planSessions } from '../import/plan.js';
import { readImportInput } from '../import/read.js';
import { storeSession } from '../import/store-session.js';
import { formatHostPort, parseHostPort } from '../relay/address.js';
import { startReplayServer } from '../replay/server.js';
import { type CliCommand, UsageError } from './command.js';
import { proxyCommand } from './proxy.js';
import { loadRecording } from './replay.js';

const DEMO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'captures', 'demo');
const DEMO_FILES = ['msnp8-demo.jsonl', 'msnp18-demo.jsonl'];

const HELP = `Usage: msnp-inspector demo [--listen HOST:PORT] [--web HOST:PORT] [--upstream HOST:PORT] [--capture FILE]

Starts the proxy and the inspector on a fresh capture holding the bundled demo sessions (an MSNP8
and an MSNP18 sign-in with switchboard chats). Without --upstream, the proxy forwards to a built-in
replay server that plays the server side of the MSNP8 demo.

Options:
  --listen HOST:PORT    where clients connect (default 127.0.0.1:1863, or a free port if taken)
  --web HOST:PORT       where the inspector is served (default 127.0.0.1:8080, or a free port if taken)
  --upstream HOST:PORT  a real MSNP server instead of the built-in replay
  --capture FILE        the demo capture, recreated at every start (default captures/demo.sqlite)
  -h, --help            this help`;

/** The port if it can be bound on that host now, else 0 (a free one). */
async function freeOr(host: string, port: number): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(0));
    probe.listen({ host, port }, () => probe.close(() => resolve(port)));
  });
}

async function importDemo(file: string): Promise<string[]> {
  for (const suffix of ['', '-wal', '-shm']) await rm(`${file}${suffix}`, { force: true });
  const store = CaptureStore.open(file);
  const lines: string[] = [];
  try {
    for (const name of DEMO_FILES) {
      const input = readImportInput(await readFile(join(DEMO_DIR, name)), name);
      for (const plan of planSessions(input.chunks, input.connections)) {
        const stored = storeSession(store, plan, { imported: name });
        lines.push(`${name}: session ${stored.sessionId}, ${stored.connections} connections, ${stored.frames} frames`);
      }
    }
  } finally {
    store.close();
  }
  return lines;
}

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'start the proxy and the inspector on the bundled demo capture (no MSN server needed)',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { listen: { type: 'string' }, web: { type: 'string' }, upstream: { type: 'string' }, capture: { type: 'string' } },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const listen = parseHostPort(values.listen ?? '127.0.0.1:1863', 1863);
    const web = parseHostPort(values.web ?? '127.0.0.1:8080', 8080);
    const file = values.capture ?? join('captures', 'demo.sqlite');

    for (const line of await importDemo(file)) io.out(`imported ${line}\n`);
    let upstream = values.upstream;
    let replay: Awaited<ReturnType<typeof startReplayServer>> | null = null;
    if (!upstream) {
      const fixture = loadRecording(join(DEMO_DIR, DEMO_FILES[0] as string));
      replay = await startReplayServer(fixture, { host: '127.0.0.1', port: 0, repeat: true });
      upstream = replay.address;
      io.out(`replay server for ${basename(DEMO_FILES[0] as string)} at ${upstream}\n`);
    }
    try {
      // Another MSNP server or inspector may hold the usual ports here: fall back to free ones.
      const listenPort = await freeOr(listen.host, listen.port);
      const webPort = await freeOr(web.host, web.port);
      return await proxyCommand.run([
        '--listen', formatHostPort({ host: listen.host, port: listenPort }),
        '--upstream', upstream,
        '--capture', file,
        '--web', formatHostPort({ host: web.host, port: webPort }),
      ], io);
    } finally {
      // The replay server's listener would otherwise keep the process alive after SIGINT/SIGTERM.
      await replay?.close();
    }
  },
};
