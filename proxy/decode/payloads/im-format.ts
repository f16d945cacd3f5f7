// X-MMS-IM-Format (MSNP3+ text messages): `FN=font; EF=effects; CO=colour; CS=charset; PF=pitch/family`.
import type { ViewNode } from '../../../shared/msnp/views.js';
import { leaf } from './nodes.js';

const EFFECTS: Readonly<Record<string, string>> = { B: 'bold', I: 'italic', U: 'underline', S: 'strikethrough' };

/** Windows LOGFONT charset bytes (CS is written in hex). */
const CHARSETS: Readonly<Record<number, string>> = {
  0x00: 'ANSI',
  0x01: 'default',
  0x02: 'symbol',
  0x4d: 'Mac',
  0x80: 'Shift-JIS',
  0x81: 'Hangul',
  0x82: 'Johab',
  0x86: 'GB2312',
  0x88: 'Big5',
  0xa1: 'Greek',
  0xa2: 'Turkish',
  0xa3: 'Vietnamese',
  0xb1: 'Hebrew',
  0xb2: 'Arabic',
  0xba: 'Baltic',
  0xcc: 'Russian',
  0xde: 'Thai',
  0xee: 'Eastern European',
  0xff: 'OEM',
};

const FAMILIES = ['don\u2019t care', 'roman', 'swiss', 'modern', 'script', 'decorative'];
const PITCHES = ['default', 'fixed', 'variable'];

/** The decoded parts of an X-MMS-IM-Format value, one node each; problems are node issues. */
export function decodeImFormat(value: string): ViewNode[] {
  const out: ViewNode[] = [];
  for (const part of value.split(';')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) {
      out.push(leaf(item, undefined, undefined, 'format item without "="'));
      continue;
    }
    const key = item.slice(0, eq).trim().toUpperCase();
    const raw = item.slice(eq + 1).trim();
    out.push(decodeItem(key, raw));
  }
  return out;
}

function decodeItem(key: string, raw: string): ViewNode {
  switch (key) {
    case 'FN': {
      try {
        return leaf('font', decodeURIComponent(raw));
      } catch {
        return leaf('font', raw, undefined, 'font name is not valid URL encoding');
      }
    }
    case 'EF': {
      const letters = [...raw.toUpperCase()];
      const unknown = letters.filter((c) => !EFFECTS[c]);
      const names = letters.filter((c) => EFFECTS[c]).map((c) => EFFECTS[c]!);
      return leaf('effects', names.length ? names.join(', ') : 'none', undefined, unknown.length ? `unknown effect letters: ${unknown.join('')}` : undefined);
    }
    case 'CO': {
      // Colour is BGR with leading zeros dropped: "ff0000" is blue, "ff" is red.
      if (!/^[0-9a-f]{1,6}$/i.test(raw)) return leaf('colour', raw, undefined, 'colour is not 1–6 hex digits');
      const bgr = raw.padStart(6, '0').toLowerCase();
      const rgb = `#${bgr.slice(4, 6)}${bgr.slice(2, 4)}${bgr.slice(0, 2)}`.toUpperCase();
      return leaf('colour', `${rgb} (sent as BGR ${raw})`);
    }
    case 'CS': {
      const n = /^[0-9a-f]{1,2}$/i.test(raw) ? parseInt(raw, 16) : NaN;
      if (Number.isNaN(n)) return leaf('charset', raw, undefined, 'charset is not a hex byte');
      return leaf('charset', `${raw} = ${CHARSETS[n] ?? 'unknown'} (Windows font charset)`);
    }
    case 'PF': {
      // (inferred) the LOGFONT pitch-and-family byte in hex: family in the high nibble, pitch in the low bits.
      const n = /^[0-9a-f]{1,2}$/i.test(raw) ? parseInt(raw, 16) : NaN;
      if (Number.isNaN(n)) return leaf('pitch/family', raw, undefined, 'pitch/family is not a hex byte');
      const family = FAMILIES[n >> 4] ?? `family ${n >> 4}`;
      const pitch = PITCHES[n & 3] ?? `pitch ${n & 3}`;
      return leaf('pitch/family', `${raw}: ${family} family, ${pitch} pitch (inferred from the Windows LOGFONT byte)`);
    }
    case 'RL':
      return leaf('right-to-left', raw === '1' ? 'yes' : raw === '0' ? 'no' : raw);
    default:
      return leaf(key, raw, undefined, 'unknown format item');
  }
}
