// Display helpers: times, directions, bytes. All return plain text for `{}` interpolation.
import type { Direction } from '../../../shared/msnp/types.js';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** HH:MM:SS.mmm in local time. */
export function clock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Date and time, for session starts. */
export function dateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function arrow(dir: Direction): string {
  return dir === 'c2s' ? 'C→S' : 'S→C';
}

export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Bytes as readable text: UTF-8 where valid, U+FFFD elsewhere. */
export function text(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

// Captured text is shown as text, but some characters still act: a bidi override in a display name
// reorders everything after it on the line (the fields that follow read backwards, "Trojan Source"),
// and other control characters show as nothing. Both are turned into visible marks.
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `value` with bidi controls as ⟨U+202E⟩ and C0 controls as their control pictures (␀ …). */
export function visible(value: string): string {
  return value.replace(INVISIBLE, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return '\u2421';
    return `⟨U+${code.toString(16).toUpperCase()}⟩`;
  });
}

/** The command line of a frame (up to the first LF), without its line end. */
export function firstLine(bytes: Uint8Array): string {
  const lf = bytes.indexOf(0x0a);
  return text(lf < 0 ? bytes : bytes.subarray(0, lf)).replace(/\r$/, '');
}

export const HEX_ROW = 16;

export interface HexRow {
  offset: string;
  /** One entry per byte of the row: its position, hex pair and ASCII character. */
  cells: Array<{ pos: number; hex: string; ascii: string }>;
}

/** Row `row` of a hex dump (16 bytes a row). */
export function hexRow(bytes: Uint8Array, row: number): HexRow {
  const start = row * HEX_ROW;
  const cells: HexRow['cells'] = [];
  for (let pos = start; pos < Math.min(bytes.length, start + HEX_ROW); pos++) {
    const b = bytes[pos] as number;
    cells.push({ pos, hex: b.toString(16).padStart(2, '0'), ascii: b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.' });
  }
  return { offset: start.toString(16).padStart(8, '0'), cells };
}

/** Error replies are three-digit codes. */
export function isErrorCommand(command: string): boolean {
  return /^\d{3}$/.test(command);
}
