// NINA wiki style transcripts: ">>> " client to server, "<<< " server to client, CRLFs written
// as a literal "\r\n", and indented lines continuing the same TCP packet. Text without a
// written "\r\n" gets no line ending, which is how the source shows commands split across packets.
import type { Direction } from '../../../shared/msnp/types.js';
import type { Chunk, ConnectionInfo, InputResult } from './types.js';
import { inputLines } from './text.js';

interface Group {
  conn: ConnectionInfo;
  dir: Direction;
  lineNo: number;
  parts: string[];
}

const PACKET = /^(>>>|<<<)(?: (.*))?$/;
const CONTINUATION = /^[ \t]+\S/;
const CONNECTS = /\bconnects to\b/i;
const HOST_PORT = /\bconnects to\s+(\S+)\s+on TCP port\s+(\d+)/i;
const HEADING = /^Logging in\b/i;

/** The packet text: escaped CRLFs become real ones; "(no newline)" is the page's remark, kept as a flag. */
function packetText(parts: string[]): { text: string; noNewline: boolean } {
  const noNewline = parts.some((p) => /\(no newline\)\s*$/.test(p));
  const text = parts
    .map((p) => p.replace(/\s*\(no newline\)\s*$/, ''))
    .join('')
    .replace(/\\r\\n/g, '\r\n');
  return { text, noNewline };
}

export function readNina(input: Buffer | string): InputResult {
  const lines = inputLines(input);
  const chunks: Chunk[] = [];
  const issues: string[] = [];
  const connections: ConnectionInfo[] = [];
  let current: ConnectionInfo | null = null;
  let currentSawVer = false;
  let group: Group | null = null;
  // The latest prose that describes a connection, kept for the next one that opens.
  let pendingNote: { note: string; server?: string } | null = null;

  /**
   * Ends the current packet. `lastOfExchange`: prose follows, not another packet. The page writes
   * "\r\n" after every complete command, but forgets it on a few exchange-ending lines (`<<< QRY 11`);
   * a packet cut mid-command is always followed by the packet that completes it, so a command left
   * open before prose gets its CRLF back. An empty packet line is a packet whose only content was
   * whitespace the page trimmed (TCP carries no empty segments): it is read as one space.
   */
  const close = (lastOfExchange: boolean): void => {
    if (!group) return;
    let { text: packet, noNewline } = packetText(group.parts);
    if (packet.length === 0) {
      issues.push(`line ${group.lineNo}: empty packet line read as a single space (the page trimmed its whitespace)`);
      packet = ' ';
    } else if (lastOfExchange && !noNewline && !packet.endsWith('\r\n') && /^[A-Z0-9]{3}( |$)/.test(packet.split('\r\n').at(-1) ?? '')) {
      issues.push(`line ${group.lineNo}: command shown without its "\\r\\n" before the prose; line end assumed`);
      packet += '\r\n';
    }
    chunks.push({ conn: group.conn.conn, dir: group.dir, t_ms: group.lineNo, bytes: Buffer.from(packet, 'utf8') });
    group = null;
  };

  lines.forEach((line, i) => {
    const lineNo = i + 1;
    const packet = PACKET.exec(line);
    if (packet) {
      close(false);
      const dir: Direction = packet[1] === '>>>' ? 'c2s' : 's2c';
      const content = packet[2] ?? '';
      const isVer = dir === 'c2s' && content.startsWith('VER ');
      if (current === null || (isVer && currentSawVer)) {
        current = { conn: `conn${connections.length + 1}` };
        if (pendingNote) {
          current.note = pendingNote.note;
          if (pendingNote.server !== undefined) current.server = pendingNote.server;
        }
        pendingNote = null;
        connections.push(current);
        currentSawVer = false;
      }
      if (isVer) currentSawVer = true;
      group = { conn: current, dir, lineNo, parts: [content] };
      return;
    }
    if (group && CONTINUATION.test(line)) {
      // The page indents by three spaces, sometimes four; MSNP text never starts with a blank.
      group.parts.push(line.trimStart());
      return;
    }
    close(true);
    const prose = line.trim();
    if (CONNECTS.test(prose)) {
      pendingNote = { note: prose };
      const where = HOST_PORT.exec(prose);
      if (where) pendingNote.server = `${where[1]}:${where[2]}`;
    } else if (HEADING.test(prose) && pendingNote === null) {
      pendingNote = { note: prose };
    }
  });
  close(true);

  return { format: 'nina', chunks, issues, connections };
}
