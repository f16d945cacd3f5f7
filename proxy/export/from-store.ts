// Builds the export model from a capture file: the selected sessions' reads (redacted by default)
// and their connection rows.
import { sessionAsChunks } from '../capture/read-capture.js';
import type { CaptureStore, ConnectionRow } from '../capture/store.js';
import { redactChunks } from '../redact/redact-chunks.js';
import type { Placeholders } from '../redact/placeholders.js';
import type { ExportConnection, ExportModel } from './model.js';

export interface StoreSelection {
  sessionId?: number;
  connectionId?: number;
  redact: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** Throws RangeError for a session or connection the capture does not hold. */
export function modelFromStore(store: CaptureStore, selection: StoreSelection): ExportModel {
  let { sessionId } = selection;
  let only: ConnectionRow | undefined;
  if (selection.connectionId !== undefined) {
    only = store.listConnections().find((c) => c.id === selection.connectionId);
    if (!only) throw new RangeError(`no connection ${selection.connectionId} in ${store.file}`);
    if (sessionId !== undefined && only.sessionId !== sessionId) {
      throw new RangeError(`connection ${only.id} belongs to session ${only.sessionId}, not ${sessionId}`);
    }
    sessionId = only.sessionId;
  }
  const original = sessionAsChunks(store, sessionId);
  const redaction = selection.redact ? redactChunks(original, { ...(selection.onProgress ? { onProgress: selection.onProgress } : {}) }) : null;
  const chunks = redaction?.chunks ?? original;
  const table = redaction?.table ?? null;

  const rows = store.listConnections(sessionId);
  const keyOf = (row: ConnectionRow) => (sessionId === undefined ? `s${row.sessionId}:${row.label}` : row.label);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const connections = rows.map((row): ExportConnection => {
    const parent = row.referredBy === null ? undefined : byId.get(row.referredBy);
    return {
      key: keyOf(row), id: row.id, sessionId: row.sessionId, kind: row.kind, version: row.version,
      client: row.client, upstream: row.upstream, listen: row.listen, referredBy: parent ? keyOf(parent) : null,
      cookie: redactCookie(row.cookie, table), handle: row.handle, openedWall: row.openedWall,
      closedWall: row.closedWall, closeReason: row.closeReason,
    };
  });
  const sessions = (sessionId === undefined ? store.listSessions() : [store.getSession(sessionId)!]).map((s) => ({
    id: s.id, client: s.client, handle: s.handle, startedWall: s.startedWall, endedWall: s.endedWall, imported: s.imported,
  }));
  return {
    source: store.file, sessions, connections, chunks, only: only ? keyOf(only) : null,
    redacted: selection.redact, redaction: table?.counts() ?? {},
  };
}

function redactCookie(cookie: string | null, table: Placeholders | null): string | null {
  if (cookie === null || table === null) return cookie;
  return table.lookup(cookie) ?? table.for('COOKIE', cookie);
}
