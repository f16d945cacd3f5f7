// The contract every payload view fulfils. The registry asks each view how sure it is that a payload
// is its kind (priority) and lets the most confident one render it.
import type { PayloadContext, RenderedView } from '../../../shared/msnp/views.js';

export interface PayloadView {
  readonly name: string;
  /** How well this view fits the payload; < 0 means "not mine". Must not throw (the registry guards anyway). */
  priority(payload: Buffer, ctx: PayloadContext): number;
  /** Renders the payload. May throw on bugs; the registry then falls back to the next view. */
  render(payload: Buffer, ctx: PayloadContext): RenderedView;
}
