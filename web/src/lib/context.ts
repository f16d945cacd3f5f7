// Typed context for the app's single instances, so components never reach for module globals and
// tests can build their own.
import { createContext } from 'svelte';
import type { CaptureState } from './capture.svelte.js';
import type { LiveClient } from './live.svelte.js';
import type { Theme } from './theme.svelte.js';

export interface AppContext {
  capture: CaptureState;
  live: LiveClient;
  theme: Theme;
}

export const [getApp, setApp] = createContext<AppContext>();
