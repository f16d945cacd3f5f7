// A real proxy on 127.0.0.1 (ephemeral port), a real capture file, and fake servers by name.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureStore } from '../../proxy/capture/store.js';
import { MsnpProxy, type Log } from '../../proxy/relay/proxy.js';
import type { UpstreamConnect } from '../../proxy/relay/relay.js';
import { afterEach } from 'vitest';
import { FakeServer } from './playbook.js';

export interface Harness {
  proxy: MsnpProxy;
  store: CaptureStore;
  file: string;
  servers: Map<string, FakeServer>;
  logs: string[];
  /** The proxy's client-facing address. */
  address: string;
  /** Closes the proxy and flushes the store (the file stays readable until `dispose`). */
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

/** Starts fake servers `names` and a proxy whose upstream is the first of them. */
export async function startHarness(names: string[], options: { connectTimeoutMs?: number; upstream?: string; writer?: 'thread' | 'inline'; upstreamConnect?: UpstreamConnect } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'msnp-proxy-'));
  const file = join(dir, 'capture.sqlite');
  const servers = new Map<string, FakeServer>();
  for (const name of names) servers.set(name, await FakeServer.start());
  const logs: string[] = [];
  const log: Log = (level, message) => logs.push(`${level}: ${message}`);
  const store = CaptureStore.open(file, { log, batchMs: 20, ...(options.writer ? { writer: options.writer } : {}) });
  const first = servers.get(names[0] as string) as FakeServer;
  const [upHost, upPort] = (options.upstream ?? first.address).split(':');
  const proxy = await MsnpProxy.start({
    listen: { host: '127.0.0.1', port: 0 }, upstream: { host: upHost as string, port: Number(upPort) }, store, log,
    ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    ...(options.upstreamConnect ? { upstreamConnect: options.upstreamConnect } : {}),
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await proxy.close('test finished');
    store.close();
  };
  return {
    proxy, store, file, servers, logs, address: `127.0.0.1:${proxy.address.port}`, stop,
    async dispose() {
      await stop();
      for (const s of servers.values()) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * For a test file that starts a harness per test: after each test, runs the cleanups the test
 * registered (newest first), then disposes of its harness. Returns the cleanups list to push to.
 */
export function disposeAfterEach(current: () => Harness | null, clear: () => void): Array<() => unknown> {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await current()?.dispose();
    clear();
  });
  return cleanups;
}
