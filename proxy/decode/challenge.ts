// CHL/QRY challenge verification (matrix section F). A proxy sees both the challenge and the client's
// answer, so it can say whether the answer is right for the product id the client claimed.
import { createHash } from 'node:crypto';

/** F.1: MSNP6–MSNP10 key pairs, public product id → private key. */
export const MD5_KEY_PAIRS: ReadonlyMap<string, string> = new Map([
  ['msmsgs@msnmsgr.com', 'Q1P7W2E4J9R8U3S5'],
  ['PROD0038W!61ZTF9', 'VT6PX?UQTM4WM%YR'],
  ['PROD0058#7IL2{QD', 'QHDCY@7R1TB6W?5B'],
  ['PROD0061VRRZH@4F', 'JXQ6J@TUOGYV@N0M'],
  ['PROD00504RLUG%WL', 'I2EBK%PYNLZL5_J4'],
  ['PROD0076ENE8*@AW', 'CEQJ8}OE0!WTSWII'],
]);

/** F.2: MSNP11+ key pairs, public product id → private key. */
export const MSNP11_KEY_PAIRS: ReadonlyMap<string, string> = new Map([
  ['PROD0090YUAUV{2B', 'YMM8C_H7KCQ2S_KL'],
  ['PROD00974#MT*RC2', 'LMCVO*18PQJ3H!K3'],
  ['PROD0101{0RM?UBW', 'CFHUR$52U_{VIX5T'],
  ['PROD0104U6VVM{UJ', 'VK67B}379XYM5}$T'],
  ['PROD01065C%ZFN6F', 'O4BG@C7BWLYQX?5G'],
  ['PROD0112J1LW7%NB', 'RH96F{PHI8PPX_TJ'],
  ['PROD0113H11T8$X_', 'RG@XY*28Q5QHS%Q5'],
  ['PROD0114ES4Z%Q5W', 'PK}_A_0N_K%O?A9S'],
  ['PROD0118R6%2WYOS', 'YIXPX@5I2P0UT*LK'],
  ['PROD0119GSJUC$18', 'ILTXC!4IXB5FB*PX'],
  ['PROD0120PW!CCV9@', 'C1BX{V4W}Q3*10SM'],
]);

/** MSNP6–MSNP10: lowercase hex MD5 of challenge followed by the private key. */
export function md5ChallengeResponse(challenge: string, privateKey: string): string {
  return createHash('md5').update(challenge + privateKey, 'latin1').digest('hex');
}

/**
 * What to do when challenge + product id is already a multiple of 8 characters long.
 * 'none' (default): no padding, as the wiki's step list reads ("pad if the length cannot be divided
 * by 8") and as an MSNPiki-derived C++ sample does. 'block': append eight '0's, as the wiki's C# and
 * an ActionScript client do. Real 20-digit challenges with 16-character ids (length 36) never reach
 * this case; verifyChallenge accepts either variant when it does.
 */
export type AlignedPadding = 'none' | 'block';

const MOD = 0x7fffffffn;
const MAGIC = 0x0e79a9c1n;

/** MSNP11+ challenge response (F.2), with BigInt arithmetic since the products exceed 2^53. */
export function msnp11ChallengeResponse(challenge: string, productId: string, productKey: string, alignedPadding: AlignedPadding = 'none'): string {
  const md5 = createHash('md5').update(challenge + productKey, 'latin1').digest();
  const h = [0, 4, 8, 12].map((o) => BigInt(md5.readUInt32LE(o) & 0x7fffffff)) as [bigint, bigint, bigint, bigint];

  let s = challenge + productId;
  const rem = s.length % 8;
  if (rem !== 0) s += '0'.repeat(8 - rem);
  else if (alignedPadding === 'block') s += '0'.repeat(8);
  const bytes = Buffer.from(s, 'latin1');
  const w: bigint[] = [];
  for (let o = 0; o + 4 <= bytes.length; o += 4) w.push(BigInt(bytes.readUInt32LE(o) & 0x7fffffff));

  let high = 0n;
  let low = 0n;
  for (let i = 0; i + 1 < w.length; i += 2) {
    let t = (w[i]! * MAGIC) % MOD;
    t += high;
    t = (t * h[0] + h[1]) % MOD;
    high = (w[i + 1]! + t) % MOD;
    high = (high * h[2] + h[3]) % MOD;
    low += high + t;
  }
  high = (high + h[1]) % MOD;
  low = (low + h[3]) % MOD;

  const key = Buffer.alloc(8);
  key.writeUInt32LE(Number(high), 0);
  key.writeUInt32LE(Number(low), 4);
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) out[i] = md5[i]! ^ key[i % 8]!;
  return out.toString('hex');
}

export interface ChallengeInput {
  challenge: string;
  /** The public product id sent in QRY. */
  productId: string;
  /** The 32 hex characters of the QRY payload. */
  response: string;
  /** Negotiated protocol version, or 0 when unknown. */
  version: number;
}

export type ChallengeScheme = 'md5' | 'msnp11';

export interface ChallengeVerdict {
  verdict: 'valid' | 'invalid' | 'unknown-product';
  scheme: ChallengeScheme | null;
  /** The correct response, when it could be computed. */
  expected?: string;
}

/**
 * Checks a QRY response. Versions 6–10 use the MD5 scheme, 11+ the MSNP11 scheme; any other version
 * (0 = unknown) tries both. The private key is looked up in both tables, because a client could pair
 * a key with either scheme; an id in neither table gives 'unknown-product'.
 */
export function verifyChallenge(input: ChallengeInput): ChallengeVerdict {
  const { challenge, productId, version } = input;
  const response = input.response.trim().toLowerCase();
  const byVersion: ChallengeScheme | null = version >= 6 && version <= 10 ? 'md5' : version >= 11 ? 'msnp11' : null;
  const key = MD5_KEY_PAIRS.get(productId) ?? MSNP11_KEY_PAIRS.get(productId);
  if (key === undefined) return { verdict: 'unknown-product', scheme: byVersion };

  const schemes: ChallengeScheme[] = byVersion ? [byVersion] : MD5_KEY_PAIRS.has(productId) ? ['md5', 'msnp11'] : ['msnp11', 'md5'];
  let first: ChallengeVerdict | undefined;
  for (const scheme of schemes) {
    const candidates = expectedResponses(scheme, challenge, productId, key);
    const hit = candidates.find((c) => c === response);
    if (hit !== undefined) return { verdict: 'valid', scheme, expected: hit };
    first ??= { verdict: 'invalid', scheme, expected: candidates[0]! };
  }
  return first!;
}

function expectedResponses(scheme: ChallengeScheme, challenge: string, productId: string, key: string): string[] {
  if (scheme === 'md5') return [md5ChallengeResponse(challenge, key)];
  const main = msnp11ChallengeResponse(challenge, productId, key, 'none');
  // Only in the aligned edge case do the two padding readings differ; accept either.
  return (challenge + productId).length % 8 === 0 ? [main, msnp11ChallengeResponse(challenge, productId, key, 'block')] : [main];
}
