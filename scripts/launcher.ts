// The node options of the CLI's own launcher (bin/msnp-inspector.js's shebang line): benchmarks, the
// load test and the fault matrix spawn `node … bin/msnp-inspector.js` with them, so they run what users run.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const LAUNCHER = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'bin/msnp-inspector.js');

export function launcherNodeArgs(): string[] {
  const shebang = readFileSync(LAUNCHER, 'utf8').split('\n')[0] ?? '';
  return shebang.split(/\s+/).filter((arg) => arg.startsWith('--'));
}
