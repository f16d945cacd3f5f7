// Picks the reader for a capture file by looking at its content (the name is only a tie-breaker).
import { readChunksJsonl } from './chunks-jsonl.js';
import { looksLikeFixture, readFixture } from './fixture.js';
import { readNina } from './nina.js';
import { pcapVariant, readPcap } from './pcap.js';
import { PCAPNG_MAGIC, readPcapng } from './pcapng.js';
import { readTranscript } from './transcript.js';
import type { InputFormat, InputResult } from './types.js';

export function detectFormat(bytes: Buffer, name?: string): InputFormat | null {
  if (pcapVariant(bytes)) return 'pcap';
  if (bytes.length >= 4 && bytes.readUInt32LE(0) === PCAPNG_MAGIC) return 'pcapng';

  const text = bytes.subarray(0, 1 << 20).toString('utf8').replace(/^\uFEFF/, '');
  if (looksLikeFixture(text)) return 'fixture';
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const firstLine = lines.find((l) => l.trim() !== '');
  if (firstLine !== undefined && isChunkRecord(firstLine)) return 'chunks';

  let nina = 0;
  let wiki = 0;
  for (const l of lines) {
    if (/^(?:>>>|<<<)(?: |$)/.test(l)) nina++;
    else if (/^[CS]: /.test(l)) wiki++;
  }
  if (nina > 0 || wiki > 0) return nina > wiki ? 'nina' : 'transcript';
  // An empty (or wholly broken) chunk file is still a chunk file when it says so.
  if (name !== undefined && /\.jsonl$/i.test(name)) return 'chunks';
  return null;
}

function isChunkRecord(line: string): boolean {
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null && 'dir' in v && 'conn' in v && 'b64' in v;
  } catch {
    return false;
  }
}

const READERS: Record<InputFormat, (bytes: Buffer) => InputResult> = {
  chunks: readChunksJsonl,
  pcap: readPcap,
  pcapng: readPcapng,
  transcript: readTranscript,
  nina: readNina,
  fixture: readFixture,
};

/** Reads any supported capture file. Never throws: problems come back as issues. */
export function readInput(bytes: Buffer, name?: string): InputResult {
  const format = detectFormat(bytes, name);
  const label = name ?? 'input';
  if (format === null) {
    return {
      format: guessFromName(name),
      chunks: [],
      issues: [`${label}: unrecognised format (not pcap, pcapng, chunk JSONL, C:/S: transcript or >>>/<<< transcript)`],
      connections: [],
    };
  }
  try {
    return READERS[format](bytes);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { format, chunks: [], issues: [`${label}: reading as ${format} failed: ${why}`], connections: [] };
  }
}

/** Only to fill the result's format field when the content said nothing. */
function guessFromName(name?: string): InputFormat {
  if (name === undefined) return 'chunks';
  if (/\.pcapng$/i.test(name)) return 'pcapng';
  if (/\.(?:pcap|cap|dmp)$/i.test(name)) return 'pcap';
  if (/\.txt$/i.test(name)) return 'transcript';
  return 'chunks';
}
