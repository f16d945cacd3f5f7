// An inert XML parser for protocol payloads. It never fetches, never processes a DTD and expands only
// the five predefined entities and numeric character references, so a hostile payload cannot grow.
// Depth and node count are capped. It recovers from malformed input: a partial tree plus issues.
import { decodeUtf8 } from './bytes.js';
import { Issues } from './nodes.js';

export interface XmlAttribute {
  name: string;
  value: string;
  span: [number, number];
}

export interface XmlElement {
  kind: 'element';
  name: string;
  attributes: XmlAttribute[];
  children: XmlNode[];
  span: [number, number];
}

export interface XmlText {
  kind: 'text';
  /** Entity-decoded text. */
  text: string;
  span: [number, number];
  cdata: boolean;
}

/**
 * Kept only for display: comments, processing instructions, DOCTYPE and other declarations, and the
 * raw remainder of the input when a cap stopped the parse ('unparsed').
 */
export interface XmlMarkup {
  kind: 'comment' | 'pi' | 'doctype' | 'declaration' | 'unparsed';
  text: string;
  span: [number, number];
}

export type XmlNode = XmlElement | XmlText | XmlMarkup;

export interface XmlDocument {
  /** Top-level nodes; payloads such as PAG carry more than one root element. */
  nodes: XmlNode[];
  issues: string[];
  /** False when a cap stopped the parse before the end of the input. */
  complete: boolean;
}

export interface XmlLimits {
  maxDepth: number;
  maxNodes: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxDepth: 64, maxNodes: 10_000 };

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function parseXml(buf: Uint8Array, limits: Partial<XmlLimits> = {}): XmlDocument {
  return new Parser(buf, { ...DEFAULT_XML_LIMITS, ...limits }).run();
}

/** Decodes the predefined entities and character references in `raw`; anything else stays literal. */
export function decodeEntities(raw: string, sink?: { add(m: string): void }): string {
  let amp = raw.indexOf('&');
  if (amp < 0) return raw;
  // Each distinct problem is reported once per text, so a run of stray "&" stays one issue.
  const reported = new Set<string>();
  const report = (m: string) => {
    if (!reported.has(m)) {
      reported.add(m);
      sink?.add(m);
    }
  };
  let out = '';
  let last = 0;
  while (amp >= 0) {
    out += raw.slice(last, amp);
    const semi = entityEnd(raw, amp);
    if (semi < 0) {
      report('bare "&" not part of an entity reference');
      out += '&';
      last = amp + 1;
    } else {
      out += resolveEntity(raw.slice(amp + 1, semi), report);
      last = semi + 1;
    }
    amp = raw.indexOf('&', last);
  }
  return out + raw.slice(last);
}

/** Offset of the ";" closing the reference at `amp`, looking at most 33 characters ahead. */
function entityEnd(raw: string, amp: number): number {
  const stop = Math.min(raw.length, amp + 34);
  for (let i = amp + 1; i < stop; i++) {
    const c = raw[i]!;
    if (c === ';') return i;
    if (c === '&' || c === '<' || c === '>' || c === ' ' || c === '\t' || c === '\r' || c === '\n') return -1;
  }
  return -1;
}

function resolveEntity(name: string, report: (m: string) => void): string {
  const whole = `&${name};`;
  const predefined = PREDEFINED[name];
  if (predefined !== undefined) return predefined;
  const num = /^#(?:x([0-9a-fA-F]{1,8})|([0-9]{1,10}))$/.exec(name);
  if (num) {
    const code = num[1] !== undefined ? parseInt(num[1], 16) : parseInt(num[2] ?? '', 10);
    if (isXmlChar(code)) return String.fromCodePoint(code);
    report(`character reference ${whole} is not a valid XML character`);
    return whole;
  }
  report(`entity ${whole} is not expanded (only the predefined entities are)`);
  return whole;
}

function isXmlChar(c: number): boolean {
  return (
    c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff)
  );
}

