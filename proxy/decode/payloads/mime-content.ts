// Content-Type dispatch for MSG/UUM/UBM bodies (matrix E.1): a readable title, notes for the MIME
// headers, and a body renderer. Spans produced here are absolute within the payload.
import type { ViewNode } from '../../../shared/msnp/views.js';
import { decodeUtf8, escapeControls, hexPreview, isPrintable } from './bytes.js';
import { headerValue, parseHeaderBlock, type HeaderField } from './headers.js';
import { group, Issues, leaf, shiftSpans } from './nodes.js';
import {
  datacastNotes,
  datacastName,
  emailNotes,
  inviteNotes,
  profileNotes,
  systemNotes,
  type FieldNotes,
} from './mime-fields.js';
import { renderXmlNodes } from './xml.js';
import { summariseMsnObj } from './msnobj.js';
import { renderP2P } from './p2p.js';

export interface BodyInput {
  body: Buffer;
  /** Offset of the body in the payload. */
  at: number;
  headers: readonly HeaderField[];
  issues: Issues;
}

export interface BodyOutput {
  nodes: ViewNode[];
  /** Replaces the kind's title when the body says more (e.g. which datacast). */
  title?: string;
}

export interface ContentKind {
  title: string;
  /** The body is text (so it should be UTF-8). */
  textual: boolean;
  /** Notes for the MIME headers specific to this content type. */
  headerNotes?: FieldNotes;
  body(input: BodyInput): BodyOutput;
}

const plainBody = (input: BodyInput): BodyOutput => ({ nodes: input.body.length ? [textNode('text', input)] : [] });

/** Bodies written as `Name: value` lines. */
function fieldsBody(notes: FieldNotes) {
  return (input: BodyInput): BodyOutput => {
    const block = parseHeaderBlock(input.body);
    input.issues.addAll(block.issues, 'body: ');
    const nodes = block.fields.map((f) => fieldNode(f, input.at, notes));
    return { nodes: [group('fields', nodes, span(input))] };
  };
}

function fieldNode(f: HeaderField, at: number, notes: FieldNotes): ViewNode {
  const node = leaf(f.name, escapeControls(f.value), [f.span[0] + at, f.span[1] + at], f.issue);
  if (!f.issue) {
    const extra = notes(f.name, f.value);
    if (extra.length) node.children = extra;
  }
  return node;
}

/** Mail-Data carries XML in a header value (MSNP11+ initial mail data and OIM notifications). */
function mailDataBody(input: BodyInput): BodyOutput {
  const out = fieldsBody(emailNotes)(input);
  const block = parseHeaderBlock(input.body);
  const md = block.fields.find((f) => f.name.toLowerCase() === 'mail-data');
  if (md) {
    const bytes = Buffer.from(md.value, 'utf8');
    const valueAt = input.at + md.span[1] - bytes.length;
    const xml = renderXmlNodes(bytes);
    input.issues.addAll(xml.issues, 'Mail-Data: ');
    out.nodes.push(group('Mail-Data XML', shiftSpans(xml.nodes, valueAt), [valueAt, valueAt + bytes.length]));
  }
  return out;
}

function datacastBody(input: BodyInput): BodyOutput {
  const out = fieldsBody(datacastNotes)(input);
  const id = headerValue(parseHeaderBlock(input.body).fields, 'ID');
  if (id === undefined) input.issues.add('datacast without an ID field');
  return id === undefined ? out : { ...out, title: `datacast: ${datacastName(id.trim())}` };
}

const MAX_EMOTICONS = 200;

