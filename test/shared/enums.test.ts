import { describe, expect, it } from 'vitest';
import {
  CAPABILITY_EX_FLAGS, CAPABILITY_FLAGS, LIST_BITS, NETWORK_IDS, OUT_REASONS, STATUSES, decodeParam,
} from '../../shared/msnp/enums.js';
import { ERRORS, errorInfo } from '../../shared/msnp/errors.js';
import type { ParamDecoder } from '../../shared/msnp/types.js';

const ALL_DECODERS: readonly ParamDecoder[] = [
  'url', 'status', 'list', 'listBits', 'caps', 'capsEx', 'nid', 'nidHandle', 'handleGuid', 'outReason', 'bool01',
  'msgAck', 'gtc', 'blp', 'property', 'msnobj', 'hostPort', 'length', 'unixTime', 'lcid', 'ubnType', 'uumType',
  'pgdDevice',
];

describe('decodeParam', () => {
  it('url: decodes, and reports malformed escapes without throwing', () => {
    expect(decodeParam('url', 'another%20user').decoded).toBe('another user');
    expect(decodeParam('url', 'plain')).toEqual({});
    const bad = decodeParam('url', 'bad%zzname');
    expect(bad.decoded).toBe('bad%zzname');
    expect(bad.issue).toMatch(/malformed/);
    expect(decodeParam('url', '100%').issue).toBeDefined();
    expect(decodeParam('url', '%E9t%E9').issue).toBeDefined(); // Latin-1 bytes are not UTF-8
  });

  it('status and list names', () => {
    expect(decodeParam('status', 'BRB').decoded).toBe('Be right back');
    expect(decodeParam('status', 'HDN').decoded).toMatch(/offline/i);
    expect(decodeParam('status', 'XYZ').issue).toMatch(/unknown status/);
    expect(decodeParam('list', 'RL').decoded).toBe('Reverse List');
    expect(decodeParam('list', 'PL').decoded).toBe('Pending List');
    expect(decodeParam('list', 'Hide').issue).toBeDefined();
  });

  it('listBits: 13 is FL, BL, RL', () => {
    expect(decodeParam('listBits', '13')).toEqual({ decoded: 'FL|BL|RL (13)' });
    expect(decodeParam('listBits', '11').decoded).toBe('FL|AL|RL (11)');
    expect(decodeParam('listBits', '16').decoded).toBe('PL (16)');
    expect(decodeParam('listBits', '0').decoded).toBe('none (0)');
    expect(decodeParam('listBits', '128').issue).toMatch(/unknown list bits/);
    expect(decodeParam('listBits', 'x').issue).toBeDefined();
  });

  it('caps: flags plus the MSNC version of the high nibble', () => {
    const d = decodeParam('caps', String(0x40000024));
    expect(d.issue).toBeUndefined();
    expect(d.decoded).toBe('SupportsGifInk|SupportsChunking|MSNC4 (0x40000024)');
    expect(decodeParam('caps', '268435500').decoded).toBe('SupportsGifInk|SupportsIsfInk|SupportsChunking|MSNC1 (0x1000002C)');
    expect(decodeParam('caps', String(0x70000000)).decoded).toBe('MSNC7 (0x70000000)');
    expect(decodeParam('caps', '0').decoded).toBe('none (0x00000000)');
    expect(decodeParam('caps', '4294967296').issue).toBeDefined();
    expect(decodeParam('caps', '-1').issue).toBeDefined();
  });

  it('capsEx: both halves', () => {
    const d = decodeParam('capsEx', '2789003324:48');
    expect(d.issue).toBeUndefined();
    expect(d.decoded).toContain('MSNC10');
    expect(d.decoded).toMatch(/; ex: RTCVideoEnabled\|PeerToPeerV2 \(0x00000030\)$/);
    expect(decodeParam('capsEx', '1073741824').issue).toMatch(/capsex/);
    expect(decodeParam('capsEx', '1:x').issue).toBeDefined();
  });

  it('nid and nid:handle', () => {
    expect(decodeParam('nid', '32').decoded).toMatch(/Yahoo/);
    expect(decodeParam('nid', '1').decoded).toBe('Windows Live');
    expect(decodeParam('nid', '3').issue).toMatch(/unknown network id 3/);
    expect(decodeParam('nidHandle', '1:bob@x.com')).toEqual({ decoded: 'Windows Live: bob@x.com' });
    const via = decodeParam('nidHandle', '1:bob@x.com;via=9:{00000000-0000-0000-0000-000000000009}@live.com');
    expect(via.decoded).toBe('Windows Live: bob@x.com (via Circle: {00000000-0000-0000-0000-000000000009}@live.com)');
    expect(decodeParam('nidHandle', 'bob@x.com').issue).toBeDefined();
  });

  it('handleGuid', () => {
    expect(decodeParam('handleGuid', 'bob@x.com;{F52973B6-C926-4BAD-9BA8-7C1E840E4AB0}').decoded)
      .toBe('bob@x.com, endpoint {F52973B6-C926-4BAD-9BA8-7C1E840E4AB0}');
    expect(decodeParam('handleGuid', 'bob@x.com')).toEqual({});
    expect(decodeParam('handleGuid', 'bob@x.com;nope').issue).toBeDefined();
  });

  it('small enumerations', () => {
    expect(decodeParam('outReason', 'OTH').decoded).toMatch(/another location/);
    expect(decodeParam('outReason', 'RCT').decoded).toMatch(/reconnect/);
    expect(decodeParam('outReason', 'ZZZ').issue).toBeDefined();
    expect(decodeParam('bool01', '1').decoded).toBe('yes');
    expect(decodeParam('bool01', '2').issue).toBeDefined();
    expect(decodeParam('msgAck', 'D').decoded).toMatch(/282/);
    expect(decodeParam('gtc', 'N').decoded).toMatch(/without asking/);
    expect(decodeParam('blp', 'BL').decoded).toMatch(/blocked/);
    expect(decodeParam('property', 'MFN').decoded).toBe('friendly name');
    expect(decodeParam('property', 'PHH').decoded).toBe('home phone');
    expect(decodeParam('property', 'HSB').decoded).toMatch(/blog/);
    expect(decodeParam('property', 'NEW').issue).toBeDefined();
    expect(decodeParam('ubnType', '3').decoded).toMatch(/SLP/);
    expect(decodeParam('uumType', '3').decoded).toBe('nudge');
    expect(decodeParam('uumType', '9').issue).toBeDefined();
    expect(decodeParam('pgdDevice', '2').decoded).toBe('Web Watch');
  });

  it('msnobj: summarised as plain text', () => {
    const token = '%3Cmsnobj%20Creator%3D%22anotherdude%40hotmail.com%22%20Size%3D%2225235%22%20Type%3D%223%22'
      + '%20Location%3D%22uexA4DE.dat%22%20Friendly%3D%22AAA%3D%22%20SHA1D%3D%22vP1ppB+xiFQ8ceZivRe0uCaYLIU%3D%22%2F%3E';
    expect(decodeParam('msnobj', token).decoded)
      .toBe('Creator=anotherdude@hotmail.com Type=3 (display picture) Size=25235 Location=uexA4DE.dat Friendly=AAA=');
    // Entities are not expanded: the text is matched, never parsed as markup.
    expect(decodeParam('msnobj', '%3Cmsnobj%20Creator%3D%22a%26amp%3Bb%22%2F%3E').decoded).toBe('Creator=a&amp;b');
    expect(decodeParam('msnobj', '0').decoded).toBe('no MSN object');
    expect(decodeParam('msnobj', 'hello').issue).toBeDefined();
    expect(decodeParam('msnobj', '%3Cmsnobj%zz').issue).toBeDefined();
  });

  it('hostPort, length, unixTime, lcid', () => {
    expect(decodeParam('hostPort', '10.0.0.5:1863')).toEqual({});
    expect(decodeParam('hostPort', 'messenger.hotmail.com:1863')).toEqual({});
    expect(decodeParam('hostPort', '10.0.0.5:99999').issue).toMatch(/out of range/);
    expect(decodeParam('hostPort', '10.0.0.5').issue).toBeDefined();
    expect(decodeParam('hostPort', '0').decoded).toMatch(/restart/);
    expect(decodeParam('length', '448').decoded).toBe('448 bytes');
    expect(decodeParam('length', '-1').issue).toBeDefined();
    expect(decodeParam('unixTime', '1726321960').decoded).toBe('2024-09-14T13:52:40.000Z');
    expect(decodeParam('unixTime', 'soon').issue).toBeDefined();
    expect(decodeParam('lcid', '0x0409').decoded).toBe('en-US');
    expect(decodeParam('lcid', '1033').decoded).toBe('en-US');
    expect(decodeParam('lcid', '0x1111').decoded).toBe('4369');
    expect(decodeParam('lcid', 'english').issue).toBeDefined();
  });

  it('every decoder is total', () => {
    const nasty = ['', '%', '%zz', '99999999999999999999999', ':', ';', '0:', '-', 'x'.repeat(10_000), '<msnobj', '\u0000'];
    for (const d of ALL_DECODERS) {
      for (const t of nasty) {
        const r = decodeParam(d, t);
        expect(typeof r).toBe('object');
        if (r.decoded !== undefined) expect(typeof r.decoded).toBe('string');
        if (r.issue !== undefined) expect(typeof r.issue).toBe('string');
      }
    }
  });
});

