// The reference material (example sessions, msnp-wiki, matrix) lives beside the repository, in ../shared.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REFERENCE = resolve(REPO_ROOT, '..', 'shared', 'reference');
