// Where credentials sit on MSNP command lines (msnp-wiki authschemes, matrix table A/D). Each rule
// replaces one token with its placeholder; everything else on the line is kept as sent.
import type { Direction } from '../../shared/msnp/types.js';
import type { SecretNamer } from './placeholders.js';

/** `t=<ticket>&p=<profile>` Passport compact tokens keep their shape; anything else is one ticket. */
export function redactPassportToken(token: string, table: SecretNamer): string {
  const pair = /^t=([^&]*)&p=(.*)$/.exec(token);
  if (!pair) return table.for('TICKET', token);
  return `t=${table.for('TICKET', pair[1] ?? '')}&p=${table.for('PROFILE', pair[2] ?? '')}`;
}

/** Keys of the server's `USR … TWN S` ticket parameters that are per-login values, not settings. */
const TWN_PER_LOGIN_KEYS = new Set(['tpf', 'rn']);

function redactTwnChallenge(params: string, table: SecretNamer): string {
  return params
    .split(',')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0 || !TWN_PER_LOGIN_KEYS.has(pair.slice(0, eq))) return pair;
      return `${pair.slice(0, eq + 1)}${table.for('NONCE', pair.slice(eq + 1))}`;
    })
    .join(',');
}

const AUTH_PACKAGES = new Set(['MD5', 'CTP', 'TWN', 'SSO', 'SHA']);

/**
 * The line's tokens with credentials replaced (the array is changed in place and returned), for a
 * line split on single spaces. Returns whether anything changed.
 */
export function redactLine(tokens: string[], dir: Direction, table: SecretNamer): boolean {
  const before = tokens.join(' ');
  const set = (i: number, value: string): void => {
    if (tokens[i] !== undefined) tokens[i] = value;
  };
  const [command] = tokens;
  const t = (i: number): string => tokens[i] ?? '';
  if (command === 'USR') {
    const pkg = t(2);
    if (dir === 'c2s') {
      if ((pkg === 'MD5' || pkg === 'CTP') && t(3) === 'S') set(4, table.for(pkg === 'MD5' ? 'DIGEST' : 'PASSWORD', t(4)));
      else if (pkg === 'TWN' && t(3) === 'S') set(4, redactPassportToken(t(4), table));
      else if (pkg === 'SSO' && t(3) === 'S') {
        set(4, redactPassportToken(t(4), table));
        set(5, table.for('BLOB', t(5)));
      } else if (pkg === 'SHA' && t(3) === 'A') set(4, table.for('TICKET', t(4)));
      // Switchboard sign-in: `USR trid handle cookie`.
      else if (tokens.length === 4 && !AUTH_PACKAGES.has(pkg) && pkg.includes('@')) set(3, table.for('COOKIE', t(3)));
    } else if (t(3) === 'S') {
      if (pkg === 'TWN') set(4, redactTwnChallenge(t(4), table));
      else if (pkg === 'SSO') set(5, table.for('NONCE', t(5)));
    }
  } else if (command === 'ANS' && dir === 'c2s' && tokens.length === 5) {
    set(3, table.for('COOKIE', t(3)));
  } else if (command === 'XFR' && dir === 's2c' && t(2) === 'SB' && t(4) === 'CKI') {
    set(5, table.for('COOKIE', t(5)));
  } else if (command === 'RNG' && dir === 's2c' && t(3) === 'CKI') {
    set(4, table.for('COOKIE', t(4)));
  }
  return tokens.join(' ') !== before;
}
