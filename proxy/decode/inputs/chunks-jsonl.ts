// Chunk JSONL: the project's own lossless capture format, one JSON object per line:
//   {"dir":"c2s"|"s2c","conn":"<label>","t_ms":<number>,"b64":"<base64 of the bytes>"}
import type { Chunk, ConnectionInfo, InputResult } from './types.js';

// Buffer.from(x, 'base64') silently skips junk, so validate the alphabet first.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Why a parsed line is not a chunk record, or null when it is one. */
function recordProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  if (o.dir !== 'c2s' && o.dir !== 's2c') return 'dir must be "c2s" or "s2c"';
  if (typeof o.conn !== 'string' || o.conn === '') return 'conn must be a non-empty string';
  if (typeof o.t_ms !== 'number' || !Number.isFinite(o.t_ms)) return 't_ms must be a finite number';
  if (typeof o.b64 !== 'string' || !BASE64.test(o.b64)) return 'b64 must be a base64 string';
  return null;
}

export function readChunksJsonl(input: Buffer | string): InputResult {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const chunks: Chunk[] = [];
  const issues: string[] = [];
  const seen = new Set<string>();
  const connections: ConnectionInfo[] = [];

  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      issues.push(`line ${i + 1}: not valid JSON, skipped`);
      return;
    }
    const problem = recordProblem(parsed);
    if (problem !== null) {
      issues.push(`line ${i + 1}: ${problem}, skipped`);
      return;
    }
    const o = parsed as { dir: Chunk['dir']; conn: string; t_ms: number; b64: string };
    if (!seen.has(o.conn)) {
      seen.add(o.conn);
      connections.push({ conn: o.conn });
    }
    chunks.push({ conn: o.conn, dir: o.dir, t_ms: o.t_ms, bytes: Buffer.from(o.b64, 'base64') });
  });

  return { format: 'chunks', chunks, issues, connections };
}

/** Serialises chunks so that readChunksJsonl gives them back unchanged. */
export function writeChunksJsonl(chunks: Chunk[]): string {
  return chunks
    .map((c) => JSON.stringify({ dir: c.dir, conn: c.conn, t_ms: c.t_ms, b64: c.bytes.toString('base64') }) + '\n')
    .join('');
}
