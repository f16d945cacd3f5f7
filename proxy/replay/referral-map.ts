// Which recorded connection each recorded referral (XFR NS/SB, RNG) led to, so a replay can send the
// client to the right place: by the fixture's referral link, then by cookie, then by kind and order,
// then by the address the referral named.
import { parseReferral } from '../relay/rewriter.js';
import type { LoadedFixture, ScriptConnection, ScriptFrame } from '../fixture/load.js';

export interface ReferralMap {
  /** `conn#index` of a referral frame → the label of the connection it led to. */
  children: Map<string, string>;
  /** Connections no referral leads to: where a client starts. */
  roots: ScriptConnection[];
}

export const referralKey = (frame: Pick<ScriptFrame, 'conn' | 'index'>) => `${frame.conn}#${frame.index}`;

export function mapReferrals(fixture: LoadedFixture): ReferralMap {
  const children = new Map<string, string>();
  const assigned = new Set<string>();
  const all = fixture.connections;
  const take = (c: ScriptConnection | undefined, key: string): boolean => {
    if (!c || assigned.has(c.label)) return false;
    children.set(key, c.label);
    assigned.add(c.label);
    return true;
  };
  for (const parent of all) {
    for (const frame of parent.frames) {
      if (frame.dir !== 's2c' || frame.line === null) continue;
      const found = parseReferral(frame.line);
      if (!found) continue;
      const { referral } = found;
      const key = referralKey(frame);
      const free = (c: ScriptConnection) => !assigned.has(c.label) && c.label !== parent.label;
      const wantsSb = referral.kind === 'SB';
      take(all.find((c) => free(c) && c.referredBy === parent.label && c.referralFrame === frame.index), key)
        || (referral.cookie !== undefined && take(all.find((c) => free(c) && c.cookie !== null && c.cookie === referral.cookie), key))
        || take(all.find((c) => free(c) && c.referredBy === parent.label && (c.kind === 'sb') === wantsSb && c.referralFrame === null), key)
        || take(all.find((c) => free(c) && c.referredBy === null && c.upstream === referral.target && all.indexOf(c) > all.indexOf(parent)), key);
    }
  }
  return { children, roots: all.filter((c) => !assigned.has(c.label)) };
}
