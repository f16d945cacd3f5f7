// `msnp-inspector sessions --capture FILE [--json] [--handle TEXT] [--last N]`: what a capture file holds,
// session by session.
import { parseArgs } from 'node:util';
import type { CaptureStore, ConnectionRow, SessionRow } from '../capture/store.js';
import { openCapture } from './capture-file.js';
import { type CliCommand, positiveInt } from './command.js';
import { printable } from './listing.js';

const HELP = `Usage: msnp-inspector sessions --capture FILE [--json] [--handle TEXT] [--last N]

Lists the sessions in a capture file and their connections: client, signed-in handle, start and end,
negotiated versions, and per connection its label, kind, upstream server, version, frame count and
why it closed.

Options:
  --capture FILE  the capture file (SQLite) written by the proxy
  --json          one JSON object per session per line, with a "connections" array
  --handle TEXT   only sessions whose signed-in handle contains TEXT (case-insensitive)
  --last N        only the newest N sessions (of those --handle selects)
  -h, --help      this help

Exit code: 0, or 1 when the file cannot be opened as a capture.`;

const time = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString());
const msnp = (version: number | null) => (version === null ? 'MSNP?' : `MSNP${version}`);

/** Versions negotiated in the session, in order of first appearance. */
function versions(connections: ConnectionRow[]): string[] {
  return [...new Set(connections.flatMap((c) => (c.version === null ? [] : [msnp(c.version)])))];
}

function formatSession(session: SessionRow, connections: ConnectionRow[]): string {
  const head = [
    `session ${session.id}`,
    `started ${time(session.startedWall)}`,
    session.endedWall === null ? 'not ended' : `ended ${time(session.endedWall)}`,
    `client ${printable(session.client)}`,
    session.handle === null ? 'handle unknown' : `handle ${printable(session.handle)}`,
    versions(connections).join(',') || 'version unknown',
  ];
  if (session.imported !== null) head.push(`imported from ${printable(session.imported)}`);
  const width = Math.max(0, ...connections.map((c) => c.label.length));
  const lines = connections.map((c) => {
    const state = c.closeReason === null ? 'open' : `closed: ${printable(c.closeReason)}`;
    const parts = [
      `  ${printable(c.label).padEnd(width)}`,
      c.kind.padEnd(8),
      `→ ${printable(c.upstream)}`,
      msnp(c.version),
      `${c.frames} frame${c.frames === 1 ? '' : 's'}`,
      state,
    ];
    return parts.join('  ');
  });
  return [head.join('  '), ...lines].join('\n');
}

interface Selection {
  handle?: string;
  last?: number;
}

/** The sessions a selection keeps, oldest first as listed. */
function select(sessions: SessionRow[], { handle, last }: Selection): SessionRow[] {
  const needle = handle?.toLowerCase();
  const matching = needle === undefined ? sessions : sessions.filter((s) => s.handle?.toLowerCase().includes(needle));
  return last === undefined ? matching : matching.slice(-last);
}

function list(store: CaptureStore, json: boolean, selection: Selection): string {
  const byId = new Map<number, ConnectionRow[]>();
  for (const c of store.listConnections()) {
    const group = byId.get(c.sessionId);
    if (group) group.push(c);
    else byId.set(c.sessionId, [c]);
  }
  const all = store.listSessions();
  if (!json && all.length === 0) return `${store.file}: no sessions\n`;
  const sessions = select(all, selection);
  if (!json && sessions.length === 0) return `${store.file}: no session's handle contains '${printable(selection.handle ?? '')}'\n`;
  return sessions
    .map((s) => {
      const connections = byId.get(s.id) ?? [];
      return `${json ? JSON.stringify({ ...s, connections }) : formatSession(s, connections)}\n`;
    })
    .join('');
}

export const sessionsCommand: CliCommand = {
  name: 'sessions',
  summary: 'list the sessions and connections in a capture file',
  help: HELP,
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: { capture: { type: 'string' }, json: { type: 'boolean', default: false }, handle: { type: 'string' }, last: { type: 'string' } },
    });
    const last = positiveInt('--last', values.last);
    const selection: Selection = { ...(values.handle !== undefined ? { handle: values.handle } : {}), ...(last !== undefined ? { last } : {}) };
    const store = openCapture(values.capture, io.err, 'sessions');
    if (!store) return 1;
    try {
      io.out(list(store, values.json, selection));
    } finally {
      store.close();
    }
    return 0;
  },
};
