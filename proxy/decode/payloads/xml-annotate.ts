// Protocol meaning for known XML elements: ADL/RML/FQY list bits and network ids, NOTIFICATION
// fields, GCF policies and Shields, UUX/UBX personal data, MSNP21 presence. Purely additive: each
// annotation is an extra child node next to the raw attributes and text.
import type { ViewNode } from '../../../shared/msnp/views.js';
import type { XmlElement } from './xml-parse.js';
import { leaf } from './nodes.js';
import { listBitsName, networkName, statusName } from './names.js';
import { decodeUtf8, isPrintable } from './bytes.js';

export interface AnnotateContext {
  /** The payload's command (e.g. 'IPG' changes the meaning of <MSG id>). */
  command: string;
  /** Ancestors of the element, outermost first. */
  path: readonly XmlElement[];
}

export function attr(el: XmlElement, name: string): string | undefined {
  return el.attributes.find((a) => a.name === name)?.value;
}

/** The element's text when it holds nothing but text. */
export function ownText(el: XmlElement): string | undefined {
  if (el.children.length === 0) return '';
  if (el.children.every((c) => c.kind === 'text')) return el.children.map((c) => (c.kind === 'text' ? c.text : '')).join('');
  return undefined;
}

type Annotator = (el: XmlElement, ctx: AnnotateContext) => ViewNode[];

const BY_NAME: Readonly<Record<string, Annotator>> = {
  ml: (el) => (attr(el, 'l') === '1' ? [leaf('meaning', 'initial list upload')] : []),
  c: contactEntry,
  notification: (el) => {
    const site = attr(el, 'siteid');
    if (site === undefined) return [];
    const icon = site === '0' ? 'stocks icon' : site === '1' ? 'calendar icon' : 'bell (default) or custom icon';
    return [leaf('siteid icon', icon)];
  },
  to: (el) => {
    const pid = attr(el, 'pid');
    const m = pid ? /^0x([0-9a-f]{1,8}):0x([0-9a-f]{1,8})$/i.exec(pid) : null;
    return m ? [leaf('PUID', `MemberIdHigh ${parseInt(m[1]!, 16)}, MemberIdLow ${parseInt(m[2]!, 16)}`)] : [];
  },
  msg: (el, ctx) => {
    const id = attr(el, 'id');
    if (ctx.command !== 'IPG' || id === undefined) return [];
    const status = id === '0' || id === '1' ? 'page delivered' : id === '407' ? 'page failed to send' : 'unknown status';
    return [leaf('page status', status)];
  },
  policy: (el) => {
    const type = attr(el, 'type');
    const names: Record<string, string> = {
      SHIELDS: 'Shields configuration',
      ABCH: 'address book service policies',
      ERRORRESPONSETABLE: 'error response table',
      P2P: 'peer-to-peer policies',
    };
    return type ? [leaf('policy', names[type.toUpperCase()] ?? 'unknown policy type')] : [];
  },
  cli: (el) => {
    const out = [leaf('applies to', `client ${attr(el, 'maj') ?? '?'}.${attr(el, 'min') ?? '?'}, builds ${attr(el, 'minbld') ?? '?'}–${attr(el, 'maxbld') ?? '?'}`)];
    const deny = (attr(el, 'deny') ?? '').trim();
    out.push(leaf('denied features', deny === '' ? 'none' : deny.split(/\s+/).join(', ')));
    return out;
  },
  imtext: (el) => {
    const v = attr(el, 'value');
    if (!v) return [];
    const d = decodeUtf8(Buffer.from(v, 'base64'));
    return d.valid && isPrintable(d.text) ? [leaf('pattern (base64-decoded)', d.text)] : [];
  },
  currentmedia: (el) => {
    const t = ownText(el);
    return t === undefined ? [] : [leaf('now playing', describeMedia(t))];
  },
  status: (el) => {
    const code = ownText(el)?.trim();
    const name = code ? statusName(code) : undefined;
    return name ? [leaf('presence', name)] : [];
  },
  capabilities: (el) => {
    const t = ownText(el)?.trim();
    return t ? describeCaps(t) : [];
  },
  state: (el, ctx) => {
    if (ctx.path.at(-1)?.name !== 'PrivateEndpointData') return [];
    const code = ownText(el)?.trim();
    const name = code ? statusName(code) : undefined;
    return name ? [leaf('presence', name)] : [];
  },
};

export function annotate(el: XmlElement, ctx: AnnotateContext): ViewNode[] {
  const fn = BY_NAME[el.name.toLowerCase()];
  return fn ? fn(el, ctx) : [];
}

/** `<c>` in an `<ml>` list: under `<d n=domain>` it is `n@domain`; under `<t>` it is a `tel:` URI. */
function contactEntry(el: XmlElement, ctx: AnnotateContext): ViewNode[] {
  const parent = ctx.path.at(-1);
  if (!parent || ctx.path[0]?.name.toLowerCase() !== 'ml') return [];
  const out: ViewNode[] = [];
  const local = attr(el, 'n');
  if (parent.name === 'd') {
    const domain = attr(parent, 'n');
    out.push(leaf('handle', `${local ?? '?'}@${domain ?? '?'}`, undefined, local && domain ? undefined : 'missing n= on <c> or <d>'));
  } else if (parent.name === 't' && local) {
    out.push(leaf('handle', local));
  }
  const l = attr(el, 'l');
  if (l !== undefined) {
    const n = /^\d+$/.test(l) ? Number(l) : NaN;
    out.push(Number.isNaN(n) ? leaf('lists', l, undefined, 'l= is not a number') : leaf('lists', listBitsName(n)));
  }
  const t = attr(el, 't');
  if (t !== undefined) {
    const name = /^\d+$/.test(t) ? networkName(Number(t)) : undefined;
    out.push(name ? leaf('network', `${t} = ${name}`) : leaf('network', t, undefined, 'unknown network id'));
  }
  return out;
}

/** CurrentMedia is `\0`-separated (literally backslash-zero): app, type, enabled, format, then arguments. */
export function describeMedia(text: string): string {
  if (text.trim() === '') return 'nothing';
  const parts = text.split('\\0');
  const [, type = '', enabled = '', format = '', ...args] = parts;
  if (enabled !== '1') return `${type || 'media'} (not shown)`;
  const filled = format.replace(/\{(\d+)\}/g, (_m, i: string) => args[Number(i)] ?? '');
  return `${type}: ${filled}`;
}

/** `caps` or `caps:capsex` (D.4): the top nibble of caps is the MSNC (P2P) version. */
function describeCaps(text: string): ViewNode[] {
  const [caps = '', ex] = text.split(':');
  const out: ViewNode[] = [];
  if (/^\d+$/.test(caps)) {
    const n = Number(caps) >>> 0;
    out.push(leaf('client capabilities', `0x${n.toString(16).padStart(8, '0')}, MSNC${n >>> 28}`));
  }
  if (ex !== undefined && /^\d+$/.test(ex)) {
    const n = Number(ex) >>> 0;
    out.push(leaf('extended capabilities', `0x${n.toString(16)}${n & 0x20 ? ' (P2P v2)' : ''}`));
  }
  return out;
}
