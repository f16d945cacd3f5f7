// MSNP21 multi-part envelope (SDG/NFY/PUT/DEL payloads and PUT replies): header blocks separated by
// blank lines (Routing, Reliability, then Messaging / Notification / Publication), then a body of
// Content-Length bytes decoded by its content type.
import type { PayloadContext, RenderedView, ViewNode } from '../../../shared/msnp/views.js';
import type { PayloadView } from './types.js';
import { decodeUtf8, escapeControls, hexPreview, isPrintable, skipLeadingSpace, startsWithAscii } from './bytes.js';
import { headerValue, parseContentType, parseHeaderBlock, type HeaderBlock, type HeaderField } from './headers.js';
import { group, Issues, leaf, shiftSpans } from './nodes.js';
import { networkName } from './names.js';
import { decodeImFormat } from './im-format.js';
import { renderXmlNodes } from './xml.js';
import { renderP2P } from './p2p.js';

const ENVELOPE_COMMANDS = new Set(['SDG', 'NFY', 'PUT', 'DEL']);
const BLOCK_KINDS = new Set(['routing', 'reliability', 'messaging', 'notification', 'publication']);
const MAX_BLOCKS = 8;

export const msnp21View: PayloadView = {
  name: 'msnp21-envelope',
  priority(payload: Buffer, ctx: PayloadContext): number {
    if (!startsWithAscii(payload, 'Routing:')) return -1;
    return ENVELOPE_COMMANDS.has(ctx.command) ? 100 : 70;
  },
  render(payload: Buffer, ctx: PayloadContext): RenderedView {
    const issues = new Issues(100);
    const nodes: ViewNode[] = [];
    const blocks: HeaderBlock[] = [];
    let pos = 0;
    let contentBlock: HeaderBlock | undefined;
    while (pos < payload.length && blocks.length < MAX_BLOCKS) {
      const block = parseHeaderBlock(payload, pos);
      issues.addAll(block.issues);
      const first = block.fields[0];
      if (!first) break;
      blocks.push(block);
      const kind = first.name.toLowerCase();
      if (!BLOCK_KINDS.has(kind)) issues.add(`unknown envelope block "${first.name}"`);
      nodes.push(blockNode(block));
      pos = block.end;
      if (!block.terminated) {
        issues.add(`envelope block "${first.name}" is not ended by a blank line`);
        break;
      }
      if (headerValue(block.fields, 'Content-Length') !== undefined) {
        contentBlock = block;
        break;
      }
    }
    if (!blocks[0] || blocks[0].fields[0]?.name !== 'Routing') issues.add('envelope does not start with a Routing block');

    const routing = blocks[0]?.fields ?? [];
    if (contentBlock) {
      const body = bodyNode(payload, pos, contentBlock.fields, routing, issues);
      if (body) nodes.push(body);
    } else if (pos < payload.length) {
      issues.add(`${payload.length - pos} bytes after the envelope headers without a Content-Length`);
      nodes.push(leaf('trailing bytes', hexPreview(payload.subarray(pos)), [pos, payload.length]));
    }
    return { view: 'msnp21-envelope', title: title(ctx.command, blocks), nodes, issues: issues.done() };
  },
};

function blockNode(block: HeaderBlock): ViewNode {
  const [first, ...rest] = block.fields;
  const start = first?.span[0] ?? 0;
  return group(`${first?.name ?? '?'}: ${first?.value ?? ''}`, rest.map(fieldNode), [start, block.end]);
}

function fieldNode(f: HeaderField): ViewNode {
  const node = leaf(f.name, escapeControls(f.value), f.span, f.issue);
  const name = f.name.toLowerCase();
  let extra: ViewNode[] = [];
  if (name === 'to' || name === 'from') extra = addressNodes(f.value);
  else if (name === 'x-mms-im-format') extra = decodeImFormat(f.value);
  if (extra.length) node.children = extra;
  return node;
}

