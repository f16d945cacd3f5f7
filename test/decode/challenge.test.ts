import { describe, expect, it } from 'vitest';
import { sessionPayload } from './sessions.js';
import {
  MD5_KEY_PAIRS,
  MSNP11_KEY_PAIRS,
  md5ChallengeResponse,
  msnp11ChallengeResponse,
  verifyChallenge,
} from '../../proxy/decode/challenge.js';

// Matrix F.1 test vectors (MSNP6–MSNP10).
const MD5_VECTORS: [string, string, string][] = [
  ['29409134351025259292', 'Q1P7W2E4J9R8U3S5', 'd0c1178c689350104350d99f8c36ed9c'],
  ['12345678901234567890', 'Q1P7W2E4J9R8U3S5', '8ba1bb9d6dbf624fee31a2053af5fdd0'],
  ['11111111111111111111', 'Q1P7W2E4J9R8U3S5', '3b6666b60157322b6fc6e41a115968f5'],
];

// Matrix F.2 test vectors (MSNP11+), including the 27-digit challenge.
const MSNP11_VECTORS: [string, string, string, string][] = [
  ['22210219642164014968', 'PROD0090YUAUV{2B', 'YMM8C_H7KCQ2S_KL', '85ecb0db8f32113df79ce0892b9a102c'],
  ['36819795137093047918', 'PROD0090YUAUV{2B', 'YMM8C_H7KCQ2S_KL', 'e7ad3cb09d3e9e4e7c720175984809e9'],
  ['21948129323261853323', 'PROD0090YUAUV{2B', 'YMM8C_H7KCQ2S_KL', '59bcf63ed21f44906c3d3e121ddbed65'],
  ['41525959199453244913', 'PROD0090YUAUV{2B', 'YMM8C_H7KCQ2S_KL', 'dcb8ff529e4dd12cc43389851128d2db'],
  ['31744216663023315951', 'PROD0090YUAUV{2B', 'YMM8C_H7KCQ2S_KL', 'd15553d0ea89c9f63bbb98a208fa4235'],
  ['14494180082586329971', 'PROD0090YUAUV{2B', 'YMM8C_H7KCQ2S_KL', '4e11d4cd56a65bdf04f60aa133db7ebc'],
  ['11533365622852247127', 'PROD0113H11T8$X_', 'RG@XY*28Q5QHS%Q5', 'f086d1ded067186deca8dba2231602cf'],
  ['237191752526424888127371168', 'PROD0113H11T8$X_', 'RG@XY*28Q5QHS%Q5', '65b6b623c649c25629af048d34066040'],
];

describe('MD5 challenge responses (F.1)', () => {
  it.each(MD5_VECTORS)('MD5(%s + %s) = %s', (challenge, key, expected) => {
    expect(md5ChallengeResponse(challenge, key)).toBe(expected);
  });

  it.each(MD5_VECTORS)('verifies %s for MSNP8 with msmsgs@msnmsgr.com', (challenge, _key, response) => {
    expect(verifyChallenge({ challenge, productId: 'msmsgs@msnmsgr.com', response, version: 8 })).toEqual({
      verdict: 'valid',
      scheme: 'md5',
      expected: response,
    });
  });
});

describe('MSNP11 challenge responses (F.2)', () => {
  it.each(MSNP11_VECTORS)('challenge %s with %s', (challenge, productId, key, expected) => {
    expect(msnp11ChallengeResponse(challenge, productId, key)).toBe(expected);
  });

  it.each(MSNP11_VECTORS)('verifies %s with %s as MSNP11+', (challenge, productId, _key, response) => {
    expect(verifyChallenge({ challenge, productId, response, version: 15 })).toEqual({ verdict: 'valid', scheme: 'msnp11', expected: response });
  });

  it('the key tables hold the product ids of the vectors', () => {
    expect(MSNP11_KEY_PAIRS.get('PROD0090YUAUV{2B')).toBe('YMM8C_H7KCQ2S_KL');
    expect(MSNP11_KEY_PAIRS.get('PROD0113H11T8$X_')).toBe('RG@XY*28Q5QHS%Q5');
    expect(MD5_KEY_PAIRS.get('msmsgs@msnmsgr.com')).toBe('Q1P7W2E4J9R8U3S5');
    expect(MD5_KEY_PAIRS.size).toBe(6);
    expect(MSNP11_KEY_PAIRS.size).toBe(11);
  });

  it('padding edge case: an already aligned string gets no padding by default, a full block on request', () => {
    // 24-digit challenge + 16-character id = 40 characters, a multiple of 8.
    const challenge = '123456789012345678901234';
    const none = msnp11ChallengeResponse(challenge, 'PROD0090YUAUV{2B', 'YMM8C_H7KCQ2S_KL');
    const block = msnp11ChallengeResponse(challenge, 'PROD0090YUAUV{2B', 'YMM8C_H7KCQ2S_KL', 'block');
    expect(none).toMatch(/^[0-9a-f]{32}$/);
    expect(block).not.toBe(none);
    // The verifier accepts either reading in that case.
    expect(verifyChallenge({ challenge, productId: 'PROD0090YUAUV{2B', response: block, version: 11 }).verdict).toBe('valid');
    expect(verifyChallenge({ challenge, productId: 'PROD0090YUAUV{2B', response: none, version: 11 }).verdict).toBe('valid');
  });
});

