// Picks the layout of a command line from the command table and names its parameters.
//
// Rules (see types.ts): layouts are tried in table order; a layout fits when its version range holds
// the version, its `server` (if set, and if the caller knows the server) matches, and the tokens fit:
// a TrID layout needs a decimal first token; parameters outside their since/until are dropped; the
// remaining ones take one token each in order (`rest` takes all remaining tokens), required ones must
// be present, literals and patterns must match, and no token may be left over.
import { decodeParam } from './enums.js';
import type { CommandSpec, Direction, Field, Layout, ParamSpec, ServerKind } from './types.js';
import { ANY_VERSION, FIRST_VERSION, LAST_VERSION, formatVersion } from './versions.js';

export interface LayoutMatch {
  layout: Layout;
  /** The version the layout was matched at: the given one, or the first fitting one when it was 0. */
  version: number;
  trId: number | null;
  fields: Field[];
  /** Decoder complaints, as `paramName: issue`. */
  issues: string[];
}

const DECIMAL = /^\d+$/;

/** The parameters of `layout` that exist at `version`. */
export function activeParams(layout: Layout, version: number): ParamSpec[] {
  let byVersion = activeCache.get(layout);
  if (!byVersion) {
    byVersion = [];
    activeCache.set(layout, byVersion);
  }
  return (byVersion[version] ??= layout.params.filter(
    (p) => (p.since === undefined || version >= p.since) && (p.until === undefined || version <= p.until),
  ));
}

/** Layouts are immutable table data: their active parameters per version are computed once. */
const activeCache = new WeakMap<Layout, ParamSpec[][]>();

function accepts(p: ParamSpec, token: string): boolean {
  if (p.literal && !p.literal.includes(token)) return false;
  if (p.pattern && !p.pattern.test(token)) return false;
  return true;
}

function makeField(spec: CommandSpec, p: ParamSpec, tokens: readonly string[], issues: string[]): Field {
  const field: Field = {
    name: p.name,
    value: tokens.length === 1 ? (tokens[0] as string) : tokens.join(' '),
    since: p.since !== undefined && p.since > spec.from ? (VERSION_NAMES[p.since] as string) : null,
  };
  if (p.decode) {
    let decoded: string | undefined;
    for (const t of tokens) {
      const d = decodeParam(p.decode, t);
      if (d.decoded !== undefined) decoded = decoded === undefined ? d.decoded : `${decoded}, ${d.decoded}`;
      if (d.issue !== undefined) issues.push(`${p.name}: ${d.issue}`);
    }
    if (decoded !== undefined) field.decoded = decoded;
  }
  return field;
}

/** "MSNP2" … "MSNP21", by version number. */
const VERSION_NAMES: readonly (string | null)[] = Array.from({ length: LAST_VERSION + 1 }, (_, v) => formatVersion(v));

/** Whether `tokens` fit `params` from token `start` on: checked first, so no field is built for a layout that fails. */
function fits(params: readonly ParamSpec[], tokens: readonly string[], start: number): boolean {
  let i = start;
  for (const p of params) {
    if (i >= tokens.length) {
      if (p.optional) continue;
      return false;
    }
    if (p.rest) {
      for (; i < tokens.length; i++) if (!accepts(p, tokens[i] as string)) return false;
    } else if (!accepts(p, tokens[i++] as string)) {
      return false;
    }
  }
  return i >= tokens.length;
}

function fit(spec: CommandSpec, layout: Layout, version: number, tokens: readonly string[]): LayoutMatch | null {
  let i = 0;
  let trId: number | null = null;
  if (layout.trId) {
    const t = tokens[0];
    if (t === undefined || !DECIMAL.test(t)) return null;
    trId = Number(t);
    i = 1;
  }
  const params = activeParams(layout, version);
  if (!fits(params, tokens, i)) return null;
  const fields: Field[] = [];
  const issues: string[] = [];
  for (const p of params) {
    if (i >= tokens.length) break;
    const taken = p.rest ? tokens.slice(i) : tokens.slice(i, i + 1);
    fields.push(makeField(spec, p, taken, issues));
    i += taken.length;
  }
  return { layout, version, trId, fields, issues };
}

/** Versions to try when the version is unknown: the newest first. */
const ALL_VERSIONS: readonly number[] = Array.from({ length: LAST_VERSION - FIRST_VERSION + 1 }, (_, i) => LAST_VERSION - i);

/**
 * The first layout of `spec` that fits `tokens` (the tokens after the command name) in direction `dir`
 * at `version`, or null. Version 0 means unknown: versions 21 down to 2 are tried and the first fit
 * wins. `server` restricts to layouts of that server kind; omit it when unknown.
 */
export function matchLayout(
  spec: CommandSpec,
  dir: Direction,
  version: number,
  tokens: readonly string[],
  server?: ServerKind,
): LayoutMatch | null {
  const d = spec[dir];
  if (!d) return null;
  for (const v of version === ANY_VERSION ? ALL_VERSIONS : [version]) {
    for (const layout of d.layouts) {
      if (v < layout.from || v > layout.to) continue;
      if (layout.server !== undefined && server !== undefined && layout.server !== server) continue;
      const m = fit(spec, layout, v, tokens);
      if (m) return m;
    }
  }
  return null;
}
