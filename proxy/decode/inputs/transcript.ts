// msnp-wiki style transcripts: "C: " client lines, "S: " server lines, payload bodies verbatim
// after their command line, ".. " wrapped-line continuations and "# " narration.
// Payload bytes are reproduced exactly as shown, even where the source's declared lengths are
// off: exposing that is the framer's job, not the reader's.
import type { Direction } from '../../../shared/msnp/types.js';
import type { Chunk, ConnectionInfo, InputResult } from './types.js';
import { inputLines } from './text.js';

/** Commands whose last numeric parameter announces a payload after the command line. */
const PAYLOAD_COMMANDS = new Set([
  'MSG', 'NOT', 'IPG', 'GCF', 'UUX', 'UBX', 'ADL', 'RML', 'FQY', 'QRY', 'PAG', 'PGD', 'SDC',
  'UUM', 'UBM', 'NFY', 'PUT', 'DEL', 'SDG', 'UUN', 'UBN', 'VAS',
]);
/** These two carry only the length ("NOT 458"); the others have at least a TrID before it. */
const LENGTH_ONLY = new Set(['NOT', 'IPG']);

/** Whether the lines after this command line are its payload body. */
export function announcesPayload(commandLine: string): boolean {
  const tokens = commandLine.split(' ').filter((t) => t !== '');
  const cmd = tokens[0] ?? '';
  const last = tokens[tokens.length - 1] ?? '';
  if (!/^\d+$/.test(last)) return false;
  if (PAYLOAD_COMMANDS.has(cmd)) return tokens.length >= 3 || (LENGTH_ONLY.has(cmd) && tokens.length === 2);
  return /^\d{3}$/.test(cmd) && tokens.length === 3; // an error reply with an error body
}

/**
 * The payload bytes a body shows. Body lines are CRLF-separated, and a body whose last shown
 * line is empty ends in CRLF (a MIME header block's closing blank line); otherwise the last
 * line has no line ending, as with XML, challenge hashes and the like. This reproduces every
 * length the sessions README verifies without ever consulting the declared length, so the
 * source's genuine off-by-ones (a stray blank line, LF-only XML, exploded XML) stay visible.
 */
export function payloadText(body: string[]): string {
  if (body.length === 0) return '';
  return body.join('\r\n') + (body[body.length - 1] === '' ? '\r\n' : '');
}

interface Conn {
  info: ConnectionInfo;
  sawVer: boolean;
  chunks: number;
}

interface OpenCommand {
  conn: Conn;
  dir: Direction;
  lineNo: number;
  command: string;
  /** null: the command announces no payload, so following text is not part of it. */
  body: string[] | null;
}

const OPENS = /\b(?:opens a connection to|connects to|reconnects to)\b/i;
const CLOSES = /\bdisconnects\b|\bcloses the connection\b/i;
const ADDRESS = /((?:\d{1,3}\.){3}\d{1,3}:\d+|\[[0-9a-fA-F:]+\]:\d+)/;

export function readTranscript(input: Buffer | string): InputResult {
  const lines = inputLines(input);
  const chunks: Chunk[] = [];
  const issues: string[] = [];
  const conns: Conn[] = [];
  let current: Conn | null = null;
  let open: OpenCommand | null = null;
  // Consecutive stray lines (prose around the example) make one issue, not one each.
  let stray: { first: number; last: number; count: number } | null = null;
  const flushStray = (): void => {
    if (!stray) return;
    issues.push(
      stray.count === 1
        ? `line ${stray.first}: text outside any command or payload, ignored`
        : `lines ${stray.first}-${stray.last}: ${stray.count} lines of text outside any command or payload, ignored`,
    );
    stray = null;
  };

  const describe = (c: Conn, note: string): void => {
    c.info.note = note;
    const addr = ADDRESS.exec(note);
    if (addr) c.info.server = addr[1]!;
  };

  const newConn = (): Conn => {
    const c: Conn = { info: { conn: `conn${conns.length + 1}` }, sawVer: false, chunks: 0 };
    conns.push(c);
    return c;
  };

  const close = (atEof = false): void => {
    if (!open) return;
    const body = open.body ?? [];
    // A trailing newline at the end of the file is the editor's, not the payload's.
    if (atEof) while (body.length > 0 && body[body.length - 1] === '') body.pop();
    const wire = open.command + '\r\n' + payloadText(body);
    chunks.push({ conn: open.conn.info.conn, dir: open.dir, t_ms: open.lineNo, bytes: Buffer.from(wire, 'utf8') });
    open.conn.chunks++;
    open = null;
  };

  lines.forEach((line, i) => {
    const lineNo = i + 1;
    const cmd = /^([CS]):(?: (.*))?$/.exec(line);
    if (cmd || line.startsWith('.. ') || line.startsWith('#')) flushStray();
    if (cmd) {
      close();
      const command = cmd[2] ?? '';
      if (command.trim() === '') {
        issues.push(`line ${lineNo}: empty ${cmd[1]}: line ignored`);
        return;
      }
      const dir: Direction = cmd[1] === 'C' ? 'c2s' : 's2c';
      const isVer = dir === 'c2s' && command.startsWith('VER ');
      // A client VER on a connection that already negotiated means the transcript moved on
      // to a new connection without saying so.
      if (current === null || (isVer && current.sawVer)) current = newConn();
      if (isVer) current.sawVer = true;
      open = { conn: current, dir, lineNo, command, body: announcesPayload(command) ? [] : null };
      return;
    }
    if (line.startsWith('.. ')) {
      if (!open) {
        issues.push(`line ${lineNo}: continuation with no line to continue, ignored`);
        return;
      }
      const piece = line.slice(3);
      // Wrapped parameters join with a space, except URL-encoded text split at an encoded space.
      const sep = piece.startsWith('%20') ? '' : ' ';
      if (open.body && open.body.length > 0) open.body[open.body.length - 1] += sep + piece;
      else open.command += sep + piece;
      return;
    }
    if (line.startsWith('#')) {
      close();
      const note = line.replace(/^#\s*/, '');
      if (OPENS.test(note)) {
        // A connection announced twice before any traffic is still one connection.
        if (current === null || current.chunks > 0) current = newConn();
        describe(current, note);
      } else if (CLOSES.test(note)) {
        current = null;
      }
      return;
    }
    if (open?.body) {
      open.body.push(line);
      return;
    }
    // Blank separators, "== heading ==" lines and lone "|" (table borders left over when a wiki
    // page was converted to text) say nothing about the protocol.
    if (line.trim() === '' || line.trim() === '|' || /^==.*==\s*$/.test(line)) return;
    if (stray) {
      stray.last = lineNo;
      stray.count++;
    } else {
      stray = { first: lineNo, last: lineNo, count: 1 };
    }
  });
  close(true);
  flushStray();

  return {
    format: 'transcript',
    chunks,
    issues,
    connections: conns.filter((c) => c.chunks > 0).map((c) => c.info),
  };
}
