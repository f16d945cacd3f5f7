// The data part of a P2P packet (either version): MSNSLP text when it is signalling, otherwise bytes.
import type { ViewNode } from '../../../shared/msnp/views.js';
import { decodeUtf8, escapeControls, hexPreview, isPrintable } from './bytes.js';
import { group, leaf } from './nodes.js';
import { looksLikeSlp, renderSlp } from './slp.js';

export interface P2PRender {
  title: string;
  nodes: ViewNode[];
  issues: string[];
}

export interface DataRender {
  node: ViewNode;
  /** Short description for the title, when there is something better than a byte count. */
  summary?: string;
  issues: string[];
}

export function renderData(data: Uint8Array, base: number, opts: { slp: boolean; continuation: boolean }): DataRender {
  const span: [number, number] = [base, base + data.length];
  if (opts.slp && !opts.continuation && looksLikeSlp(data)) {
    const s = renderSlp(data, base);
    return { node: group('MSNSLP', s.nodes, span, s.summary), summary: `MSNSLP ${s.summary}`, issues: s.issues };
  }
  if (opts.slp && opts.continuation) {
    const t = decodeUtf8(data);
    return { node: leaf('MSNSLP continuation', escapeControls(t.text), span), summary: 'MSNSLP continuation chunk', issues: [] };
  }
  if (data.length === 4 && data.every((b) => b === 0)) {
    // (inferred) a 4-byte all-zero data block precedes MSN object data ("data preparation").
    return { node: leaf('data', '00 00 00 00 (data preparation)', span), summary: 'data preparation', issues: [] };
  }
  const text = decodeUtf8(data);
  const children: ViewNode[] = [leaf('bytes', hexPreview(data, 64))];
  if (text.valid && isPrintable(text.text) && data.length > 0) children.push(leaf('as text', text.text));
  return { node: group('data', children, span, `${data.length} bytes`), issues: [] };
}
