// Byte-level helpers shared by the views: strict UTF-8, printability and line splitting with offsets.
// Views work on bytes (not strings) so that every node can carry an exact byte span.

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export interface DecodedText {
  text: string;
  /** False when the bytes were not valid UTF-8 (text then holds U+FFFD replacements). */
  valid: boolean;
}

export function decodeUtf8(buf: Uint8Array): DecodedText {
  try {
    return { text: strictUtf8.decode(buf), valid: true };
  } catch {
    return { text: Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8'), valid: false };
  }
}

/** Text a human can read as-is: no control characters other than tab, CR and LF. */
export function isPrintable(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text);
}

export interface Line {
  /** Offset of the first byte of the line. */
  start: number;
  /** Offset just past the line's content (before CR/LF). */
  end: number;
  /** Offset of the next line (after the terminator), or end of input. */
  next: number;
  /** 'crlf', 'lf', or 'none' when the input ended without a terminator. */
  eol: 'crlf' | 'lf' | 'none';
}

/** The line starting at `start` (ends at LF; a CR right before the LF is not content). */
export function lineAt(buf: Uint8Array, start: number, limit: number = buf.length): Line {
  const lf = buf.indexOf(0x0a, start);
  if (lf < 0 || lf >= limit) return { start, end: limit, next: limit, eol: 'none' };
  const crlf = lf > start && buf[lf - 1] === 0x0d;
  return { start, end: crlf ? lf - 1 : lf, next: lf + 1, eol: crlf ? 'crlf' : 'lf' };
}

/** True when `buf` at `at` begins with the ASCII text `prefix` (case-sensitive). */
export function startsWithAscii(buf: Uint8Array, prefix: string, at = 0): boolean {
  if (buf.length - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[at + i] !== prefix.charCodeAt(i)) return false;
  return true;
}

/** First non-whitespace byte offset (space, tab, CR, LF, and a UTF-8 BOM are skipped). */
export function skipLeadingSpace(buf: Uint8Array, at = 0): number {
  let i = at;
  if (buf[i] === 0xef && buf[i + 1] === 0xbb && buf[i + 2] === 0xbf) i += 3;
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0d || buf[i] === 0x0a)) i++;
  return i;
}

/** Short hex rendering for previews, e.g. "0a 1b 2c … (+120 bytes)". */
export function hexPreview(buf: Uint8Array, max = 32): string {
  const shown = Array.from(buf.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return buf.length > max ? `${shown} … (+${buf.length - max} bytes)` : shown;
}

/** A display-safe rendering of arbitrary text: control characters become \xNN escapes. */
export function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
