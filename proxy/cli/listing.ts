// Readable, optionally coloured listing of decoded frames, in the manner of `tshark -O`:
// one header line per frame, then its fields, payload view and issues indented below it.
import type { DecodedFrame } from '../../shared/msnp/decoded.js';
import type { ViewNode } from '../../shared/msnp/views.js';

type Paint = (code: string, text: string) => string;

const paintWith = (color: boolean): Paint => (color ? (code, text) => `\x1b[${code}m${text}\x1b[0m` : (_c, text) => text);

/** Captured text may hold terminal escapes: show control characters as \xNN so they cannot act. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function formatFrame(frame: DecodedFrame, color: boolean): string {
  const paint = paintWith(color);
  const arrow = frame.dir === 'c2s' ? paint('36', 'C→S') : paint('35', 'S→C');
  const head = [
    paint('2', `${frame.conn} #${frame.index}`),
    arrow,
    frame.version ? paint('2', frame.version) : paint('2', 'MSNP?'),
    frame.kind === 'error' ? paint('31;1', printable(frame.summary)) : paint('1', printable(frame.summary)),
  ];
  const lines = [head.join(' ')];
  if (frame.title && frame.kind === 'command') lines.push(`    ${paint('2', frame.title)}`);
  for (const field of frame.fields) {
    const since = field.since ? ` ${paint('33', `[since ${field.since}]`)}` : '';
    const decoded = field.decoded !== undefined && field.decoded !== field.value ? ` (${printable(field.decoded)})` : '';
    lines.push(`    ${field.name}: ${printable(field.value)}${decoded}${since}`);
  }
  if (frame.replyTo) lines.push(`    ${paint('2', `reply to #${frame.replyTo.index} after ${frame.replyTo.latencyMs} ms`)}`);
  if (frame.reply) lines.push(`    ${paint('2', `answered by #${frame.reply.index} after ${frame.reply.latencyMs} ms`)}`);
  if (frame.challenge) {
    const ok = frame.challenge.verdict === 'valid';
    lines.push(`    challenge: ${paint(ok ? '32' : '31', frame.challenge.verdict)} (${frame.challenge.scheme ?? 'no scheme'})`);
  }
  if (frame.view) {
    lines.push(`    ${paint('34', `payload: ${printable(frame.view.title)}`)}`);
    for (const node of frame.view.nodes) pushNode(lines, node, 3, paint);
    for (const issue of frame.view.issues) lines.push(`      ${paint('31', `! ${printable(issue)}`)}`);
  }
  for (const issue of frame.issues) lines.push(`    ${paint('31', `! ${printable(issue)}`)}`);
  return lines.join('\n');
}

function pushNode(lines: string[], node: ViewNode, depth: number, paint: Paint): void {
  const pad = '  '.repeat(depth);
  const value = node.value === undefined ? '' : `: ${printable(node.value)}`;
  lines.push(`${pad}${printable(node.label)}${value}${node.issue ? ` ${paint('31', `! ${printable(node.issue)}`)}` : ''}`);
  for (const child of node.children ?? []) pushNode(lines, child, depth + 1, paint);
}
