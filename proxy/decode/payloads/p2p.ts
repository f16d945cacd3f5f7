// P2P binary packets (application/x-msnmsgrp2p bodies): picks v1 or v2 by plausibility and renders.
// Only a sub-view: it is never chosen for a whole frame payload.
import type { RenderedView } from '../../../shared/msnp/views.js';
import type { PayloadView } from './types.js';
import { renderV1, v1Plausibility } from './p2p-v1.js';
import { renderV2, v2Plausibility } from './p2p-v2.js';
import type { P2PRender } from './p2p-data.js';

export interface P2PHints {
  /** The MIME `P2P-Dest` header: `handle;{guid}` means an endpoint-addressed (v2) peer. */
  dest?: string | undefined;
}

export interface P2PResult extends P2PRender {
  version: 1 | 2;
}

export function chooseP2PVersion(buf: Uint8Array, hints: P2PHints = {}): 1 | 2 {
  let v1 = v1Plausibility(buf);
  let v2 = v2Plausibility(buf);
  if (hints.dest !== undefined) {
    if (/;\{[0-9a-f-]+\}/i.test(hints.dest)) v2 += 15;
    else v1 += 15;
  }
  if (v1 === 0 && v2 === 0) return buf.length > 0 && buf[0]! >= 8 && hints.dest?.includes(';{') ? 2 : 1;
  return v2 > v1 ? 2 : 1;
}

/** Renders a P2P packet; spans are offset by `base`. */
export function renderP2P(buf: Uint8Array, hints: P2PHints = {}, base = 0): P2PResult {
  const version = chooseP2PVersion(buf, hints);
  const r = version === 2 ? renderV2(buf, base) : renderV1(buf, base);
  return { ...r, version };
}

export const p2pView: PayloadView = {
  name: 'p2p',
  priority: () => -1,
  render(payload: Buffer): RenderedView {
    const r = renderP2P(payload);
    return { view: 'p2p', title: r.title, nodes: r.nodes, issues: r.issues };
  },
};
