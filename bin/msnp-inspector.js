#!/usr/bin/env -S node --max-semi-space-size=1 --heap-growing-percent=50
// Entry point: runs the TypeScript CLI directly through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../proxy/cli.ts');
process.exitCode = await main(process.argv.slice(2));
