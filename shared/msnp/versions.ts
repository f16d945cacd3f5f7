// Protocol versions are plain numbers (2 = MSNP2 … 21 = MSNP21) so ranges compare with < and >.
export const FIRST_VERSION = 2;
export const LAST_VERSION = 21;

/** Sentinel for "any version": used when a connection's version is not (yet) known. */
export const ANY_VERSION = 0;

export function parseVersion(dialect: string): number | null {
  const m = /^MSNP(\d{1,2})$/.exec(dialect);
  if (!m) return null;
  const n = Number(m[1]);
  return n >= FIRST_VERSION && n <= LAST_VERSION ? n : null;
}

export function formatVersion(v: number | null): string | null {
  return v === null || v === ANY_VERSION ? null : `MSNP${v}`;
}

/** True when version `v` lies in [from, to]; an unknown version matches every range. */
export function inRange(v: number, from: number, to: number): boolean {
  return v === ANY_VERSION || (v >= from && v <= to);
}
