// Parser for `Name: value` header blocks (MSG MIME headers, MSNP21 envelope blocks, MSNSLP and the
// header-style bodies of e-mail notifications and invitations). Tolerant: problems become issues.
import { decodeUtf8, lineAt } from './bytes.js';

export interface HeaderField {
  name: string;
  value: string;
  /** Byte span of the whole line, without its line terminator. */
  span: [number, number];
  /** Set when the line is not a proper header (no colon); name then holds the whole line. */
  issue?: string;
}

export interface HeaderBlock {
  fields: HeaderField[];
  /** Offset just past the blank line that ends the block (or the end of input when there is none). */
  end: number;
  /** A blank line ended the block. */
  terminated: boolean;
  issues: string[];
}

/** Upper bound on headers per block: real blocks have a few dozen. */
const MAX_FIELDS = 500;

/**
 * Reads header lines from `start` until a blank line or `limit`.
 * Lines may end in CRLF (the protocol) or LF alone (tolerated, reported once).
 */
export function parseHeaderBlock(buf: Uint8Array, start = 0, limit = buf.length): HeaderBlock {
  const fields: HeaderField[] = [];
  const issues: string[] = [];
  let pos = start;
  let bareLf = false;
  let badUtf8 = false;
  while (pos < limit) {
    const line = lineAt(buf, pos, limit);
    if (line.eol === 'lf') bareLf = true;
    if (line.end === line.start) {
      if (line.eol === 'none') break;
      finish();
      return { fields, end: line.next, terminated: true, issues };
    }
    if (line.eol === 'none' && line.end - line.start === 1 && buf[line.start] === 0x0d) {
      finish();
      issues.push('input ends after a CR: the blank line is cut short');
      return { fields, end: limit, terminated: false, issues };
    }
    if (fields.length >= MAX_FIELDS) {
      issues.push(`more than ${MAX_FIELDS} header lines; the rest is not parsed`);
      return { fields, end: limit, terminated: false, issues };
    }
    const decoded = decodeUtf8(buf.subarray(line.start, line.end));
    if (!decoded.valid) badUtf8 = true;
    const text = decoded.text;
    const colon = text.indexOf(':');
    const span: [number, number] = [line.start, line.end];
    if (colon <= 0) {
      const issue = colon === 0 ? 'header line has an empty name' : 'header line has no colon';
      issues.push(`${issue}: "${clip(text)}"`);
      fields.push({ name: text, value: '', span, issue });
    } else {
      fields.push({ name: text.slice(0, colon).trim(), value: text.slice(colon + 1).replace(/^[ \t]+/, ''), span });
    }
    pos = line.next;
    if (line.eol === 'none') break;
  }
  finish();
  return { fields, end: limit, terminated: false, issues };

  function finish(): void {
    if (bareLf) issues.push('header lines end in LF instead of CRLF');
    if (badUtf8) issues.push('header text is not valid UTF-8');
  }
}

/** Value of the first header called `name` (case-insensitive). */
export function headerValue(fields: readonly HeaderField[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return fields.find((f) => !f.issue && f.name.toLowerCase() === lower)?.value;
}

export interface ContentType {
  /** Lowercased `type/subtype`. */
  mediaType: string;
  params: Record<string, string>;
}

/** Splits `text/plain; charset=UTF-8` into media type and parameters. */
export function parseContentType(value: string): ContentType {
  const [head = '', ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    params[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return { mediaType: head.trim().toLowerCase(), params };
}

export function isUtf8Charset(charset: string): boolean {
  return /^utf-?8$/i.test(charset.trim());
}

export function clip(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
