// Starts the inspector on an address: the app from app.ts, listening. Off loopback a token is required
// (generated unless given); the URL it returns carries it, for the browser's first load.
import type { AddressInfo } from 'node:net';
import type { CaptureStore } from '../capture/store.js';
import { formatHostPort } from '../relay/address.js';
import { type AppOptions, buildApp } from './app.js';
import { generateToken, isLoopback } from './auth.js';
import type { InspectorContext, LiveSource, StoreStatus } from './context.js';
import type { Log } from './logger.js';

export interface InspectorOptions {
  store: CaptureStore;
  file: string;
  host: string;
  /** 0 picks a free port (the returned url names it). */
  port: number;
  live?: LiveSource | null;
  /** Required on every request; generated when binding off loopback without one. */
  token?: string | null;
  log?: Log;
  webRoot?: string;
  liveOptions?: AppOptions['liveOptions'];
  /** The writing store's health, when another thread writes the capture. */
  health?: () => StoreStatus;
}

export interface Inspector {
  /** http://host:port/ (with ?token= when a token is required). */
  url: string;
  /** The address it listens on. */
  address: { host: string; port: number };
  token: string | null;
  /** Queries, live hub …, e.g. for watchCapture. */
  context: InspectorContext;
  close(): Promise<void>;
}

export async function startInspector(options: InspectorOptions): Promise<Inspector> {
  const token = options.token ?? (isLoopback(options.host) ? null : generateToken());
  const app = await buildApp({
    store: options.store, file: options.file, live: options.live ?? null, token,
    ...(options.log ? { log: options.log } : {}),
    ...(options.webRoot ? { webRoot: options.webRoot } : {}),
    ...(options.liveOptions ? { liveOptions: options.liveOptions } : {}),
    ...(options.health ? { health: options.health } : {}),
  });
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await app.close();
    throw error;
  }
  const bound = app.server.address() as AddressInfo;
  const address = { host: options.host, port: bound.port };
  const url = `http://${formatHostPort(address)}/${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  return { url, address, token, context: app.inspector, close: () => app.close() };
}
