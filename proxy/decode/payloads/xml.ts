// XML payload view (NOT/IPG, GCF, UUX/UBX, ADL/RML/FQY, PAG/PGD, circle and presence documents).
// The tree comes from the inert parser in xml-parse.ts; meanings come from xml-annotate.ts.
import type { PayloadContext, RenderedView, ViewNode } from '../../../shared/msnp/views.js';
import type { PayloadView } from './types.js';
import { parseXml, type XmlElement, type XmlNode } from './xml-parse.js';
import { annotate, ownText } from './xml-annotate.js';
import { escapeControls, skipLeadingSpace } from './bytes.js';
import { dropSpans, leaf, Issues } from './nodes.js';

const XML_COMMANDS = new Set(['NOT', 'IPG', 'GCF', 'UUX', 'UBX', 'ADL', 'RML', 'FQY', 'PAG', 'PGD']);

/** What a root element is, for the title. */
const ROOT_TITLES: Readonly<Record<string, string>> = {
  notification: '.NET Alerts notification',
  policies: 'server policies',
  config: 'Shields configuration',
  data: 'personal data (PSM, media, machine)',
  ml: 'contact list',
  phone: 'page with callback number',
  text: 'page text',
  user: 'presence document',
  circle: 'circle roster',
  network: 'network status',
  md: 'mail data',
};

/** Longest text shown in one node; longer text is cut (the hex view still has all bytes). */
const MAX_TEXT = 4096;

export interface XmlRender {
  nodes: ViewNode[];
  issues: string[];
  /** Name of the first root element, if any. */
  root?: string;
}

/** Renders XML bytes as view nodes; spans are relative to `xml`. Used directly and by other views. */
export function renderXmlNodes(xml: Uint8Array, command = ''): XmlRender {
  const doc = parseXml(xml);
  const issues = new Issues(100);
  issues.addAll(doc.issues);
  const nodes = convertAll(doc.nodes, { command, path: [], issues, nested: false });
  const root = doc.nodes.find((n): n is XmlElement => n.kind === 'element')?.name;
  const out: XmlRender = { nodes, issues: issues.done() };
  if (root !== undefined) out.root = root;
  return out;
}

interface ConvertContext {
  command: string;
  path: XmlElement[];
  issues: Issues;
  /** Inside an XML document that was itself escaped inside another one (only one level is decoded). */
  nested: boolean;
}

function convertAll(nodes: readonly XmlNode[], ctx: ConvertContext): ViewNode[] {
  return nodes.map((n) => convert(n, ctx));
}

function convert(n: XmlNode, ctx: ConvertContext): ViewNode {
  switch (n.kind) {
    case 'text': {
      const t = n.text.trim();
      return leaf(n.cdata ? '#cdata' : '#text', shown(t), n.span);
    }
    case 'comment':
      return leaf('#comment', shown(n.text), n.span);
    case 'pi':
      return leaf('<?…?>', shown(n.text), n.span);
    case 'doctype':
      return leaf('<!DOCTYPE>', shown(n.text), n.span, 'DOCTYPE is shown as text; nothing in it is processed');
    case 'declaration':
      return leaf('<!…>', shown(n.text), n.span, 'declaration outside a DOCTYPE; not processed');
    case 'unparsed':
      return leaf('#unparsed', shown(n.text), n.span, 'not parsed: a size limit was reached');
    case 'element':
      return element(n, ctx);
  }
}

function element(el: XmlElement, ctx: ConvertContext): ViewNode {
  const node: ViewNode = { label: `<${el.name}>`, span: el.span };
  const children: ViewNode[] = el.attributes.map((a) => leaf(`@${a.name}`, shown(a.value), a.span));
  children.push(...annotate(el, { command: ctx.command, path: ctx.path }));
  const text = ownText(el);
  if (text !== undefined) {
    const t = text.trim();
    if (!ctx.nested && t.startsWith('<') && t.endsWith('>')) {
      node.value = `escaped XML, ${t.length} characters`;
      children.push(embedded(t, el, ctx));
    } else if (t !== '') node.value = shown(t);
  } else {
    const inner = { ...ctx, path: [...ctx.path, el] };
    children.push(...convertAll(el.children, inner));
  }
  if (children.length) node.children = children;
  return node;
}

/** Text that is itself XML (e.g. the escaped <NotificationData> inside a NOT <BODY>). */
function embedded(text: string, el: XmlElement, ctx: ConvertContext): ViewNode {
  const doc = parseXml(Buffer.from(text, 'utf8'));
  ctx.issues.addAll(doc.issues, `embedded XML in <${el.name}>: `);
  const inner: ConvertContext = { ...ctx, path: [], nested: true };
  // Spans would point into the decoded text, not the payload, so they are dropped.
  return { label: 'embedded XML', children: dropSpans(convertAll(doc.nodes, inner)) };
}

function shown(text: string): string {
  const t = escapeControls(text);
  return t.length > MAX_TEXT ? `${t.slice(0, MAX_TEXT)}… (${t.length} characters)` : t;
}

export function xmlTitle(root: string | undefined): string {
  if (root === undefined) return 'XML (no element)';
  const what = ROOT_TITLES[root.toLowerCase()];
  return what ? `XML <${root}>: ${what}` : `XML <${root}>`;
}

export const xmlView: PayloadView = {
  name: 'xml',
  priority(payload: Buffer, ctx: PayloadContext): number {
    const first = payload[skipLeadingSpace(payload)];
    if (XML_COMMANDS.has(ctx.command) && payload.length > 0) return first === 0x3c ? 100 : 40;
    return first === 0x3c ? 60 : -1;
  },
  render(payload: Buffer, ctx: PayloadContext): RenderedView {
    const r = renderXmlNodes(payload, ctx.command);
    return { view: 'xml', title: xmlTitle(r.root), nodes: r.nodes, issues: r.issues };
  },
};
