// The inspector's web app: Svelte 5 compiled with external CSS so the page runs under a strict CSP
// (no inline script or style). `npm run build:web` writes web/dist, which the proxy serves.
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { type Plugin, defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.MSNP_INSPECTOR_API ?? 'http://127.0.0.1:8080';

/**
 * The dev server injects CSS through <style> tags and talks to its HMR socket, which the strict
 * policy in index.html forbids; relax it for `vite dev` only. Builds keep the strict policy.
 */
function devCsp(): Plugin {
  return {
    name: 'msnp-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) =>
      html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'").replace("connect-src 'self'", "connect-src 'self' ws: wss:"),
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [svelte({ configFile: false, compilerOptions: { css: 'external' } }), devCsp()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One stylesheet, no CSS injected from JS, no inline preload polyfill, no data: URIs for assets.
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  server: {
    proxy: {
      '/api': {
        target: api,
        ws: true,
        changeOrigin: true,
        // The inspector accepts WebSockets only from its own origin: present the proxied one.
        configure: (proxy) => {
          proxy.on('proxyReqWs', (proxyReq) => proxyReq.setHeader('origin', api));
        },
      },
    },
  },
});
