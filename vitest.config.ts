import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

const HEAVY = ['test/load/**/*.test.ts', 'test/faults/half-open.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        // Proxy, decoder, capture, CLI and browser end-to-end tests: plain Node.
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/web/**', ...HEAVY, '**/node_modules/**'],
          environment: 'node',
        },
      },
      {
        // Tests that saturate the machine (1,000 clients, thousands of sockets): `npm test` runs them
        // after the others, alone, so that they starve no timing-bound browser step.
        extends: true,
        test: {
          name: 'heavy',
          include: HEAVY,
          environment: 'node',
          fileParallelism: false,
        },
      },
      {
        // The web app's rune state (*.svelte.ts) compiled by the Svelte plugin for the browser build.
        extends: true,
        // Tests run in Vite's server-side environment, which would compile runes for SSR (effects
        // never run): compile for the client and resolve Svelte's client runtime instead.
        plugins: [svelte({ configFile: false, compilerOptions: { css: 'external' }, dynamicCompileOptions: () => ({ generate: 'client' }) })],
        resolve: { conditions: ['browser'] },
        ssr: { resolve: { conditions: ['browser'] } },
        test: {
          name: 'web',
          include: ['test/web/**/*.test.ts'],
          environment: 'node',
        },
      },
    ],
  },
});
