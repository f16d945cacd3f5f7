// Worker threads that run this checkout's TypeScript: the entry module is loaded through tsx's loader,
// as the CLI itself is (there is no build step), whatever the working directory.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** A worker running `entry` (a .ts module's URL). */
export function startTypeScriptWorker(entry: URL, options: WorkerOptions = {}): Worker {
  const bootstrap = `import(${JSON.stringify(tsxApiUrl())}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

let tsxApi: string | null = null;

/** tsx's ESM register API as a file URL. */
function tsxApiUrl(): string {
  if (tsxApi) return tsxApi;
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
  tsxApi = pathToFileURL(join(dirname(manifest), exports['./esm/api']!.import.default)).href;
  return tsxApi;
}
