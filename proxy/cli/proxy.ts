// `msnp-inspector proxy`: relays a legacy client to a real MSNP server and captures everything.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { CaptureStore } from '../capture/store.js';
import { type HostPort, formatHostPort, parseHostPort } from '../relay/address.js';
import { MsnpProxy } from '../relay/proxy.js';
import { type ThreadedInspector, startInspectorThread } from '../server/threaded.js';
import { type CliCommand, UsageError, positiveInt } from './command.js';
import { liftCapOnSignal, readDevEnv } from './dev-env.js';
import { webAddress } from './web-address.js';

const HELP = `Usage: msnp-inspector proxy --upstream HOST:PORT [--listen HOST:PORT] [--advertise HOST]
                            [--capture FILE] [--web HOST:PORT | --no-web] [--web-token TOKEN]
                            [--connect-timeout MS] [--upstream-connect eager|lazy]
                            [--capture-writer auto|thread|inline]

Relays an MSN Messenger client to a real MSNP server, unchanged except for the server addresses in
XFR/RNG referrals, which are rewritten so that every notification and switchboard connection of the
session comes back through the proxy. Every byte is captured into a SQLite file.

Options:
  --upstream HOST:PORT   the real server (dispatch or notification server); port defaults to 1863
  --listen HOST:PORT     where clients connect (default 127.0.0.1:1863)
  --advertise HOST       host written into rewritten referrals (default: the listen host); use the
                         address the client can reach, e.g. for a client in a VM
  --capture FILE         capture file (default captures/capture.sqlite)
  --web HOST:PORT        where the web inspector is served, live (default 127.0.0.1:8080; port 0
                         picks a free one), from a thread of its own at a lower priority than the
                         relay. Off loopback every request needs a token: one is generated and
                         printed in the inspector URL unless --web-token is given
  --web-token TOKEN      the token the inspector requires (also on loopback when given)
  --no-web               do not serve the web inspector
  --connect-timeout MS   give up connecting upstream after MS milliseconds (default 10000)
  --upstream-connect WHEN
                         when each connection's upstream is called: 'eager' (default) as the client
                         connects, like a direct connection; 'lazy' once the client first sends
                         something (MSNP clients speak first), so a client that never does (a port
                         scan, a health check, a half-open connection) costs the server nothing and
                         the proxy one descriptor instead of two
  --capture-writer MODE  where SQLite writes run: 'thread' (a writer thread; the relay never waits on
                         the disk), 'inline' (on the relay thread, between reads: a few µs less
                         per round trip when client, server and proxy share two cores) or 'auto'
                         (default: thread with 2 CPUs or more)
  -h, --help             this help

It prints one line when it is ready, naming the inspector URL. SIGINT/SIGTERM close every connection and flush the capture.`;

function address(flag: string, text: string | undefined, fallback: string): HostPort {
  try {
    return parseHostPort(text ?? fallback, 1863);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

export const proxyCommand: CliCommand = {
  name: 'proxy',
  summary: 'relay a client to an MSNP server and capture every frame',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        upstream: { type: 'string' },
        listen: { type: 'string' },
        advertise: { type: 'string' },
        capture: { type: 'string' },
        web: { type: 'string' },
        'no-web': { type: 'boolean', default: false },
        'web-token': { type: 'string' },
        'connect-timeout': { type: 'string' },
        'upstream-connect': { type: 'string', default: 'eager' },
        'capture-writer': { type: 'string', default: 'auto' },
      },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (!values.upstream) throw new UsageError('--upstream HOST:PORT is required');
    if (values.web !== undefined && values['no-web']) throw new UsageError('--web and --no-web exclude each other');
    if (values['web-token'] !== undefined && values['no-web']) throw new UsageError('--web-token and --no-web exclude each other');
    const web = values['no-web'] ? null : webAddress(values.web);
    const upstream = address('--upstream', values.upstream, '');
    const listen = address('--listen', values.listen, '127.0.0.1:1863');
    const timeout = positiveInt('--connect-timeout', values['connect-timeout']);
    const upstreamConnect = values['upstream-connect'];
    if (upstreamConnect !== 'eager' && upstreamConnect !== 'lazy') throw new UsageError('--upstream-connect must be eager or lazy');
    const writer = values['capture-writer'];
    if (writer !== 'auto' && writer !== 'thread' && writer !== 'inline') throw new UsageError('--capture-writer must be auto, thread or inline');
    const file = values.capture ?? 'captures/capture.sqlite';
    const dev = readDevEnv(process.env);
    mkdirSync(dirname(file), { recursive: true });

    const log = (level: 'info' | 'warn' | 'error', message: string) => io.err(`[${new Date().toISOString()}] ${level}: ${message}\n`);
    const store = CaptureStore.open(file, { log, writer, ...(dev.maxPageCount !== null ? { maxPageCount: dev.maxPageCount } : {}) });
    const unlift = liftCapOnSignal(store, dev, log);
    let proxy: MsnpProxy;
    try {
      proxy = await MsnpProxy.start({
        listen, upstream, store, log,
        ...(values.advertise ? { advertise: values.advertise } : {}),
        ...(timeout ? { connectTimeoutMs: timeout } : {}),
        upstreamConnect,
      });
    } catch (error) {
      unlift();
      store.close();
      io.err(`msnp-inspector proxy: cannot listen on ${formatHostPort(listen)}: ${(error as Error).message}\n`);
      return 1;
    }
    let inspector: ThreadedInspector | null = null;
    if (web) {
      try {
        // On its own thread: nothing the browser asks for can hold up the relay.
        inspector = await startInspectorThread({
          store, file, ...web, log, token: values['web-token'] ?? null, ...(dev.webRoot ? { webRoot: dev.webRoot } : {}),
          live: { listen: formatHostPort(proxy.address), upstream: formatHostPort(upstream) },
        });
      } catch (error) {
        await proxy.close('proxy shutdown (inspector failed to start)');
        unlift();
        store.close();
        io.err(`msnp-inspector proxy: cannot serve the inspector on ${formatHostPort(web)}: ${(error as Error).message}\n`);
        return 1;
      }
    }
    const where = inspector ? `inspector at ${inspector.url}` : 'inspector off';
    const ready = `msnp-inspector proxy listening on ${formatHostPort(proxy.address)}, forwarding to ${formatHostPort(upstream)}, capturing to ${file}; ${where}\n`;

    return new Promise<number>((resolve) => {
      const stop = (signal: string) => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        unlift();
        log('info', `${signal}: closing ${proxy.connectionCount} connection(s) and flushing the capture`);
        void (inspector?.close() ?? Promise.resolve()).then(() => proxy.close(`proxy shutdown (${signal})`)).then(() => {
          const complete = store.close();
          if (!complete) log('error', 'some captured records could not be written to the capture file');
          resolve(complete ? 0 : 1);
        });
      };
      const onInt = () => stop('SIGINT');
      const onTerm = () => stop('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      // Only now: whoever waits for this line may signal at once.
      io.out(ready);
    });
  },
};
