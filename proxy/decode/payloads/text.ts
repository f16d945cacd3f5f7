// Fallback for payloads that are readable UTF-8 text (e.g. the 32 hex characters of a QRY).
import type { PayloadContext, RenderedView, ViewNode } from '../../../shared/msnp/views.js';
import type { PayloadView } from './types.js';
import { decodeUtf8, isPrintable, lineAt } from './bytes.js';
import { leaf } from './nodes.js';

const MAX_LINES = 2000;

function readable(payload: Buffer): boolean {
  const t = decodeUtf8(payload);
  return t.valid && isPrintable(t.text);
}

export const textView: PayloadView = {
  name: 'text',
  priority(payload: Buffer, ctx: PayloadContext): number {
    if (!readable(payload)) return -1;
    return ctx.command === 'QRY' ? 10 : 1;
  },
  render(payload: Buffer, ctx: PayloadContext): RenderedView {
    const issues: string[] = [];
    if (!readable(payload)) issues.push('payload is not readable UTF-8 text');
    const nodes: ViewNode[] = [];
    let pos = 0;
    let n = 1;
    while (pos < payload.length) {
      if (nodes.length >= MAX_LINES) {
        nodes.push(leaf('…', `${payload.length - pos} more bytes`, [pos, payload.length]));
        issues.push(`only the first ${MAX_LINES} lines are shown`);
        break;
      }
      const line = lineAt(payload, pos);
      nodes.push(leaf(`line ${n++}`, decodeUtf8(payload.subarray(line.start, line.end)).text, [line.start, line.end]));
      pos = line.next;
    }
    let title = payload.length === 0 ? 'empty payload' : `text, ${payload.length} bytes`;
    if (ctx.command === 'QRY') {
      const response = payload.toString('latin1');
      title = 'challenge response';
      if (!/^[0-9a-f]{32}$/.test(response)) issues.push('QRY payload is not 32 lowercase hex characters');
    }
    return { view: 'text', title, nodes, issues };
  },
};