/** `shortcut TAB msnobj TAB` pairs, repeated. */
function emoticonBody(input: BodyInput): BodyOutput {
  const { body, at } = input;
  const items: { text: string; start: number; end: number }[] = [];
  let pos = 0;
  while (pos < body.length && items.length <= 2 * MAX_EMOTICONS) {
    const tab = body.indexOf(0x09, pos);
    const end = tab < 0 ? body.length : tab;
    const text = decodeUtf8(body.subarray(pos, end)).text;
    if (!(tab < 0 && text.trim() === '')) items.push({ text, start: pos, end });
    pos = end + 1;
  }
  if (items.length > 2 * MAX_EMOTICONS) input.issues.add(`only the first ${MAX_EMOTICONS} emoticons are shown`);
  else if (items.length % 2 !== 0) input.issues.add('emoticon map has a shortcut without an MSN object');
  const nodes: ViewNode[] = [];
  for (let i = 0; i + 1 < items.length && nodes.length < MAX_EMOTICONS; i += 2) {
    const key = items[i]!;
    const obj = items[i + 1]!;
    const s = summariseMsnObj(obj.text);
    input.issues.addAll(s.issues, `emoticon "${key.text}": `);
    nodes.push(group(key.text, s.nodes, [at + key.start, at + obj.end], s.summary));
  }
  return { nodes: [group('emoticons', nodes, span(input), `${nodes.length}`)] };
}

function p2pBody(input: BodyInput): BodyOutput {
  const dest = headerValue(input.headers, 'P2P-Dest');
  const r = renderP2P(input.body, { dest }, input.at);
  input.issues.addAll(r.issues);
  return { nodes: [group(`P2P v${r.version}`, r.nodes, span(input))], title: r.title };
}

function textNode(label: string, input: BodyInput): ViewNode {
  const t = decodeUtf8(input.body);
  return leaf(label, escapeControls(t.text), span(input));
}

function span(input: BodyInput): [number, number] {
  return [input.at, input.at + input.body.length];
}

const KINDS: Readonly<Record<string, ContentKind>> = {
  'text/x-msmsgsprofile': { title: 'login profile', textual: true, headerNotes: profileNotes, body: plainBody },
  'text/x-msmsgscontrol': { title: 'typing notification', textual: true, body: plainBody },
  'text/plain': { title: 'text message', textual: true, body: plainBody },
  'application/x-msmsgsemailnotification': { title: 'e-mail notification (MSNP2)', textual: true, body: fieldsBody(emailNotes) },
  'text/x-msmsgsinitialemailnotification': { title: 'initial e-mail status', textual: true, body: fieldsBody(emailNotes) },
  'text/x-msmsgsemailnotification': { title: 'new e-mail', textual: true, body: fieldsBody(emailNotes) },
  'text/x-msmsgsactivemailnotification': { title: 'mailbox activity', textual: true, body: fieldsBody(emailNotes) },
  'text/x-msmsgsinitialmdatanotification': { title: 'initial mail data', textual: true, body: mailDataBody },
  'text/x-msmsgsoimnotification': { title: 'offline message notification', textual: true, body: mailDataBody },
  'application/x-msmsgssystemmessage': { title: 'system message', textual: true, body: fieldsBody(systemNotes) },
  'text/x-msmsgsinvite': { title: 'invitation', textual: true, body: fieldsBody(inviteNotes) },
  'text/x-msnmsgr-datacast': { title: 'datacast', textual: true, body: datacastBody },
  'text/x-mms-emoticon': { title: 'custom emoticon map', textual: true, body: emoticonBody },
  'text/x-mms-animemoticon': { title: 'animated emoticon map', textual: true, body: emoticonBody },
  'application/x-msnmsgrp2p': { title: 'P2P data', textual: false, body: p2pBody },
};

/** Unknown content types: text when it reads as text, otherwise a byte preview. */
const UNKNOWN: ContentKind = {
  title: 'unknown content type',
  textual: false,
  body(input) {
    if (input.body.length === 0) return { nodes: [] };
    const t = decodeUtf8(input.body);
    if (t.valid && isPrintable(t.text)) return { nodes: [leaf('text', t.text, span(input))] };
    return { nodes: [leaf('bytes', hexPreview(input.body, 64), span(input))] };
  },
};

export function contentKind(mediaType: string): ContentKind {
  return KINDS[mediaType] ?? UNKNOWN;
}