const WS = new Set([' ', '\t', '\r', '\n']);
// ASCII whitespace only: the input is latin1 here, and bytes such as 0xA0 belong to UTF-8 sequences.
const NAME_STOP = /[ \t\r\n/>=<"']/;

class Parser {
  /** The input as latin1: one char per byte, so string offsets are byte offsets. */
  private readonly src: string;
  private readonly issues = new Issues(100);
  private readonly roots: XmlNode[] = [];
  private readonly stack: XmlElement[] = [];
  private count = 0;
  private pos = 0;
  private badUtf8 = false;
  private complete = true;
  /** Attribute names of the start tag being read, to report repeats. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly buf: Uint8Array,
    private readonly limits: XmlLimits,
  ) {
    this.src = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1');
  }

  run(): XmlDocument {
    const { src } = this;
    while (this.pos < src.length) {
      if (this.count >= this.limits.maxNodes) {
        this.stop(`more than ${this.limits.maxNodes} XML nodes; the rest is shown as text`);
        break;
      }
      const lt = src.indexOf('<', this.pos);
      if (lt < 0) {
        this.text(this.pos, src.length);
        break;
      }
      if (lt > this.pos) this.text(this.pos, lt);
      if (!this.markup(lt)) break;
    }
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const open = this.stack[i]!;
      open.span[1] = src.length;
      if (this.complete) this.issues.add(`<${open.name}> is not closed before the input ends`);
    }
    if (this.badUtf8) this.issues.add('XML text is not valid UTF-8');
    return { nodes: this.roots, issues: this.issues.done(), complete: this.complete };
  }

  /** Handles the markup at `lt`; returns false when parsing must stop. */
  private markup(lt: number): boolean {
    const { src } = this;
    if (src.startsWith('<!--', lt)) return this.until(lt, '-->', 'comment', lt + 4);
    if (src.startsWith('<![CDATA[', lt)) {
      const end = src.indexOf(']]>', lt + 9);
      const stop = end < 0 ? src.length : end;
      if (end < 0) this.issues.add('CDATA section is not closed');
      this.append({ kind: 'text', text: this.utf8(lt + 9, stop), span: [lt, end < 0 ? stop : end + 3], cdata: true });
      this.pos = end < 0 ? src.length : end + 3;
      return true;
    }
    if (src.startsWith('<?', lt)) return this.until(lt, '?>', 'pi', lt + 2);
    if (src.slice(lt, lt + 9).toUpperCase() === '<!DOCTYPE') return this.doctype(lt);
    if (src.startsWith('<!', lt)) {
      const end = src.indexOf('>', lt);
      const stop = end < 0 ? src.length : end + 1;
      this.issues.add(`markup declaration "${this.utf8(lt, Math.min(stop, lt + 40))}" is not processed`);
      this.append({ kind: 'declaration', text: this.utf8(lt, stop), span: [lt, stop] });
      this.pos = stop;
      return true;
    }
    if (src.startsWith('</', lt)) {
      this.closeTag(lt);
      return true;
    }
    return this.openTag(lt);
  }

  private until(lt: number, terminator: string, kind: 'comment' | 'pi', bodyStart: number): boolean {
    const end = this.src.indexOf(terminator, bodyStart);
    if (end < 0) this.issues.add(`${kind === 'pi' ? 'processing instruction' : 'comment'} is not closed`);
    const stop = end < 0 ? this.src.length : end + terminator.length;
    this.append({ kind, text: this.utf8(bodyStart, end < 0 ? stop : end).trim(), span: [lt, stop] });
    this.pos = stop;
    return true;
  }

  /** A DOCTYPE is shown, never interpreted: its internal subset (and any ENTITY in it) is inert text. */
  private doctype(lt: number): boolean {
    const { src } = this;
    let depth = 0;
    let quote = '';
    let i = lt + 9;
    for (; i < src.length; i++) {
      const c = src[i]!;
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '[') depth++;
      else if (c === ']') depth = Math.max(0, depth - 1);
      else if (c === '>' && depth === 0) break;
    }
    const stop = i < src.length ? i + 1 : src.length;
    if (i >= src.length) this.issues.add('DOCTYPE is not closed');
    const hasEntities = /<!ENTITY/i.test(src.slice(lt, stop));
    this.issues.add(`DOCTYPE present: not processed${hasEntities ? ', its ENTITY declarations are not expanded' : ''}`);
    this.append({ kind: 'doctype', text: this.utf8(lt, stop), span: [lt, stop] });
    this.pos = stop;
    return true;
  }

  private openTag(lt: number): boolean {
    const { src } = this;
    const name = this.readName(lt + 1);
    if (!name) {
      this.issues.add(`stray "<" at byte ${lt}`);
      this.text(lt, lt + 1);
      this.pos = lt + 1;
      return true;
    }
    if (this.stack.length >= this.limits.maxDepth) {
      this.stop(`elements nested deeper than ${this.limits.maxDepth}; the rest is shown as text`, lt);
      return false;
    }
    const el: XmlElement = { kind: 'element', name: this.utf8(lt + 1, lt + 1 + name.length), attributes: [], children: [], span: [lt, lt] };
    let i = lt + 1 + name.length;
    this.seen.clear();
    for (;;) {
      if (this.count >= this.limits.maxNodes) {
        // Attributes count as nodes, so one tag with a million attributes is capped too.
        el.span[1] = i;
        this.append(el);
        this.stop(`more than ${this.limits.maxNodes} XML nodes; the rest is shown as text`, i);
        return false;
      }
      while (i < src.length && WS.has(src[i]!)) i++;
      if (i >= src.length) {
        this.issues.add(`start tag <${el.name}> is not closed`);
        el.span[1] = src.length;
        this.append(el);
        this.pos = src.length;
        return true;
      }
      const c = src[i]!;
      if (c === '>' || src.startsWith('/>', i) || c === '<') {
        const selfClosing = c === '/';
        if (c === '<') this.issues.add(`start tag <${el.name}> ends without ">"`);
        const after = c === '<' ? i : i + (selfClosing ? 2 : 1);
        el.span[1] = after;
        this.append(el);
        if (!selfClosing) this.stack.push(el);
        this.pos = after;
        return true;
      }
      if (c === '/') {
        this.issues.add(`stray "/" in <${el.name}>`);
        i++;
        continue;
      }
      i = this.attribute(el, i);
    }
  }

  /** Reads one attribute starting at `i`; returns the offset after it. */
  private attribute(el: XmlElement, i: number): number {
    const { src } = this;
    const start = i;
    const rawName = this.readName(i) || src[i]!;
    const name = this.utf8(i, i + rawName.length);
    i += rawName.length;
    let j = i;
    while (j < src.length && WS.has(src[j]!)) j++;
    let value = '';
    if (src[j] === '=') {
      j++;
      while (j < src.length && WS.has(src[j]!)) j++;
      const q = src[j];
      if (q === '"' || q === "'") {
        const close = src.indexOf(q, j + 1);
        const gt = close < 0 ? -1 : close;
        if (gt < 0) this.issues.add(`attribute ${name} of <${el.name}> has no closing quote`);
        const stop = gt < 0 ? src.length : gt;
        value = decodeEntities(this.utf8(j + 1, stop), this.issues);
        i = gt < 0 ? src.length : gt + 1;
      } else {
        let k = j;
        while (k < src.length && !WS.has(src[k]!) && src[k] !== '>' && !src.startsWith('/>', k)) k++;
        this.issues.add(`attribute ${name} of <${el.name}> is not quoted`);
        value = decodeEntities(this.utf8(j, k), this.issues);
        i = k;
      }
    } else {
      this.issues.add(`attribute ${name} of <${el.name}> has no value`);
    }
    if (this.seen.has(name)) this.issues.add(`attribute ${name} repeated in <${el.name}>`);
    this.seen.add(name);
    el.attributes.push({ name, value, span: [start, i] });
    this.count++;
    return i;
  }

  private closeTag(lt: number): void {
    const { src } = this;
    const gt = src.indexOf('>', lt);
    const stop = gt < 0 ? src.length : gt + 1;
    const name = this.utf8(lt + 2, gt < 0 ? src.length : gt).trim();
    this.pos = stop;
    if (gt < 0) this.issues.add(`end tag </${name}> is not closed`);
    const at = this.stack.map((e) => e.name).lastIndexOf(name);
    if (at < 0) {
      this.issues.add(`end tag </${name}> has no matching start tag`);
      return;
    }
    while (this.stack.length > at + 1) {
      const open = this.stack.pop()!;
      open.span[1] = lt;
      this.issues.add(`<${open.name}> is not closed before </${name}>`);
    }
    const el = this.stack.pop()!;
    el.span[1] = stop;
  }

  private text(start: number, end: number): void {
    const raw = this.utf8(start, end);
    if (raw.trim() === '') return;
    this.append({ kind: 'text', text: decodeEntities(raw, this.issues), span: [start, end], cdata: false });
  }

  /** Ends parsing early: the remainder of the input becomes one text node so nothing is hidden. */
  private stop(message: string, from = this.pos): void {
    this.issues.add(message);
    this.complete = false;
    const rest: XmlMarkup = { kind: 'unparsed', text: this.utf8(from, this.src.length), span: [from, this.src.length] };
    (this.stack.at(-1)?.children ?? this.roots).push(rest);
    this.pos = this.src.length;
  }

  private append(node: XmlNode): void {
    this.count++;
    (this.stack.at(-1)?.children ?? this.roots).push(node);
  }

  private readName(at: number): string {
    let i = at;
    while (i < this.src.length && !NAME_STOP.test(this.src[i]!)) i++;
    return this.src.slice(at, i);
  }

  private utf8(start: number, end: number): string {
    const d = decodeUtf8(this.buf.subarray(start, end));
    if (!d.valid) this.badUtf8 = true;
    return d.text;
  }
}
