// Fixture files (docs/fixture-format.md) as decoder input: every connection's reads, in capture order,
// with their absolute times; connection addresses and referral links as connection notes.
import { FixtureError, looksLikeFixture, parseFixture } from '../../fixture/schema.js';
import type { Chunk, ConnectionInfo, InputResult } from './types.js';
import { inputText } from './text.js';

export { looksLikeFixture };

export function readFixture(input: Buffer | string): InputResult {
  const text = inputText(input);
  let doc;
  try {
    doc = parseFixture(JSON.parse(text));
  } catch (error) {
    const why = error instanceof FixtureError || error instanceof SyntaxError ? error.message : String(error);
    return { format: 'fixture', chunks: [], issues: [why], connections: [] };
  }
  const reads: Array<Chunk & { seq: number }> = [];
  const connections: ConnectionInfo[] = [];
  for (const c of doc.connections) {
    const info: ConnectionInfo = { conn: c.label };
    if (c.client !== null) info.client = c.client;
    if (c.upstream !== null) info.server = c.upstream;
    const notes = [c.kind, c.referredBy === null ? null : `referred by ${c.referredBy}`, c.cookie === null ? null : `cookie ${c.cookie}`];
    info.note = notes.filter(Boolean).join(', ');
    connections.push(info);
    for (const r of c.reads) reads.push({ seq: r.seq, conn: c.label, dir: r.dir, t_ms: r.t_wall, bytes: Buffer.from(r.b64, 'base64') });
  }
  reads.sort((a, b) => a.seq - b.seq);
  return { format: 'fixture', chunks: reads.map(({ seq: _seq, ...chunk }) => chunk), issues: [], connections };
}
