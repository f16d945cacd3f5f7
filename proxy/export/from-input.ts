// Builds the export model from an input file (pcap, chunk JSONL, transcripts, logs): its first session
// as the import would store it, never redacted (nothing leaves the machine).
import { basename } from 'node:path';
import { planSessions } from '../import/plan.js';
import type { ImportInput } from '../import/read.js';
import type { ExportConnection, ExportModel } from './model.js';

export function modelFromInput(input: ImportInput, name: string): { model: ExportModel; sessions: number } {
  const plans = planSessions(input.chunks, input.connections);
  const plan = plans[0];
  if (!plan) throw new RangeError(`${name}: no MSNP data found`);
  const labels = new Map(plan.connections.map((c) => [c.conn, c.label]));
  const chunks = plan.chunks.map((c) => ({ ...c, conn: labels.get(c.conn) ?? c.conn }));
  const connections = plan.connections.map((c): ExportConnection => ({
    key: c.label, id: null, sessionId: null, kind: c.kind, version: null, client: c.client, upstream: c.upstream, listen: null,
    referredBy: c.parent === null ? null : labels.get(c.parent) ?? null, cookie: c.cookie, handle: null,
    openedWall: null, closedWall: null, closeReason: null,
  }));
  return {
    model: {
      source: basename(name), sessions: [{ id: null, client: connections[0]?.client ?? null, handle: null, startedWall: null, endedWall: null, imported: null }],
      connections, chunks, only: null, redacted: false, redaction: {},
    },
    sessions: plans.length,
  };
}
