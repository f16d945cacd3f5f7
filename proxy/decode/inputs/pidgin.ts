// Pidgin / libpurple debug logs (`pidgin -d`, or the Debug window saved to a file). libpurple's MSN
// command processor logs every command line as
//     (12:34:56) msn: C: NS 000: VER 1 MSNP15 MSNP14 MSNP13 CVR0
//     (12:34:57) msn: S: SB 001: MSG bob@example.com Bob 131
// (direction C/S, server type NS/SB, the server connection's number), and never the payloads
// themselves. Message payloads appear separately, when verbose debugging is on, as readable dumps:
//     (12:34:57) msn: Message SB RECV:
//     {MIME-Version: 1.0
//     Content-Type: text/plain; charset=UTF-8
//
//     Hello}
// A dump follows the command line of an incoming message and precedes the line of an outgoing one
// ("SB SEND" is logged before the command). Dumps are header-by-header rebuilds, so a body is only as
// exact as the dump; lengths are fixed up to what the dump shows (see log-frames.ts). Dispatch and
// notification server share one NS connection number (libpurple reconnects the same connection), so a
// second client VER on a number starts a new connection.
import type { Direction } from '../../../shared/msnp/types.js';
import { LogClock, type LogInputResult, logTime, rebuildFrame } from './log-frames.js';
import { announcesPayload } from './transcript.js';
import type { Chunk, ConnectionInfo } from './types.js';
import { inputLines } from './text.js';

const PREFIX = /^(?:\((?<time>(?:\d{4}-\d{2}-\d{2} )?\d{1,2}:\d{2}:\d{2})\) )?msn: (?<message>.*)$/;
const COMMAND = /^(?<dir>[CS]): (?<type>NS|SB) (?<num>\d{3}): (?<line>.*)$/;
const DUMP_HEAD = /^Message (?<info>.+):$/;

/** True when the text has libpurple MSN command lines. */
export function looksLikePidgin(text: string): boolean {
  return /^(?:\([\d: -]+\) )?msn: [CS]: (?:NS|SB) \d{3}: /m.test(text);
}

interface Pending {
  conn: string;
  dir: Direction;
  line: string;
  lineNo: number;
  t: number;
  body: Buffer | null;
  /** An incoming payload command still waiting for the dump that follows it. */
  waiting: boolean;
}

interface Dump {
  text: string;
  lineNo: number;
  used: boolean;
}

export function readPidgin(input: Buffer | string): LogInputResult {
  const lines = inputLines(input);
  const issues: string[] = [];
  const frames: Pending[] = [];
  const connections: ConnectionInfo[] = [];
  const current = new Map<string, { label: string; sawVer: boolean }>();
  const clock = new LogClock();
  let lastDump: Dump | null = null;

  const connFor = (key: string, isVer: boolean): string => {
    let c = current.get(key);
    if (!c || (isVer && c.sawVer)) {
      const n = connections.filter((x) => x.conn === key || x.conn.startsWith(`${key}.`)).length;
      c = { label: n === 0 ? key : `${key}.${n + 1}`, sawVer: false };
      current.set(key, c);
      connections.push({ conn: c.label, note: `libpurple ${key.slice(0, 2)} connection ${key.slice(2)}` });
    }
    if (isVer) c.sawVer = true;
    return c.label;
  };

  for (let i = 0; i < lines.length; i++) {
    const m = PREFIX.exec(lines[i]!);
    if (!m) continue;
    const message = m.groups!.message!;
    const t = clock.at(logTime(m.groups!.time), i + 1);
    const dumpHead = DUMP_HEAD.exec(message);
    if (dumpHead && lines[i + 1]?.startsWith('{')) {
      // The dump runs to the line that is just "}" (its last CRLF is the line break before it).
      const body: string[] = [];
      let j = i + 1;
      let l = lines[j]!.slice(1);
      for (;;) {
        if (l === '}') break;
        if (l.endsWith('}') && (j + 1 >= lines.length || PREFIX.test(lines[j + 1]!))) {
          body.push(l.slice(0, -1));
          break;
        }
        body.push(l);
        if (++j >= lines.length) break;
        l = lines[j]!;
      }
      const dump: Dump = { text: body.join('\r\n'), lineNo: i + 1, used: false };
      const waiting = [...frames].reverse().find((f) => f.waiting);
      if (waiting) {
        waiting.body = Buffer.from(dump.text, 'utf8');
        waiting.waiting = false;
        dump.used = true;
      }
      lastDump = dump;
      i = j;
      continue;
    }
    const cmd = COMMAND.exec(message);
    if (!cmd) continue;
    const g = cmd.groups!;
    const dir: Direction = g.dir === 'C' ? 'c2s' : 's2c';
    const line = g.line!;
    const conn = connFor(`${g.type}${g.num}`, dir === 'c2s' && line.startsWith('VER '));
    // An incoming command no dump followed before the next command: its body is not in the log.
    for (const f of frames) f.waiting = false;
    const pending: Pending = { conn, dir, line, lineNo: i + 1, t, body: null, waiting: false };
    if (announcesPayload(line)) {
      if (dir === 'c2s' && lastDump && !lastDump.used) {
        pending.body = Buffer.from(lastDump.text, 'utf8');
        lastDump.used = true;
      } else if (dir === 's2c') {
        pending.waiting = true;
      }
    }
    frames.push(pending);
  }

  const chunks: Chunk[] = frames.map((f) => {
    const rebuilt = rebuildFrame(f.line, f.body, `line ${f.lineNo}`);
    if (rebuilt.issue) issues.push(rebuilt.issue);
    return { conn: f.conn, dir: f.dir, t_ms: f.t, bytes: rebuilt.bytes };
  });
  return { format: 'pidgin', chunks, issues, connections: connections.filter((c) => chunks.some((k) => k.conn === c.conn)) };
}
