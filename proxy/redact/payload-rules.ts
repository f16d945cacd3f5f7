// Credentials inside payloads: Passport cookie headers of the profile message (MSPAuth, MSPProf,
// MSPSec, sid, kv), authorization-style headers, and `t=…&p=…` tickets in any text payload.
// Payloads are handled as latin1 strings so every byte outside a replacement is kept exactly.
import type { SecretNamer } from './placeholders.js';

const SECRET_HEADERS = /^(?:MSPAuth|MSPProf|MSPSec|sid|kv|Authorization|Proxy-Authorization|Cookie|Set-Cookie|Ticket|X-Ticket)$/i;
const HEADER_LINE = /^([A-Za-z][\w-]*):[ \t]*(.*)$/;
const TICKET_PAIR = /\bt=([^&\s<>"']+)&(amp;)?p=([^&\s<>"']*)/g;

/** Bytes that never occur in the text payloads of MSNP (MIME, XML, hex): P2P binary and the like. */
export function isBinary(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\x00-\x08\x0b\x0c\x0e-\x1f]/.test(text);
}

function redactHeaderLines(block: string, table: SecretNamer): string {
  return block
    .split('\r\n')
    .map((line) => {
      const m = HEADER_LINE.exec(line);
      if (!m || !SECRET_HEADERS.test(m[1] ?? '') || (m[2] ?? '') === '') return line;
      const value = m[2] as string;
      return line.slice(0, line.length - value.length) + table.for('AUTH', value);
    })
    .join('\r\n');
}

/** The payload (latin1) with its credentials replaced. */
export function redactPayload(text: string, table: SecretNamer): string {
  if (isBinary(text)) {
    // Only the MIME header block ahead of a binary body is text.
    const end = text.indexOf('\r\n\r\n');
    if (end < 0) return text;
    return redactHeaderLines(text.slice(0, end), table) + text.slice(end);
  }
  const headers = redactHeaderLines(text, table);
  return headers.replace(TICKET_PAIR, (_all, ticket: string, amp: string | undefined, profile: string) =>
    `t=${table.for('TICKET', ticket)}&${amp ?? ''}p=${table.for('PROFILE', profile)}`);
}

/**
 * Replaces every known secret that appears anywhere in the text. With `mask` (binary text, or a frame
 * a placeholder would push over a framing limit) a secret becomes as many 'X' as it has bytes, so
 * offsets inside binary structures and the frame's length stay valid.
 */
export function sweep(text: string, secrets: Array<[string, string]>, mask: boolean): string {
  let out = text;
  for (const [secret, placeholder] of secrets) {
    if (!out.includes(secret)) continue;
    out = out.replaceAll(secret, mask ? 'X'.repeat(secret.length) : placeholder);
  }
  return out;
}
