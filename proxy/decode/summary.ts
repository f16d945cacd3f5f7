// The one-line description of a frame (Wireshark's Info column).
import type { DecodedFrame } from '../../shared/msnp/decoded.js';

const MAX = 200;

export function summarize(frame: DecodedFrame): string {
  if (frame.kind === 'raw') return frame.summary;
  const parts: string[] = [frame.kind === 'error' ? frame.title : frame.command];
  if (frame.trId !== null) parts.push(`#${frame.trId}`);
  for (const field of frame.fields) {
    if (field.name === 'length') continue;
    const shown = field.decoded ?? field.value;
    parts.push(field.unknown ? shown : `${field.name}=${shown}`);
  }
  if (frame.payloadLength !== null) parts.push(`[${frame.payloadLength} B payload]`);
  if (frame.challenge) parts.push(`challenge ${frame.challenge.verdict}`);
  const text = parts.join(' ');
  return text.length > MAX ? `${text.slice(0, MAX - 1)}…` : text;
}
