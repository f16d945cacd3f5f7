// The payload rule: does this command line announce a payload, and how long is it?
// Decided from the command table, the direction and the negotiated version.
import { commandSpec } from './commands.js';
import type { Direction } from './types.js';
import { ANY_VERSION } from './versions.js';

/** From MSNP13, a 3-token error line `nnn trid length` carries an (XML) payload (matrix, section G). */
export const ERROR_PAYLOAD_SINCE = 13;

const LENGTH = /^\d{1,10}$/;

export function isErrorCode(command: string): boolean {
  return command.length === 3 && command >= '100' && command <= '999' && /^\d{3}$/.test(command);
}

/**
 * The payload length a command line announces, or null when it carries none.
 * `tokens` are the line's tokens after the command (TrID included).
 */
export function payloadLength(command: string, tokens: readonly string[], dir: Direction, version: number): number | null {
  const last = tokens[tokens.length - 1];
  if (last === undefined || !LENGTH.test(last)) return null;
  if (isErrorCode(command)) {
    // Unknown version: err on the side of no payload; pre-13 errors never carry one.
    const payloadErrors = version !== ANY_VERSION && version >= ERROR_PAYLOAD_SINCE;
    return dir === 's2c' && payloadErrors && tokens.length === 2 ? Number(last) : null;
  }
  const spec = commandSpec(command);
  if (!spec) return null;
  // A peer sending a command the other way round still frames it like the direction that has it.
  const rule = spec[dir] ?? spec[dir === 'c2s' ? 's2c' : 'c2s'];
  if (!rule?.payload) return null;
  if (rule.payloadFrom !== undefined && version !== ANY_VERSION && version < rule.payloadFrom) return null;
  return Number(last);
}
