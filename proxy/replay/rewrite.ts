// Rewrites of a recorded frame before it is replayed: its TrID (to the one the live peer used) and
// tokens of its command line (a referral's address, a cookie). The payload is never touched, so the
// length token stays true.
import type { ScriptFrame } from '../fixture/load.js';

/** The frame's bytes with some command-line tokens replaced (token 0 is the command). */
export function withTokens(frame: Pick<ScriptFrame, 'bytes' | 'line'>, replace: Map<number, string>): Buffer {
  if (frame.line === null || replace.size === 0) return frame.bytes;
  const tokens = frame.line.split(' ');
  for (const [i, value] of replace) if (i < tokens.length) tokens[i] = value;
  const rest = frame.bytes.subarray(Buffer.byteLength(frame.line, 'latin1'));
  return Buffer.concat([Buffer.from(tokens.join(' '), 'latin1'), rest]);
}

/** The command line as display text (payload not shown). */
export function lineText(frame: { line: string | null; bytes: Buffer }): string {
  return frame.line ?? `<${frame.bytes.length} raw bytes>`;
}
