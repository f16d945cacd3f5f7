// Shared by the fixtures-io tests: real captures made by driving the relay scenarios through the real
// proxy, the CLI run in-process, and frames reduced to what a round trip must preserve.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../proxy/cli.js';
import { readInput } from '../../proxy/decode/inputs/detect.js';
import { decodeChunks } from '../../proxy/decode/decode-chunks.js';
import type { DecodedFrame } from '../../shared/msnp/decoded.js';
import type { Playbook } from '../helpers/playbook.js';
import { startHarness } from '../helpers/proxy-harness.js';
import { SERVERS, scenario } from '../relay/scenarios.js';

export const VERSIONS = [2, 8, 12, 15, 18] as const;

export interface TempDir {
  dir: string;
  file(name: string): string;
  remove(): void;
}

export function tempDir(prefix = 'msnp-fixtures-io-'): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, file: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Plays a scripted session through a real proxy; the capture file is copied to `file`. */
export async function captureScript(play: Playbook, file: string, seed = 1, servers: string[] = SERVERS): Promise<void> {
  const harness = await startHarness(servers);
  try {
    await play.run(harness.servers, harness.address, seed);
    await harness.stop();
    copyFileSync(harness.file, file);
  } finally {
    await harness.dispose();
  }
}

export async function captureScenario(version: (typeof VERSIONS)[number], file: string): Promise<void> {
  await captureScript(scenario(version).play, file, version);
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export async function cli(...args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => { out += t; }, err: (t) => { err += t; }, color: false });
  return { code, out, err };
}

/** A frame as a round trip must keep it. */
export interface FrameShape {
  dir: string;
  command: string;
  trId: number | null;
  params: string[];
}

/** Frames per connection, connections in the order they first appear (labels differ between formats). */
export function byConnection(frames: DecodedFrame[]): FrameShape[][] {
  const groups = new Map<string, FrameShape[]>();
  for (const f of frames) {
    const list = groups.get(f.conn) ?? [];
    list.push({ dir: f.dir, command: f.command, trId: f.trId, params: f.params });
    groups.set(f.conn, list);
  }
  return [...groups.values()];
}

export function decodeFile(file: string): { format: string; frames: DecodedFrame[]; issues: string[] } {
  const input = readInput(readFileSync(file), file);
  return { format: input.format, frames: decodeChunks(input.chunks).frames, issues: input.issues };
}

const PLACEHOLDER = /REDACTED-[A-Z]+-\d+/;

/** Whether a redacted value is the original with secrets replaced by placeholders (and nothing else). */
export function matchesModuloPlaceholders(original: string, redacted: string): boolean {
  if (original === redacted) return true;
  if (!PLACEHOLDER.test(redacted)) return false;
  const pattern = redacted.split(PLACEHOLDER).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+?');
  return new RegExp(`^${pattern}$`, 's').test(original);
}

function streamsText(reads: Array<{ key: string; b64: string }>): string[] {
  const streams = new Map<string, Buffer[]>();
  for (const r of reads) streams.set(r.key, [...(streams.get(r.key) ?? []), Buffer.from(r.b64, 'base64')]);
  return [...streams.values()].map((parts) => Buffer.concat(parts).toString('latin1'));
}

interface FixtureLike {
  connections: Array<{ label: string; reads: Array<{ dir: string; b64: string }> }>;
}

function fixtureStreams(doc: FixtureLike): string[] {
  return streamsText(doc.connections.flatMap((c) => c.reads.map((r) => ({ key: `${c.label} ${r.dir}`, b64: r.b64 }))));
}

/**
 * The text an export holds, with reads (kept as base64, often cut mid-secret) joined back into each
 * connection's streams, so a search finds a secret however the reads were cut.
 */
export function searchableText(bytes: Buffer): string {
  const text = bytes.toString('latin1');
  const parts = [text];
  if (/^\{"dir":/.test(text)) {
    const reads = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { conn: string; dir: string; b64: string });
    parts.push(...streamsText(reads.map((r) => ({ key: `${r.conn} ${r.dir}`, b64: r.b64 }))));
  } else if (/^\{\s*"format": "msnp-inspector-fixture"/.test(text)) {
    parts.push(...fixtureStreams(JSON.parse(text) as FixtureLike));
  } else {
    const embedded = /function fixtureDocument\(\): object \{\n  return (\{.*\});\n\}/s.exec(text);
    if (embedded) parts.push(...fixtureStreams(JSON.parse(embedded[1]!) as FixtureLike));
  }
  return parts.join('\n');
}
