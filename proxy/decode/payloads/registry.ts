// Chooses and runs a payload view, mitmproxy-contentviews style: every view states a priority, the
// highest renders; a view that throws is skipped (its error becomes an issue) and the next is tried.
// The hex view accepts anything and cannot fail, so there is always a result.
import type { PayloadContext, RenderedView } from '../../../shared/msnp/views.js';
import type { PayloadView } from './types.js';
import { mimeView } from './mime.js';
import { xmlView } from './xml.js';
import { msnp21View } from './msnp21.js';
import { p2pView } from './p2p.js';
import { textView } from './text.js';
import { hexView } from './hex.js';

export type { PayloadView } from './types.js';

/** Every view, in tie-break order (earlier wins on equal priority). */
export const PAYLOAD_VIEWS: readonly PayloadView[] = [msnp21View, mimeView, xmlView, p2pView, textView, hexView];

export function renderPayload(payload: Buffer, ctx: PayloadContext): RenderedView {
  const failures: string[] = [];
  const ranked = PAYLOAD_VIEWS.map((view, order) => ({ view, order, priority: safePriority(view, payload, ctx, failures) }))
    .filter((r) => r.priority >= 0)
    .sort((a, b) => b.priority - a.priority || a.order - b.order);
  for (const { view } of ranked) {
    try {
      const out = view.render(payload, ctx);
      return failures.length ? { ...out, issues: [...failures, ...out.issues] } : out;
    } catch (err) {
      failures.push(`view ${view.name} failed: ${describe(err)}`);
    }
  }
  // Only reached if even the hex view threw; keep the contract of always returning a view.
  return { view: 'hex', title: `binary, ${payload.length} bytes`, nodes: [], issues: failures };
}

function safePriority(view: PayloadView, payload: Buffer, ctx: PayloadContext, failures: string[]): number {
  try {
    const p = view.priority(payload, ctx);
    return Number.isFinite(p) ? p : -1;
  } catch (err) {
    failures.push(`view ${view.name} could not rate the payload: ${describe(err)}`);
    return -1;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
