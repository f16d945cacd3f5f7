import type { Direction } from '../../../shared/msnp/types.js';

/** One read from one TCP connection: a packet payload, a transcript line group, a JSONL record. */
export interface Chunk {
  conn: string;
  dir: Direction;
  /** Milliseconds since the epoch for captures; synthetic increasing numbers for transcripts. */
  t_ms: number;
  bytes: Buffer;
}

export type InputFormat = 'chunks' | 'pcap' | 'pcapng' | 'transcript' | 'nina' | 'fixture';

export interface ConnectionInfo {
  conn: string;
  /** "ip:port" (IPv6 as "[addr]:port"), when known. */
  client?: string;
  server?: string;
  /** Free text, e.g. the transcript narration that opened the connection. */
  note?: string;
}

export interface InputResult {
  format: InputFormat;
  /** In capture order across all connections. */
  chunks: Chunk[];
  /** Human-readable problems found while reading; reading carries on past them. */
  issues: string[];
  connections: ConnectionInfo[];
}
