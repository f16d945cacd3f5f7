import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { Theme } from '../../web/src/lib/theme.svelte.js';

function env(stored: string | null, systemDark: boolean) {
  const store = new Map<string, string>(stored === null ? [] : [['msnp-inspector:theme', stored]]);
  let listener: ((e: { matches: boolean }) => void) | null = null;
  return {
    store,
    change: (matches: boolean) => listener?.({ matches }),
    env: {
      storage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) },
      media: { matches: systemDark, addEventListener: (_: string, l: (e: { matches: boolean }) => void) => { listener = l; } },
    },
  };
}

describe('Theme', () => {
  it('follows the system until the user picks, then persists the choice', () => {
    const e = env(null, true);
    const theme = new Theme(e.env as never);
    expect(theme.current).toBe('dark');
    e.change(false);
    flushSync();
    expect(theme.current).toBe('light');
    theme.toggle();
    expect(theme.current).toBe('dark');
    expect(e.store.get('msnp-inspector:theme')).toBe('dark');
    e.change(false);
    expect(theme.current).toBe('dark');
  });

  it('starts from a stored choice and ignores junk', () => {
    expect(new Theme(env('light', true).env as never).current).toBe('light');
    expect(new Theme(env('purple', true).env as never).current).toBe('dark');
  });

  it('works without storage or media queries', () => {
    const throwing = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
    const theme = new Theme({ storage: throwing, media: null });
    expect(theme.current).toBe('light');
    theme.toggle();
    expect(theme.current).toBe('dark');
  });
});
