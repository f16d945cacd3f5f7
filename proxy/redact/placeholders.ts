// The redaction table of one export: every secret maps to one placeholder, the same one wherever it
// appears (an SB cookie in `XFR … CKI` and in the switchboard's `USR`), so a replay still pairs them.
export type SecretKind = 'DIGEST' | 'PASSWORD' | 'TICKET' | 'PROFILE' | 'NONCE' | 'BLOB' | 'COOKIE' | 'AUTH';

/** Secrets shorter than this are only replaced where a rule finds them, never swept from other text. */
export const SWEEP_MIN_LENGTH = 8;

export const PLACEHOLDER = /REDACTED-[A-Z]+-\d+/;

/** A value masked in place (where a placeholder would not fit): as many 'X' as it had bytes. */
const MASK = /^X+$/;

/** What the rules call to replace a secret they found. */
export interface SecretNamer {
  for(kind: SecretKind, secret: string): string;
}

export class Placeholders implements SecretNamer {
  readonly #bySecret = new Map<string, string>();
  readonly #counters = new Map<SecretKind, number>();

  /** The placeholder for a secret (allocated on first sight). Empty, placeholder and masked values stay. */
  for(kind: SecretKind, secret: string): string {
    if (secret === '' || PLACEHOLDER.test(secret) || MASK.test(secret)) return secret;
    const known = this.#bySecret.get(secret);
    if (known !== undefined) return known;
    const n = (this.#counters.get(kind) ?? 0) + 1;
    this.#counters.set(kind, n);
    const placeholder = `REDACTED-${kind}-${n}`;
    this.#bySecret.set(secret, placeholder);
    return placeholder;
  }

  /**
   * Placeholders already in the input (a re-export of a redacted capture) keep their meaning: new
   * secrets are numbered after them.
   */
  reserve(text: string): void {
    for (const m of text.matchAll(/REDACTED-([A-Z]+)-(\d+)/g)) {
      const kind = m[1] as SecretKind;
      this.#counters.set(kind, Math.max(this.#counters.get(kind) ?? 0, Number(m[2])));
    }
  }

  lookup(secret: string): string | undefined {
    return this.#bySecret.get(secret);
  }

  /** Secrets long enough to sweep from any text, longest first (so a secret containing another wins). */
  sweepable(): Array<[secret: string, placeholder: string]> {
    return [...this.#bySecret.entries()]
      .filter(([secret]) => secret.length >= SWEEP_MIN_LENGTH)
      .sort((a, b) => b[0].length - a[0].length);
  }

  /** How many secrets of each kind were replaced. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.#counters);
  }

  get size(): number {
    return this.#bySecret.size;
  }
}

/** Names secrets in the table, but puts a same-length mask in their place (keeps every length). */
export function masking(table: Placeholders): SecretNamer {
  return {
    for(kind, secret) {
      return table.for(kind, secret) === secret ? secret : 'X'.repeat(secret.length);
    },
  };
}
