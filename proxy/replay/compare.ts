// Compares a live server reply with the recorded one, ignoring what legitimately differs between two
// runs of the same session (docs/cli.md, "What a client replay ignores"):
//   - anything the recording has redacted (REDACTED-… placeholders);
//   - addresses (host:port), GUIDs, ISO timestamps wherever they appear;
//   - per-login values by position: XFR/RNG addresses, cookies and session ids, CAL RINGING session
//     ids, CHL challenges, the server's USR … S ticket/nonce/salt, SYN and ADD/REM list versions,
//     QNG seconds;
//   - profile header values that change per login (LoginTime, ClientIP/Port, MSPAuth/Prof/Sec, sid, kv);
//   - the payload length token, when the payloads compare equal after the above.
// Everything else is flagged: a different command, TrID, parameter or payload.
import type { DecodedFrame } from '../../shared/msnp/decoded.js';
import { PLACEHOLDER } from '../redact/placeholders.js';

export interface Comparison {
  flags: string[];
  /** Fields that differed and were ignored as varying. */
  varied: string[];
}

const ADDRESS = /^(?:\[[0-9a-fA-F:]+\]|[^\s:]+):\d{1,5}$/;
const GUID = /\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?/g;
const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?/g;
const VARYING_HEADERS = /^(?:LoginTime|ClientIP|ClientPort|MSPAuth|MSPProf|MSPSec|sid|kv|Date)$/i;

/** Parameter positions (after the TrID) whose values differ from login to login. */
function varyingPosition(command: string, params: string[], i: number): boolean {
  switch (command) {
    case 'XFR':
      return i === 1 || i === 3 || (params[0] === 'NS' && i === 4);
    case 'RNG':
      return i === 0 || i === 1 || i === 3;
    case 'CAL':
      return i === 1;
    case 'CHL':
    case 'QNG':
      return i === 0;
    case 'USR':
      return params[1] === 'S' && i >= 2;
    case 'SYN':
      return i <= 1;
    case 'ADD':
    case 'REM':
      return i === 1 && /^\d+$/.test(params[i] ?? '');
    default:
      return false;
  }
}

function normalise(text: string): string {
  return text.replace(GUID, '{GUID}').replace(ISO_TIME, 'TIME');
}

function sameLoosely(a: string, b: string): boolean {
  if (a === b) return true;
  if (PLACEHOLDER.test(a)) return true;
  if (ADDRESS.test(a) && ADDRESS.test(b)) return true;
  return normalise(a) === normalise(b);
}

function headerLines(text: string): string[] | null {
  const lines = text.split('\r\n');
  return /^[A-Za-z][\w-]*:/.test(lines[0] ?? '') ? lines : null;
}

function comparePayload(recorded: Buffer, live: Buffer, out: Comparison): void {
  if (recorded.equals(live)) return;
  const a = recorded.toString('latin1');
  const b = live.toString('latin1');
  const ha = headerLines(a);
  const hb = headerLines(b);
  if (ha && hb && ha.length === hb.length) {
    ha.forEach((line, i) => {
      const other = hb[i]!;
      if (line === other) return;
      const name = /^([A-Za-z][\w-]*):/.exec(line)?.[1];
      const otherName = /^([A-Za-z][\w-]*):/.exec(other)?.[1];
      if (name !== undefined && name === otherName && (VARYING_HEADERS.test(name) || sameLoosely(line, other))) {
        out.varied.push(`payload header ${name}`);
      } else if (sameLoosely(line, other)) {
        out.varied.push(`payload line ${i + 1}`);
      } else {
        out.flags.push(`payload line ${i + 1}: expected ${JSON.stringify(line)}, got ${JSON.stringify(other)}`);
      }
    });
    return;
  }
  if (normalise(a) === normalise(b) || PLACEHOLDER.test(a)) {
    out.varied.push('payload');
    return;
  }
  out.flags.push(`payload differs (${recorded.length} bytes recorded, ${live.length} received)`);
}

export interface ComparedFrame {
  frame: Pick<DecodedFrame, 'command' | 'trId' | 'params' | 'payloadLength'>;
  payload: Buffer | null;
}

export function compareReply(recorded: ComparedFrame, live: ComparedFrame): Comparison {
  const out: Comparison = { flags: [], varied: [] };
  const r = recorded.frame;
  const l = live.frame;
  if (r.command !== l.command) {
    out.flags.push(`command: expected ${r.command}, got ${l.command}`);
    return out;
  }
  if (r.trId !== l.trId) out.flags.push(`TrID: expected ${r.trId}, got ${l.trId}`);
  const hasPayload = r.payloadLength !== null;
  if (r.params.length !== l.params.length) {
    out.flags.push(`parameters: expected ${r.params.length} (${r.params.join(' ')}), got ${l.params.length} (${l.params.join(' ')})`);
  } else {
    r.params.forEach((value, i) => {
      const other = l.params[i]!;
      if (value === other) return;
      if (hasPayload && i === r.params.length - 1) return; // the length: judged by the payload below
      if (varyingPosition(r.command, r.params, i) || sameLoosely(value, other)) out.varied.push(`parameter ${i + 1}`);
      else out.flags.push(`parameter ${i + 1}: expected ${JSON.stringify(value)}, got ${JSON.stringify(other)}`);
    });
  }
  if (recorded.payload && live.payload) comparePayload(recorded.payload, live.payload, out);
  else if (recorded.payload || live.payload) out.flags.push(recorded.payload ? 'payload missing' : 'unexpected payload');
  return out;
}
