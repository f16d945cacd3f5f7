// Escargot server logs (escargot.chat's Python server with DEBUG_MSNP on). Its Logger prints
//     NS/3fa2 con
//     NS/3fa2 >>> VER 1 MSNP18 MSNP17 CVR0      (what the server read: client to server)
//     NS/3fa2 <<< VER 1 MSNP18                  (what it wrote: server to client)
//     b'MIME-Version: 1.0\r\n...'              (a payload, printed as a Python bytes literal)
//     NS/3fa2 dis
// where "NS/3fa2" is the listener ("NS", "SB") and a per-connection hash. Assumed, and accepted as
// well: a timestamp before the line (ISO date-time or "[…]" from a process manager), and lines with
// no connection id (one connection, split at a second client VER). Known quirk of its logging:
// MSG/UUX/ADL lines are logged truncated — the server's own with the length replaced by the length's
// digit count, the client's with the last parameter replaced by its length; the reader restores what
// it can from the payload and marks the lost token as "?" with an issue.
import type { Direction } from '../../../shared/msnp/types.js';
import { LogClock, type LogInputResult, logTime, rebuildFrame } from './log-frames.js';
import type { Chunk, ConnectionInfo } from './types.js';
import { inputLines } from './text.js';

const TIME = String.raw`(?:(?<time>\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?)\s+|\[(?<bracket>[^\]]*)\]\s+)?`;
const LINE = new RegExp(`^${TIME}(?:(?<conn>[A-Za-z]+/[0-9a-fA-F]{1,8})\\s+)?(?:(?<arrow>>>>|<<<)(?: (?<text>.*))?|(?<event>con|dis))\\s*$`);
const BYTES = /^\s*b(['"])(.*)\1\s*$/;
const TRUNCATED = new Set(['MSG', 'UUX', 'ADL']);

/**
 * True when the text has Escargot-style lines: `<conn id> >>> …`, or bare `>>>` lines none of which
 * writes "\r\n" (NINA-style transcripts write every CRLF; a log prints one command per line).
 */
export function looksLikeEscargot(text: string): boolean {
  if (/^(?:\S+\s+){0,2}[A-Za-z]+\/[0-9a-fA-F]{1,8}\s+(?:>>>|<<<) /m.test(text)) return true;
  const arrows = text.split('\n').filter((l) => /^(?:>>>|<<<) /.test(l));
  return arrows.length > 0 && !arrows.some((l) => l.includes('\\r\\n'));
}

/** A Python bytes literal's bytes. */
export function pythonBytes(body: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out.push(c.charCodeAt(0) & 0xff);
      continue;
    }
    const n = body[++i];
    const simple: Record<string, number> = { n: 10, r: 13, t: 9, '\\': 92, "'": 39, '"': 34, '0': 0, a: 7, b: 8, f: 12, v: 11 };
    if (n === 'x') {
      out.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (n !== undefined && n in simple) out.push(simple[n]!);
    else out.push(92, (n ?? '').charCodeAt(0));
  }
  return Buffer.from(out);
}

interface Logged {
  conn: string;
  dir: Direction;
  line: string;
  lineNo: number;
  t: number;
  body: Buffer | null;
}

/** Undoes Escargot's truncated logging of MSG/UUX/ADL lines, given the payload that followed. */
function restore(f: Logged, issues: string[]): string {
  const tokens = f.line.split(' ');
  const command = tokens[0] ?? '';
  if (!TRUNCATED.has(command) || f.body === null) return f.line;
  const n = String(f.body.length);
  const last = tokens[tokens.length - 1];
  if (last === n) return f.line;
  if (f.dir === 's2c' && last === String(n.length)) {
    tokens[tokens.length - 1] = n;
    return tokens.join(' ');
  }
  if (f.dir === 'c2s') {
    tokens[tokens.length - 1] = '?';
    issues.push(`line ${f.lineNo}: Escargot logs "${command}" lines truncated; the token before the length is lost and shown as "?"`);
    return [...tokens, n].join(' ');
  }
  return f.line;
}

export function readEscargot(input: Buffer | string): LogInputResult {
  const lines = inputLines(input);
  const issues: string[] = [];
  const logged: Logged[] = [];
  const connections: ConnectionInfo[] = [];
  const current = new Map<string, { label: string; sawVer: boolean }>();
  const clock = new LogClock();

  const open = (id: string): { label: string; sawVer: boolean } => {
    const n = connections.filter((c) => c.conn === id || c.conn.startsWith(`${id}.`)).length;
    const c = { label: n === 0 ? id : `${id}.${n + 1}`, sawVer: false };
    current.set(id, c);
    connections.push({ conn: c.label, ...(id.includes('/') ? { note: `Escargot ${id.split('/')[0]} connection ${id}` } : {}) });
    return c;
  };

  lines.forEach((raw, i) => {
    const bytes = BYTES.exec(raw);
    if (bytes) {
      const last = logged.at(-1);
      if (last && last.body === null) last.body = pythonBytes(bytes[2] ?? '');
      else issues.push(`line ${i + 1}: a payload with no command line before it, ignored`);
      return;
    }
    const m = LINE.exec(raw);
    if (!m) return;
    const g = m.groups!;
    const id = g.conn ?? 'conn';
    const t = clock.at(logTime(g.time ?? g.bracket), i + 1);
    if (g.event === 'con') {
      open(id);
      return;
    }
    if (g.event === 'dis') {
      current.delete(id);
      return;
    }
    const line = (g.text ?? '').trim();
    if (line === '') return;
    const dir: Direction = g.arrow === '>>>' ? 'c2s' : 's2c';
    const isVer = dir === 'c2s' && line.startsWith('VER ');
    let c = current.get(id);
    if (!c || (isVer && c.sawVer)) c = open(id);
    if (isVer) c.sawVer = true;
    logged.push({ conn: c.label, dir, line, lineNo: i + 1, t, body: null });
  });

  const chunks: Chunk[] = logged.map((f) => {
    const rebuilt = rebuildFrame(restore(f, issues), f.body, `line ${f.lineNo}`);
    if (rebuilt.issue) issues.push(rebuilt.issue);
    return { conn: f.conn, dir: f.dir, t_ms: f.t, bytes: rebuilt.bytes };
  });
  return { format: 'escargot', chunks, issues, connections: connections.filter((c) => chunks.some((k) => k.conn === c.conn)) };
}
