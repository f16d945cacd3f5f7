// MSN object (<msnobj Creator Size Type Location Friendly SHA1D SHA1C/>) summaries, for emoticon maps
// and MSNSLP contexts. Input may be URL-encoded; it is parsed with the inert XML parser.
import type { ViewNode } from '../../../shared/msnp/views.js';
import { parseXml } from './xml-parse.js';
import { leaf } from './nodes.js';
import { decodeUtf8, isPrintable } from './bytes.js';

// (inferred) object types as MSN clients use them; only 2 and 3 are tied to the P2P footers in E.2.
const TYPES: Readonly<Record<string, string>> = {
  '2': 'custom emoticon',
  '3': 'display picture',
  '5': 'background',
  '7': 'dynamic display picture',
  '8': 'wink',
  '11': 'voice clip',
};

export interface MsnObjSummary {
  summary: string;
  nodes: ViewNode[];
  issues: string[];
}

export function summariseMsnObj(raw: string): MsnObjSummary {
  const issues: string[] = [];
  let text = raw.trim();
  if (/%[0-9a-f]{2}/i.test(text)) {
    try {
      text = decodeURIComponent(text);
    } catch {
      issues.push('MSN object is not valid URL encoding');
    }
  }
  const doc = parseXml(Buffer.from(text, 'utf8'), { maxDepth: 4, maxNodes: 50 });
  issues.push(...doc.issues);
  const el = doc.nodes.find((n) => n.kind === 'element');
  if (!el || el.kind !== 'element' || el.name !== 'msnobj') {
    issues.push('not an <msnobj> element');
    return { summary: 'not an MSN object', nodes: [leaf('text', text)], issues };
  }
  const nodes: ViewNode[] = [];
  const get = (n: string) => el.attributes.find((a) => a.name === n)?.value;
  for (const a of el.attributes) {
    if (a.name === 'Type') nodes.push(leaf('Type', `${a.value}${TYPES[a.value] ? ` = ${TYPES[a.value]} (inferred)` : ''}`));
    else if (a.name === 'Friendly') nodes.push(leaf('Friendly', friendly(a.value)));
    else nodes.push(leaf(a.name, a.value));
  }
  const type = get('Type');
  const what = type !== undefined ? TYPES[type] ?? `type ${type}` : 'object';
  const summary = `${what} by ${get('Creator') ?? '?'}, ${get('Size') ?? '?'} bytes, ${get('Location') ?? '?'}`;
  return { summary, nodes, issues };
}

/** Friendly is base64 of UTF-16LE text (often just a NUL, "AAA="). */
function friendly(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  const text = bytes.toString('utf16le').replace(/\0+$/, '');
  if (text === '') return `${b64} (empty)`;
  const asUtf8 = decodeUtf8(bytes);
  return isPrintable(text) ? `${b64} = "${text}"` : asUtf8.valid ? `${b64} = "${asUtf8.text}"` : b64;
}
