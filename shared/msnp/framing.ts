// The payload rule: does this command line announce a payload, and how long is it?
// Decided from the command table, the direction and the negotiated version.
import { commandSpec } from './commands.js';
import type { Direction } from './types.js';
import { ANY_VERSION } from './versions.js';

/** From MSNP13, a 3-token error line `nnn trid length` carries an (XML) payload (matrix, section G). */
export const ERROR_PAYLOAD_SINCE = 13;

const LENGTH = /^\d{1,10}$/;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

export function isErrorCode(command: string): boolean {
  return command.length === 3 && isDigit(command.charCodeAt(0)) && isDigit(command.charCodeAt(1)) && isDigit(command.charCodeAt(2));
}

/**
 * Whether a command line whose last token is a decimal number announces a payload of that many bytes.
 * `tokenCount` counts the tokens after the command (TrID included). The framer's hot path calls this
 * only for lines that end in a number.
 */
export function announcesPayload(command: string, tokenCount: number | (() => number), dir: Direction, version: number): boolean {
  if (isErrorCode(command)) {
    // Unknown version: err on the side of no payload; pre-13 errors never carry one.
    if (dir !== 's2c' || version === ANY_VERSION || version < ERROR_PAYLOAD_SINCE) return false;
    return (typeof tokenCount === 'number' ? tokenCount : tokenCount()) === 2;
  }
  const spec = commandSpec(command);
  if (!spec) return false;
  // A peer sending a command the other way round still frames it like the direction that has it.
  const rule = spec[dir] ?? spec[dir === 'c2s' ? 's2c' : 'c2s'];
  if (!rule?.payload) return false;
  return rule.payloadFrom === undefined || version === ANY_VERSION || version >= rule.payloadFrom;
}

/**
 * The payload length a command line announces, or null when it carries none.
 * `tokens` are the line's tokens after the command (TrID included).
 */
export function payloadLength(command: string, tokens: readonly string[], dir: Direction, version: number): number | null {
  const last = tokens[tokens.length - 1];
  if (last === undefined || !LENGTH.test(last)) return null;
  return announcesPayload(command, tokens.length, dir, version) ? Number(last) : null;
}

/**
 * The payload rule for one direction of one connection, as the framer asks it: answers per command are
 * cached until the negotiated version changes (the framer asks once per line, so this is the hot path).
 */
export function payloadRule(dir: Direction, version: () => number): (command: string, tokenCount: () => number) => boolean {
  const cache = new Map<string, boolean>();
  let cachedFor = -1;
  return (command, tokenCount) => {
    const v = version();
    if (v !== cachedFor) {
      cache.clear();
      cachedFor = v;
    }
    if (isErrorCode(command)) return announcesPayload(command, tokenCount, dir, v);
    let answer = cache.get(command);
    if (answer === undefined) {
      answer = announcesPayload(command, 0, dir, v);
      cache.set(command, answer);
    }
    return answer;
  };
}
