// Dark/light theme: the user's choice persisted in localStorage, else the system preference
// (prefers-color-scheme), followed live when the system changes. After site-kit's Persisted.
const KEY = 'msnp-inspector:theme';

export type ThemeName = 'dark' | 'light';

/** The parts of Storage and MediaQueryList used here (tests pass fakes). */
export interface ThemeEnv {
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  media: Pick<MediaQueryList, 'matches' | 'addEventListener'> | null;
}

export class Theme {
  #chosen = $state<ThemeName | null>(null);
  #systemDark = $state(false);
  readonly #storage: ThemeEnv['storage'];

  readonly current: ThemeName = $derived(this.#chosen ?? (this.#systemDark ? 'dark' : 'light'));

  constructor(env: ThemeEnv) {
    this.#storage = env.storage;
    let stored: string | null = null;
    try {
      stored = env.storage?.getItem(KEY) ?? null;
    } catch {
      // Storage refused (privacy mode): the choice lasts for this page only.
    }
    if (stored === 'dark' || stored === 'light') this.#chosen = stored;
    this.#systemDark = env.media?.matches ?? false;
    env.media?.addEventListener('change', (e) => {
      this.#systemDark = (e as MediaQueryListEvent).matches;
    });
  }

  toggle(): void {
    this.#chosen = this.current === 'dark' ? 'light' : 'dark';
    try {
      this.#storage?.setItem(KEY, this.#chosen);
    } catch {
      // See above.
    }
  }
}

export function browserThemeEnv(): ThemeEnv {
  let storage: Storage | null = null;
  try {
    storage = window.localStorage;
  } catch {
    storage = null;
  }
  return { storage, media: window.matchMedia?.('(prefers-color-scheme: dark)') ?? null };
}
