// MSNSLP: the SIP-like signalling text carried in P2P packets of session 0 (matrix E.2).
// Start line, header block, then a body of Content-Length bytes made of header-style lines.
import type { ViewNode } from '../../../shared/msnp/views.js';
import { decodeUtf8, hexPreview, isPrintable, lineAt } from './bytes.js';
import { headerValue, parseHeaderBlock, parseContentType, type HeaderField } from './headers.js';
import { eufGuidName, p2pAppName } from './names.js';
import { group, Issues, leaf } from './nodes.js';
import { summariseMsnObj } from './msnobj.js';

const START = /^(?:INVITE|BYE|ACK|MSNSLP\/\d)/;

/** Whether the bytes at `at` look like the start of an MSNSLP message. */
export function looksLikeSlp(buf: Uint8Array, at = 0): boolean {
  const head = Buffer.from(buf.buffer, buf.byteOffset + at, Math.max(0, Math.min(16, buf.length - at))).toString('latin1');
  return START.test(head);
}

const SLP_BODY_TYPES: Readonly<Record<string, string>> = {
  'application/x-msnmsgr-sessionreqbody': 'session request',
  'application/x-msnmsgr-transreqbody': 'transport request',
  'application/x-msnmsgr-transrespbody': 'transport response',
  'application/x-msnmsgr-transdestaddrupdate': 'transport address update',
  'application/x-msnmsgr-sessionclosebody': 'session close',
};

export interface SlpRender {
  summary: string;
  nodes: ViewNode[];
  issues: string[];
}

/** Decodes MSNSLP text in `buf`; spans are offset by `base`. */
export function renderSlp(buf: Uint8Array, base = 0): SlpRender {
  const issues = new Issues(50);
  const nodes: ViewNode[] = [];
  const first = lineAt(buf, 0);
  const startText = decodeUtf8(buf.subarray(0, first.end)).text;
  const start = startLine(startText, [base, base + first.end]);
  nodes.push(start.node);
  if (start.issue) issues.add(start.issue);

  const block = parseHeaderBlock(buf, first.next);
  issues.addAll(block.issues, 'MSNSLP: ');
  nodes.push(group('headers', block.fields.map((f) => slpHeader(f, base)), [base + first.next, base + block.end]));
  if (!block.terminated) issues.add('MSNSLP headers are not ended by a blank line');

  const declared = headerValue(block.fields, 'Content-Length');
  const available = buf.length - block.end;
  let bodyLen = available;
  if (declared === undefined) issues.add('MSNSLP message has no Content-Length');
  else if (!/^\d+$/.test(declared.trim())) issues.add(`MSNSLP Content-Length "${declared}" is not a number`);
  else {
    bodyLen = Math.min(Number(declared), available);
    if (Number(declared) > available) issues.add(`MSNSLP body truncated: ${available} of ${declared} bytes present`);
    else if (Number(declared) < available) issues.add(`${available - Number(declared)} bytes after the MSNSLP body`);
  }
  if (bodyLen > 0) nodes.push(body(buf.subarray(block.end, block.end + bodyLen), base + block.end, headerValue(block.fields, 'Content-Type'), issues));

  return { summary: start.summary, nodes, issues: issues.done() };
}

function startLine(text: string, span: [number, number]): { node: ViewNode; summary: string; issue?: string } {
  const req = /^(\S+) (\S+) (MSNSLP\/\d+\.\d+)$/.exec(text);
  if (req && !req[1]!.startsWith('MSNSLP/')) {
    const [, method = '', target = '', version = ''] = req;
    const m = /^MSNMSGR:([^;]*)(?:;(\{[^}]*\}))?$/i.exec(target);
    const children = [leaf('method', method), leaf('target', target), leaf('version', version)];
    if (m) {
      children.push(leaf('handle', m[1] ?? ''));
      if (m[2]) children.push(leaf('endpoint GUID', m[2]));
    }
    return { node: group('request line', children, span, text), summary: `${method} ${target}` };
  }
  const res = /^(MSNSLP\/\d+\.\d+) (\d{3}) ?(.*)$/.exec(text);
  if (res) {
    const [, version = '', code = '', reason = ''] = res;
    const children = [leaf('version', version), leaf('status', code), leaf('reason', reason)];
    return { node: group('status line', children, span, text), summary: `${code} ${reason}`.trim() };
  }
  return { node: leaf('start line', text, span, 'not an MSNSLP request or status line'), summary: 'MSNSLP (unreadable start line)', issue: `MSNSLP start line not understood: "${text.slice(0, 60)}"` };
}

