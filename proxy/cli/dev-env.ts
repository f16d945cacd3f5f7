// Developer knobs of `proxy`, read from the environment (not options: nobody should need them in use).
// The fault suite (scripts/faults.ts, test/faults) uses them to fill the "disk" on demand and to serve
// a web build made elsewhere:
//   MSNP_DEV_CAPTURE_MAX_PAGES=N   caps the capture file at N pages (N=1: at its size when opened), so
//                                  writes fail as on a full disk; SIGUSR2 lifts the cap
//   MSNP_DEV_WEB_ROOT=DIR          serves the inspector's files from DIR instead of web/dist
import type { CaptureStore } from '../capture/store.js';
import { UsageError } from './command.js';

/** SQLite's largest page count: what "no cap" means. */
const NO_CAP = 4_294_967_294;

export interface DevEnv {
  maxPageCount: number | null;
  webRoot: string | null;
}

export function readDevEnv(env: NodeJS.ProcessEnv): DevEnv {
  const pages = env.MSNP_DEV_CAPTURE_MAX_PAGES;
  let maxPageCount: number | null = null;
  if (pages !== undefined && pages !== '') {
    maxPageCount = Number(pages);
    if (!Number.isInteger(maxPageCount) || maxPageCount < 1) throw new UsageError('MSNP_DEV_CAPTURE_MAX_PAGES must be a positive integer');
  }
  return { maxPageCount, webRoot: env.MSNP_DEV_WEB_ROOT || null };
}

/** With a page cap: SIGUSR2 lifts it (the "disk" has room again). Returns the uninstaller. */
export function liftCapOnSignal(store: CaptureStore, dev: DevEnv, log: (level: 'info', message: string) => void): () => void {
  if (dev.maxPageCount === null) return () => {};
  const lift = () => {
    store.setMaxPageCount(NO_CAP);
    log('info', 'SIGUSR2: capture page cap lifted');
  };
  process.on('SIGUSR2', lift);
  return () => process.off('SIGUSR2', lift);
}
