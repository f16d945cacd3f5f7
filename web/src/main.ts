// Entry: builds the app's single instances and mounts App with them (App puts them in context).
import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { httpApi } from './lib/api.js';
import { CaptureState } from './lib/capture.svelte.js';
import { LiveClient } from './lib/live.svelte.js';
import { Theme, browserThemeEnv } from './lib/theme.svelte.js';

const theme = new Theme(browserThemeEnv());
// Before the first paint, so a dark-theme user never sees a light flash.
document.documentElement.dataset.theme = theme.current;

const capture = new CaptureState({ api: httpApi(), search: location.search });
const live = new LiveClient({
  url: `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/live`,
  target: capture,
});

mount(App, { target: document.getElementById('app') as HTMLElement, props: { capture, live, theme } });
// The snapshot starts at once, beside the socket's handshake; `hello` then adds what it missed.
void capture.load('full');
live.start();