function slpHeader(f: HeaderField, base: number): ViewNode {
  const node = leaf(f.name, f.value, [f.span[0] + base, f.span[1] + base], f.issue);
  const extra: ViewNode[] = [];
  const name = f.name.toLowerCase();
  if (name === 'to' || name === 'from') {
    const m = /^<msnmsgr:([^;>]*)(?:;(\{[^}]*\}))?>$/i.exec(f.value.trim());
    if (m) {
      extra.push(leaf('handle', m[1] ?? ''));
      if (m[2]) extra.push(leaf('endpoint GUID', m[2]));
    }
  } else if (name === 'via') {
    const branch = /branch=(\{[^}]*\})/i.exec(f.value);
    if (branch) extra.push(leaf('branch', branch[1]!));
  } else if (name === 'content-type') {
    const t = SLP_BODY_TYPES[parseContentType(f.value).mediaType];
    if (t) extra.push(leaf('body kind', t));
  }
  if (extra.length) node.children = extra;
  return node;
}

function body(buf: Uint8Array, base: number, contentType: string | undefined, issues: Issues): ViewNode {
  // The body ends in a NUL byte that Content-Length counts.
  let end = buf.length;
  while (end > 0 && buf[end - 1] === 0) end--;
  const block = parseHeaderBlock(buf, 0, end);
  issues.addAll(block.issues.filter((i) => !i.startsWith('header lines end')), 'MSNSLP body: ');
  const fields = block.fields.map((f) => bodyField(f, base, issues));
  const kind = contentType ? SLP_BODY_TYPES[parseContentType(contentType).mediaType] : undefined;
  return group('body', fields, [base, base + buf.length], kind);
}

function bodyField(f: HeaderField, base: number, issues: Issues): ViewNode {
  const node = leaf(f.name, f.value, [f.span[0] + base, f.span[1] + base], f.issue);
  const name = f.name.toLowerCase();
  if (name === 'euf-guid') {
    const what = eufGuidName(f.value);
    node.children = [leaf('application', what ?? 'unknown EUF-GUID')];
  } else if (name === 'appid') {
    const what = /^\d+$/.test(f.value) ? p2pAppName(Number(f.value)) : undefined;
    if (what) node.children = [leaf('application (footer numbering, inferred)', what)];
  } else if (name === 'context') {
    node.children = context(f.value, issues);
  }
  return node;
}

/** Context is base64: an MSN object for pictures/emoticons, binary file info for transfers. */
function context(b64: string, issues: Issues): ViewNode[] {
  const value = b64.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    issues.add('MSNSLP Context is not base64');
    return [leaf('decoded', undefined, undefined, 'not base64')];
  }
  const bytes = Buffer.from(value, 'base64');
  const out: ViewNode[] = [leaf('decoded length', `${bytes.length} bytes`)];
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  const text = decodeUtf8(bytes.subarray(0, end));
  if (text.valid && end > 0 && isPrintable(text.text)) {
    out.push(leaf('decoded text', text.text));
    if (text.text.startsWith('<msnobj')) {
      const s = summariseMsnObj(text.text);
      out.push(group('MSN object', s.nodes, undefined, s.summary));
    }
  } else if (bytes.length >= 20 && bytes.readUInt32LE(0) <= bytes.length) {
    // (inferred) file-transfer context: u32 header length, u32 version, u64 size, u32 type, UTF-16LE name.
    const name = bytes.subarray(20, Math.min(bytes.length, 20 + 520)).toString('utf16le').split('\0')[0] ?? '';
    out.push(leaf('file size (inferred layout)', bytes.readBigUInt64LE(8).toString()));
    if (name && isPrintable(name)) out.push(leaf('file name (inferred layout)', name));
    out.push(leaf('bytes', hexPreview(bytes)));
  } else {
    out.push(leaf('bytes', hexPreview(bytes)));
  }
  return out;
}
