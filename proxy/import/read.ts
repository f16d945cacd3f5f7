// Reads one file for import: the log formats only import knows (Pidgin debug logs, Escargot server
// logs), then everything `decode` reads (chunk JSONL, fixtures, pcap/pcapng, transcripts).
import { looksLikeEscargot, readEscargot } from '../decode/inputs/escargot.js';
import { readInput } from '../decode/inputs/detect.js';
import { looksLikePidgin, readPidgin } from '../decode/inputs/pidgin.js';
import type { Chunk, ConnectionInfo } from '../decode/inputs/types.js';

export interface ImportInput {
  format: string;
  chunks: Chunk[];
  issues: string[];
  connections: ConnectionInfo[];
}

export function readImportInput(bytes: Buffer, name: string): ImportInput {
  const head = bytes.subarray(0, 1 << 20).toString('utf8');
  try {
    if (looksLikePidgin(head)) return readPidgin(bytes);
    if (looksLikeEscargot(head)) return readEscargot(bytes);
  } catch (error) {
    return { format: 'log', chunks: [], issues: [`${name}: reading failed: ${(error as Error).message}`], connections: [] };
  }
  return readInput(bytes, name);
}
