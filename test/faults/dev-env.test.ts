// The proxy command's developer knobs: a page cap on the capture file (a full disk on demand), lifted by
// SIGUSR2, and a web root to serve; bad values are usage errors.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { liftCapOnSignal, readDevEnv } from '../../proxy/cli/dev-env.js';
import { CaptureStore } from '../../proxy/capture/store.js';
import { runCli } from '../helpers/cli.js';
import { type TempDir, fakeFrame, tempDir } from '../capture/helpers.js';

let tmp: TempDir;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => {
  delete process.env.MSNP_DEV_CAPTURE_MAX_PAGES;
  tmp.remove();
});

describe('proxy dev environment', () => {
  it('reads the page cap and the web root, and nothing when unset', () => {
    expect(readDevEnv({})).toEqual({ maxPageCount: null, webRoot: null });
    expect(readDevEnv({ MSNP_DEV_CAPTURE_MAX_PAGES: '', MSNP_DEV_WEB_ROOT: '' })).toEqual({ maxPageCount: null, webRoot: null });
    expect(readDevEnv({ MSNP_DEV_CAPTURE_MAX_PAGES: '12', MSNP_DEV_WEB_ROOT: 'build' })).toEqual({ maxPageCount: 12, webRoot: 'build' });
    for (const bad of ['0', '-3', '1.5', 'lots']) {
      expect(() => readDevEnv({ MSNP_DEV_CAPTURE_MAX_PAGES: bad }), bad).toThrow(/MSNP_DEV_CAPTURE_MAX_PAGES must be a positive integer/);
    }
  });

  it('a bad page cap stops the proxy command with a usage error before it opens anything', async () => {
    process.env.MSNP_DEV_CAPTURE_MAX_PAGES = 'full';
    const { code, err } = await runCli(['proxy', '--upstream', '127.0.0.1:1', '--listen', '127.0.0.1:0', '--no-web', '--capture', tmp.file('c.sqlite')]);
    expect(code).toBe(2);
    expect(err).toContain('MSNP_DEV_CAPTURE_MAX_PAGES must be a positive integer');
  });

  it('the capped store fails its writes as on a full disk until SIGUSR2 lifts the cap, then writes them all', () => {
    const file = tmp.file('c.sqlite');
    CaptureStore.open(file).close();
    const dev = readDevEnv({ MSNP_DEV_CAPTURE_MAX_PAGES: '1' });
    const store = CaptureStore.open(file, { maxPageCount: dev.maxPageCount as number, log: () => {} });
    const logs: string[] = [];
    const uninstall = liftCapOnSignal(store, dev, (_level, message) => logs.push(message));
    try {
      const s = store.openSession({ client: 'c', tsWall: 1 });
      const c = store.openConnection({ sessionId: s, label: 'ns1', kind: 'ns', client: 'c', upstream: 'u', listen: 'l', tsWall: 1, tsMono: 1 });
      for (let i = 0; i < 50; i++) store.addFrame(fakeFrame(c, i, 2000));
      expect(store.flush()).toBe(false);
      expect(store.health().lastError).toMatch(/full/i);

      process.emit('SIGUSR2', 'SIGUSR2'); // what a real SIGUSR2 runs
      expect(logs).toEqual(['SIGUSR2: capture page cap lifted']);
      expect(store.flush()).toBe(true);
      expect(store.counts().frames).toBe(50);
    } finally {
      uninstall();
      store.close();
    }
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });

  it('without a cap, SIGUSR2 is left alone', () => {
    const store = CaptureStore.open(tmp.file('c.sqlite'), { log: () => {} });
    const uninstall = liftCapOnSignal(store, readDevEnv({}), () => {});
    expect(process.listenerCount('SIGUSR2')).toBe(0);
    uninstall();
    store.close();
  });
});
