// `msnp-inspector sessions --capture FILE [--json]`: what a capture file holds, session by session.
import { parseArgs } from 'node:util';
import type { CaptureStore, ConnectionRow, SessionRow } from '../capture/store.js';
import { openCapture } from './capture-file.js';
import type { CliCommand } from './command.js';
import { printable } from './listing.js';

const HELP = `Usage: msnp-inspector sessions --capture FILE [--json]

Lists the sessions in a capture file and their connections: client, signed-in handle, start and end,
negotiated versions, and per connection its label, kind, upstream server, version, frame count and
why it closed.

Options:
  --capture FILE  the capture file (SQLite) written by the proxy
  --json          one JSON object per session per line, with a "connections" array
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

function list(store: CaptureStore, json: boolean): string {
  const byId = new Map<number, ConnectionRow[]>();
  for (const c of store.listConnections()) {
    const group = byId.get(c.sessionId);
    if (group) group.push(c);
    else byId.set(c.sessionId, [c]);
  }
  const sessions = store.listSessions();
  if (!json && sessions.length === 0) return `${store.file}: no sessions\n`;
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
      options: { capture: { type: 'string' }, json: { type: 'boolean', default: false } },
    });
    const store = openCapture(values.capture, io.err, 'sessions');
    if (!store) return 1;
    try {
      io.out(list(store, values.json));
    } finally {
      store.close();
    }
    return 0;
  },
};
