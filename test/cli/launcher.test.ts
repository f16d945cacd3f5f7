// The launcher runs itself (npm start and npm's bin link execute it through its shebang line), and the
// tools that spawn `node … bin/msnp-inspector.js` take their node flags from that same line.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { launcherNodeArgs } from '../../scripts/launcher.js';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/msnp-inspector.js');

describe('the launcher', () => {
  it('runs through its own shebang line: node accepts its flags', () => {
    const run = spawnSync(BIN, ['--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: msnp-inspector <command>/m);
  });

  it('gives spawning tools exactly the node flags of its shebang line', () => {
    const shebang = readFileSync(BIN, 'utf8').split('\n')[0] ?? '';
    const flags = launcherNodeArgs();
    expect(flags.length).toBeGreaterThan(0);
    expect(shebang).toBe(`#!/usr/bin/env -S node ${flags.join(' ')}`);
    // The same flags given to node directly run the CLI as well.
    const run = spawnSync(process.execPath, [...flags, BIN, '--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(0);
  });
});
