// Text inputs (transcripts, logs, fixtures) arrive as bytes or strings, with or without a BOM and CRs.

/** The input as text, without a byte order mark. */
export function inputText(input: Buffer | string): string {
  return (typeof input === 'string' ? input : input.toString('utf8')).replace(/^\uFEFF/, '');
}

/** The input's lines, without their line ends (LF or CRLF). */
export function inputLines(input: Buffer | string): string[] {
  return inputText(input).split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}
