// msnp-inspector/fixtures used the way another project would: a throwaway consumer project in a temp
// directory that depends on this repository (node_modules/msnp-inspector → the repository), with the
// test file `export --format vitest` writes and a handwritten one, run by vitest in a child process.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureScenario, cli, type TempDir, tempDir } from './helpers.js';

const run = promisify(execFile);
const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));

let tmp: TempDir;
let project: string;
beforeAll(async () => {
  tmp = tempDir('msnp-consumer-');
  project = join(tmp.dir, 'consumer');
  mkdirSync(join(project, 'node_modules'), { recursive: true });
  mkdirSync(join(project, 'fixtures'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', devDependencies: { 'msnp-inspector': `file:${REPO}` } }));
  symlinkSync(REPO, join(project, 'node_modules', 'msnp-inspector'), 'dir');
  symlinkSync(join(REPO, 'node_modules', 'vitest'), join(project, 'node_modules', 'vitest'), 'dir');
  writeFileSync(join(project, 'vitest.config.mjs'), "export default { test: { include: ['test/**/*.test.ts'], testTimeout: 30000 } };\n");
  mkdirSync(join(project, 'test'));

  await captureScenario(15, tmp.file('msnp15.db'));
  await cli('export', '--capture', tmp.file('msnp15.db'), '--session', '1', '--format', 'fixture', '--out', join(project, 'fixtures', 'signin.json'));
  await cli('export', '--capture', tmp.file('msnp15.db'), '--session', '1', '--format', 'vitest', '--out', join(project, 'test', 'generated.test.ts'));
  writeFileSync(join(project, 'test', 'handwritten.test.ts'), `
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { expectClientCommands, loadFixture, recordedClientCommands, replayClient, startReplayServer } from 'msnp-inspector/fixtures';

const fixture = loadFixture(fileURLToPath(new URL('../fixtures/signin.json', import.meta.url)));

it('plays the recorded servers to a client and checks what it sent', async () => {
  const server = await startReplayServer(fixture, { port: 0 });
  try {
    // Stand-in for the project's own client.
    const client = await replayClient(fixture, { upstream: server.address });
    expect(client.flagged).toEqual([]);
    const report = await server.done({ timeoutMs: 10_000 });
    expect(report.complete).toBe(true);
    expectClientCommands(server.received, fixture);
    expect(recordedClientCommands(fixture, 'ns1')[0]).toBe('VER MSNP15 CVR0');
  } finally {
    await server.close();
  }
});
`);
}, 120_000);
afterAll(() => tmp.remove());

describe('msnp-inspector/fixtures from another project', () => {
  it('the generated vitest file is ready to run, next to a handwritten test, in a consumer project', async () => {
    const generated = readFileSync(join(project, 'test', 'generated.test.ts'), 'utf8');
    expect(generated).toMatch(/from 'msnp-inspector\/fixtures'/);
    expect(generated).toMatch(/expect\(clientCommands\(server\.received, "ns1"\)\)\.toEqual\(\[\n {8}"VER MSNP15 CVR0",/);
    const vitest = join(REPO, 'node_modules', 'vitest', 'vitest.mjs');
    const { stdout, stderr } = await run(process.execPath, [vitest, 'run', '--root', project, '--config', join(project, 'vitest.config.mjs'), '--reporter', 'verbose'], {
      cwd: project, timeout: 120_000, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    }).catch((error: { stdout: string; stderr: string }) => ({ stdout: error.stdout, stderr: `${error.stderr}\nFAILED` }));
    expect(`${stdout}\n${stderr}`).not.toMatch(/FAILED|failed/i);
    expect(stdout).toMatch(/Tests\s+2 passed/);
  }, 150_000);
});
