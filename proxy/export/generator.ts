// "msnp-inspector <version>", written into exported files so a reader knows what made them.
import { readFileSync } from 'node:fs';

let cached: string | null = null;

export function generatorName(): string {
  if (cached !== null) return cached;
  let version = '?';
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    version = pkg.version ?? '?';
  } catch {
    // Not fatal: the name alone still says what wrote the file.
  }
  cached = `msnp-inspector ${version}`;
  return cached;
}