describe('enumeration tables', () => {
  it('hold the matrix values', () => {
    expect([...STATUSES.keys()]).toEqual(['NLN', 'BSY', 'IDL', 'BRB', 'AWY', 'PHN', 'LUN', 'HDN', 'FLN']);
    expect(LIST_BITS.slice(0, 5).map((b) => `${b.code}=${b.value}`)).toEqual(['FL=1', 'AL=2', 'BL=4', 'RL=8', 'PL=16']);
    expect([...NETWORK_IDS.keys()]).toEqual([1, 2, 4, 8, 9, 10, 11, 13, 14, 16, 32]);
    expect(CAPABILITY_FLAGS).toHaveLength(28);
    expect(CAPABILITY_FLAGS.every((f, i) => f.value === 2 ** i)).toBe(true);
    expect(CAPABILITY_EX_FLAGS.find((f) => f.value === 0x20)?.name).toBe('PeerToPeerV2');
    expect(OUT_REASONS.get('MIG')?.since).toBe(10);
    expect(OUT_REASONS.get('RCT')?.since).toBe(11);
  });
});

describe('errors', () => {
  it('names and describes codes', () => {
    expect(errorInfo(200)?.name).toBe('ERR_SYNTAX');
    expect(errorInfo(540)).toEqual({ name: 'ERR_CHALLENGE_FAILED', description: 'challenge response (QRY) failed', since: 6 });
    expect(errorInfo(911)?.name).toBe('ERR_AUTH_FAILED');
    expect(errorInfo(923)?.since).toBe(4);
    expect(errorInfo(595)?.name).toBe('ERR_SMS_595');
    expect(errorInfo(999)).toBeUndefined();
  });

  it('has unique identifier-like names', () => {
    const names = [...ERRORS.values()].map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    for (const [code, e] of ERRORS) {
      expect(code).toBeGreaterThanOrEqual(100);
      expect(code).toBeLessThanOrEqual(999);
      expect(e.name).toMatch(/^ERR_[A-Z0-9_]+$/);
      expect(e.description.length).toBeGreaterThan(0);
    }
    expect(ERRORS.size).toBeGreaterThan(120);
  });
});
