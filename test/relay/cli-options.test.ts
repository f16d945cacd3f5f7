// `msnp-inspector proxy` option checks that refuse before anything is opened.
import { describe, expect, it } from 'vitest';
import { proxyCommand } from '../../proxy/cli/proxy.js';
import { fakeIo } from '../capture/helpers.js';

describe('msnp-inspector proxy options', () => {
  it('refuses an unknown --capture-writer, naming the choices', async () => {
    await expect(proxyCommand.run(['--upstream', '127.0.0.1:1', '--capture-writer', 'disk'], fakeIo())).rejects.toThrow(/--capture-writer must be auto, thread or inline/);
  });

  it('refuses an unknown --upstream-connect, naming the choices', async () => {
    await expect(proxyCommand.run(['--upstream', '127.0.0.1:1', '--upstream-connect', 'later'], fakeIo())).rejects.toThrow(/--upstream-connect must be eager or lazy/);
  });

  it('refuses a --connect-timeout that is not a positive integer', async () => {
    await expect(proxyCommand.run(['--upstream', '127.0.0.1:1', '--connect-timeout=-5'], fakeIo())).rejects.toThrow(/--connect-timeout must be a positive integer/);
  });
});
