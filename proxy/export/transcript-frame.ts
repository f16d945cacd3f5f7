// One frame as msnp-wiki transcript lines, or null when the transcript reader could not give back its
// exact bytes (binary or non-UTF-8 payloads, bare LF line ends, body lines that read as directives,
// payload commands the reader does not know): those are written as a narration note instead.
import type { DecodedFrame } from '../../shared/msnp/decoded.js';
import { announcesPayload, payloadText } from '../decode/inputs/transcript.js';

/** Body lines the transcript reader would take for a command, continuation or narration. */
const DIRECTIVE = /^(?:[CS]:(?: |$)|\.\. |#)/;

function utf8(bytes: Buffer): string | null {
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : null;
}

/** The exact transcript lines for a frame, or the reason it cannot have them. */
export function transcriptLines(frame: DecodedFrame, bytes: Buffer): { lines: string[] } | { why: string } {
  if (frame.kind === 'raw') return { why: 'bytes that are not an MSNP frame' };
  const eol = bytes.indexOf(0x0a);
  if (eol < 1 || bytes[eol - 1] !== 0x0d) return { why: 'its command line does not end in CRLF' };
  const line = utf8(bytes.subarray(0, eol - 1));
  // eslint-disable-next-line no-control-regex
  if (line === null || /[\x00-\x1f\x7f]/.test(line) || line.trim() === '') return { why: 'its command line is not plain UTF-8 text' };
  const prefix = frame.dir === 'c2s' ? 'C: ' : 'S: ';
  const payload = bytes.subarray(eol + 1);
  if (payload.length === 0) return { lines: [prefix + line] };
  if (!announcesPayload(line)) return { why: 'the transcript reader does not know this command carries a payload' };
  const text = utf8(payload);
  // eslint-disable-next-line no-control-regex
  if (text === null || /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text)) return { why: `its ${payload.length}-byte payload is binary` };
  const body = text.split('\r\n');
  if (text.endsWith('\r\n')) body.pop();
  if (body.some((l) => l.includes('\n') || l.includes('\r'))) return { why: 'its payload has bare CR or LF line ends' };
  if (body.some((l) => DIRECTIVE.test(l))) return { why: 'a payload line would read as a transcript directive' };
  if (payloadText(body) !== text) return { why: 'its payload ends in a single CRLF, which a transcript cannot show' };
  return { lines: [prefix + line, ...body] };
}