/** `N:address;epid={guid};path=IM;via=9:…` → network, address and each parameter. */
export function addressNodes(value: string): ViewNode[] {
  const [addr = '', ...params] = value.split(';');
  const out: ViewNode[] = [];
  const m = /^(\d+):(.*)$/.exec(addr.trim());
  if (m) {
    const nid = Number(m[1]);
    out.push(leaf('network', `${nid} = ${networkName(nid) ?? 'unknown'}`, undefined, networkName(nid) ? undefined : 'unknown network id'));
    out.push(leaf('address', m[2] ?? ''));
  } else {
    out.push(leaf('address', addr.trim(), undefined, 'address has no "network:" prefix'));
  }
  for (const p of params) {
    const eq = p.indexOf('=');
    const key = eq < 0 ? p.trim() : p.slice(0, eq).trim();
    const v = eq < 0 ? '' : p.slice(eq + 1).trim();
    const node = leaf(key, v);
    if (key === 'via') {
      const inner = /^(\d+):(.*)$/.exec(v);
      if (inner) node.children = [leaf('network', `${inner[1]} = ${networkName(Number(inner[1])) ?? 'unknown'}`), leaf('address', inner[2] ?? '')];
    }
    out.push(node);
  }
  return out;
}

function bodyNode(payload: Buffer, at: number, fields: readonly HeaderField[], routing: readonly HeaderField[], issues: Issues): ViewNode | undefined {
  const declaredText = headerValue(fields, 'Content-Length')?.trim() ?? '';
  const available = payload.length - at;
  let length = available;
  if (!/^\d+$/.test(declaredText)) issues.add(`Content-Length "${declaredText}" is not a number`);
  else {
    const declared = Number(declaredText);
    if (declared > available) issues.add(`body truncated: ${available} of ${declared} bytes present`);
    else if (declared < available) issues.add(`${available - declared} bytes after the body`);
    length = Math.min(declared, available);
  }
  if (length === 0) return undefined;
  const body = payload.subarray(at, at + length);
  const span: [number, number] = [at, at + length];
  const type = parseContentType(headerValue(fields, 'Content-Type') ?? '').mediaType;
  const messageType = headerValue(fields, 'Message-Type')?.trim() ?? '';
  const text = decodeUtf8(body);
  const readable = text.valid && isPrintable(text.text);

  if (type.endsWith('+xml') || type.endsWith('/xml') || (readable && body[skipLeadingSpace(body)] === 0x3c)) {
    const xml = renderXmlNodes(body);
    issues.addAll(xml.issues, 'body XML: ');
    return group('body', shiftSpans(xml.nodes, at), span, type || 'XML');
  }
  if (type === 'application/x-msnmsgrp2p' || messageType === 'Signal/P2P' || (messageType === 'Data' && !readable)) {
    const to = headerValue(routing, 'To') ?? '';
    const epid = /;epid=(\{[^}]*\})/i.exec(to)?.[1];
    const r = renderP2P(body, { dest: epid ? `;${epid}` : undefined }, at);
    issues.addAll(r.issues, 'P2P: ');
    return group('body', r.nodes, span, r.title);
  }
  if (!text.valid) issues.add('body is not valid UTF-8');
  if (readable || type.startsWith('text/')) return group('body', [leaf('text', escapeControls(text.text), span)], span, type || undefined);
  return group('body', [leaf('bytes', hexPreview(body, 64), span)], span, type || undefined);
}

function title(command: string, blocks: readonly HeaderBlock[]): string {
  const parts = blocks.map((b) => b.fields[0]).filter((f): f is HeaderField => f !== undefined);
  const last = blocks.at(-1)?.fields ?? [];
  const what = headerValue(last, 'Message-Type') ?? headerValue(last, 'Uri') ?? '';
  const ct = headerValue(last, 'Content-Type');
  const head = parts.at(-1);
  const kind = head ? `${head.name} ${head.value}` : 'empty envelope';
  return `MSNP21 ${command || 'envelope'}: ${kind}${what ? `, ${what}` : ''}${ct ? ` (${parseContentType(ct).mediaType})` : ''}`;
}
