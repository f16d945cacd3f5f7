// Last-resort view: a hexdump, one node per 16-byte row, each with its span.
import type { RenderedView, ViewNode } from '../../../shared/msnp/views.js';
import type { PayloadView } from './types.js';
import { leaf } from './nodes.js';

const ROW = 16;
const MAX_ROWS = 4096;

export function hexRow(buf: Uint8Array, at: number): ViewNode {
  const row = buf.subarray(at, Math.min(at + ROW, buf.length));
  const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0'));
  const left = hex.slice(0, 8).join(' ');
  const right = hex.slice(8).join(' ');
  const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  const cols = `${left.padEnd(23)}  ${right.padEnd(23)}`;
  return leaf(at.toString(16).padStart(8, '0'), `${cols}  |${ascii}|`, [at, at + row.length]);
}

export const hexView: PayloadView = {
  name: 'hex',
  priority: () => 0,
  render(payload: Buffer): RenderedView {
    const nodes: ViewNode[] = [];
    const issues: string[] = [];
    for (let at = 0; at < payload.length; at += ROW) {
      if (nodes.length >= MAX_ROWS) {
        issues.push(`hexdump shows the first ${MAX_ROWS * ROW} of ${payload.length} bytes`);
        break;
      }
      nodes.push(hexRow(payload, at));
    }
    return { view: 'hex', title: `binary, ${payload.length} bytes`, nodes, issues };
  },
};
