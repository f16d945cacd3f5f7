// What the routes share: the capture's queries, the frame detail decoder and the live hub, built once
// per app from the store.
import { basename } from 'node:path';
import type { CaptureInfo } from '../../shared/api/dto.js';
import { CaptureQueries } from '../capture/queries.js';
import type { FramePositionsOptions } from '../capture/frame-positions.js';
import type { CaptureStore, StoreHealth } from '../capture/store.js';
import { FrameDetails } from './frame-detail.js';
import { LiveHub, type LiveHubOptions } from './live/hub.js';

/** The proxy feeding the capture, when one is (its store then announces commits). */
export interface LiveSource {
  /** Where clients connect, "host:port". */
  listen: string;
  /** The real server it relays to, "host:port". */
  upstream: string;
}

/** What the inspector shows of the writing store's health. */
export type StoreStatus = Pick<StoreHealth, 'lastError' | 'queued'>;

export interface InspectorContext {
  store: CaptureStore;
  queries: CaptureQueries;
  details: FrameDetails;
  hub: LiveHub;
  live: LiveSource | null;
  info(): CaptureInfo;
  /** Stops listening to the store. */
  close(): void;
}

export interface ContextOptions {
  store: CaptureStore;
  file: string;
  live?: LiveSource | null;
  liveOptions?: LiveHubOptions;
  positions?: FramePositionsOptions;
  /** The writing store's health when another thread writes (default: `store`'s own). */
  health?: () => StoreStatus;
}

export function createContext(options: ContextOptions): InspectorContext {
  const { store } = options;
  const live = options.live ?? null;
  const queries = new CaptureQueries(store.readDatabase(), options.positions);
  const status = options.health ?? (() => store.health());
  const info = (): CaptureInfo => {
    const health = status();
    return {
      name: basename(options.file),
      live: live !== null,
      listen: live?.listen ?? null,
      upstream: live?.upstream ?? null,
      counts: queries.counts(),
      storeError: health.lastError,
      queued: health.queued,
    };
  };
  const hub = new LiveHub(queries, info, live !== null, options.liveOptions);
  const unsubscribe = store.onCommit(hub.onCommit);
  return {
    store, queries, details: new FrameDetails(queries), hub, live, info,
    close() {
      unsubscribe();
      hub.close();
    },
  };
}
