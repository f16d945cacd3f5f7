// `transcript`: msnp-wiki style text. One block per connection in the order they opened, introduced by
// a `# Client opens a connection to …` narration line saying how the client got there; `C:`/`S:`
// lines with payload bodies verbatim under their command. `decode` reads it back to the same frames,
// except frames a transcript cannot show exactly (see transcript-frame.ts): those become a `#` note
// holding the frame's bytes in base64.
import { basename } from 'node:path';
import type { DecodedFrame } from '../../shared/msnp/decoded.js';
import { type ExportConnection, type ExportModel, decodeModel, frameBytes, modelStreams, selectedConnections } from './model.js';
import { firstReads, referralFrame } from './referrals.js';
import { transcriptLines } from './transcript-frame.js';
import type { ExportWriter } from './types.js';

function referralText(frame: DecodedFrame): string {
  const trId = frame.trId === null ? '' : ` ${frame.trId}`;
  return frame.command === 'RNG' ? `RNG${frame.params[0] ? ` ${frame.params[0]}` : ''}` : `${frame.command}${trId} ${frame.params[0] ?? ''}`;
}

function opening(c: ExportConnection, referral: DecodedFrame | undefined): string {
  const where = c.upstream ?? 'an unknown server';
  const what = [c.key, c.kind === 'unknown' ? null : c.kind, c.version === null ? null : `MSNP${c.version}`].filter(Boolean).join(', ');
  let how: string;
  if (referral) how = `referred by ${referral.conn}: ${referralText(referral)}`;
  else if (c.referredBy) how = `referred by ${c.referredBy}`;
  else how = 'first connection of its session';
  return `# Client opens a connection to ${where} (${what}; ${how}).`;
}

function closing(c: ExportConnection): string {
  if (c.closeReason === null) return `# (${c.key} was still open when the capture ended.)`;
  const who = c.closeReason.startsWith('client') ? 'Client' : c.closeReason.startsWith('upstream') ? 'Server' : 'The proxy';
  return `# ${who} closes the connection (${c.key}: ${c.closeReason}).`;
}

function header(model: ExportModel): string[] {
  const sessions = model.sessions.map((s) => `${s.id ?? '?'}${s.handle ? ` (${s.handle})` : ''}`).join(', ');
  return [
    `# msnp-inspector transcript of ${basename(model.source)}, session ${sessions}${model.redacted ? '; credentials redacted' : ''}.`,
    '# Format: msnp-wiki style. "C:" client to server, "S:" server to client; payload bodies follow their command line verbatim.',
    '',
  ];
}

export const transcriptWriter: ExportWriter = {
  summary: 'msnp-wiki style C:/S: transcript, one block per connection with "# " narration (readable by `decode`)',
  *write(model) {
    const decoded = decodeModel(model);
    const streams = modelStreams(model);
    const first = firstReads(model.chunks);
    const connections = selectedConnections(model)
      .filter((c) => first.has(c.key))
      .sort((a, b) => first.get(a.key)! - first.get(b.key)!);
    yield `${header(model).join('\n')}\n`;
    for (const c of connections) {
      const out = [opening(c, referralFrame(c, decoded, first.get(c.key)))];
      for (const frame of decoded.frames) {
        if (frame.conn !== c.key) continue;
        const bytes = frameBytes(streams, frame);
        const shown = transcriptLines(frame, bytes);
        if ('lines' in shown) out.push(...shown.lines);
        else out.push(`# Frame omitted (${frame.dir === 'c2s' ? 'C' : 'S'} ${frame.command || 'raw'}, ${bytes.length} bytes): ${shown.why}. Base64 of the frame: ${bytes.toString('base64')}`);
      }
      out.push(closing(c), '');
      yield `${out.join('\n')}\n`;
    }
  },
};
