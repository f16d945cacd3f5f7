// Locates the read-only reference material that sits beside the repository checkout.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const referenceDir = path.resolve(repoRoot, '../shared/reference');
export const hasReference = existsSync(referenceDir);
export const fixturesDir = path.join(repoRoot, 'test/fixtures');