describe('verifyChallenge', () => {
  it('reports an invalid response with the expected one', () => {
    const r = verifyChallenge({ challenge: '22210219642164014968', productId: 'PROD0090YUAUV{2B', response: '0'.repeat(32), version: 11 });
    expect(r).toEqual({ verdict: 'invalid', scheme: 'msnp11', expected: '85ecb0db8f32113df79ce0892b9a102c' });
  });

  it('uses the MD5 scheme for MSNP6–10 even when MSNP11 would match', () => {
    const r = verifyChallenge({ challenge: '22210219642164014968', productId: 'PROD0090YUAUV{2B', response: '85ecb0db8f32113df79ce0892b9a102c', version: 10 });
    expect(r.verdict).toBe('invalid');
    expect(r.scheme).toBe('md5');
  });

  it('the wiki example: an MD5 answer fails under MSNP11', () => {
    const r = verifyChallenge({ challenge: '12345678901234567890', productId: 'msmsgs@msnmsgr.com', response: '8ba1bb9d6dbf624fee31a2053af5fdd0', version: 11 });
    expect(r.verdict).toBe('invalid');
    expect(r.scheme).toBe('msnp11');
  });

  it('tries both schemes when the version is unknown', () => {
    expect(verifyChallenge({ challenge: '12345678901234567890', productId: 'msmsgs@msnmsgr.com', response: '8ba1bb9d6dbf624fee31a2053af5fdd0', version: 0 })).toMatchObject({
      verdict: 'valid',
      scheme: 'md5',
    });
    expect(verifyChallenge({ challenge: '22210219642164014968', productId: 'PROD0090YUAUV{2B', response: '85ecb0db8f32113df79ce0892b9a102c', version: 0 })).toMatchObject({
      verdict: 'valid',
      scheme: 'msnp11',
    });
    const bad = verifyChallenge({ challenge: '1', productId: 'PROD0090YUAUV{2B', response: 'x', version: 0 });
    expect(bad.verdict).toBe('invalid');
    expect(bad.scheme).toBe('msnp11');
  });

  it('accepts upper-case hex and surrounding whitespace', () => {
    expect(verifyChallenge({ challenge: '29409134351025259292', productId: 'msmsgs@msnmsgr.com', response: ' D0C1178C689350104350D99F8C36ED9C\r\n', version: 9 }).verdict).toBe('valid');
  });

  it('the CHL/QRY exchange of the msnp6 example session', () => {
    const qry = sessionPayload('msnp6.txt', 'C: QRY 10 msmsgs@msnmsgr.com 32');
    const r = verifyChallenge({ challenge: '11111111111111111111', productId: 'msmsgs@msnmsgr.com', response: qry.bytes.toString('latin1'), version: 6 });
    expect(r.verdict).toBe('valid');
  });

  it('unknown product ids', () => {
    expect(verifyChallenge({ challenge: '1', productId: 'PROD00517IFH4@RV', response: 'x', version: 8 })).toEqual({ verdict: 'unknown-product', scheme: 'md5' });
    expect(verifyChallenge({ challenge: '1', productId: 'nobody', response: 'x', version: 0 })).toEqual({ verdict: 'unknown-product', scheme: null });
  });
});
