import { describe, expect, it } from 'vitest';
import { ALL_COMMAND_NAMES, COMMAND_TABLE, COMMANDS, commandSpec } from '../../shared/msnp/commands.js';
import type { CommandSpec, Direction, Layout, ParamSpec } from '../../shared/msnp/types.js';

const DIRS: readonly Direction[] = ['c2s', 's2c'];

function layoutsOf(spec: CommandSpec): { dir: Direction; layout: Layout }[] {
  return DIRS.flatMap((dir) => (spec[dir]?.layouts ?? []).map((layout) => ({ dir, layout })));
}

function spec(name: string): CommandSpec {
  const s = commandSpec(name);
  if (!s) throw new Error(`no spec for ${name}`);
  return s;
}

function allParams(name: string, dir: Direction): ParamSpec[] {
  return (spec(name)[dir]?.layouts ?? []).flatMap((l) => l.params);
}

const B1 = 'VER CVQ CVR INF USR XFR OUT SYN GTC BLP LST LSG ADD ADC REM REA ADG REG RMG SBP PRP BPR CHG ILN NLN FLN CHL QRY PNG QNG URL IMS FND SND SDC MSG NOT IPG PAG PGD RNG GCF SBS GSB LKP RFS UUX UBX ADL RML UUN UBN FQY UUM UBM NFY PUT DEL SDG GET VAS FSL'.split(' ');
const B2 = 'USR ANS CAL IRO JOI BYE MSG ACK NAK OUT'.split(' ');

describe('command table invariants', () => {
  it('holds every command of matrix tables B.1 and B.2, once', () => {
    const expected = [...new Set([...B1, ...B2])].sort();
    expect(ALL_COMMAND_NAMES).toEqual(expected);
    expect(COMMAND_TABLE.length).toBe(expected.length);
    expect(new Set(COMMAND_TABLE.map((c) => c.name)).size).toBe(COMMAND_TABLE.length);
    expect(COMMANDS.size).toBe(COMMAND_TABLE.length);
  });

  it('exports a sorted name list', () => {
    expect([...ALL_COMMAND_NAMES]).toEqual([...ALL_COMMAND_NAMES].sort());
  });

  for (const c of COMMAND_TABLE) {
    describe(c.name, () => {
      it('has a well-formed header', () => {
        expect(c.name).toMatch(/^[A-Z]{3}$/);
        expect(c.title.length).toBeGreaterThan(0);
        expect(c.from).toBeGreaterThanOrEqual(2);
        expect(c.to).toBeLessThanOrEqual(21);
        expect(c.from).toBeLessThanOrEqual(c.to);
        expect(c.servers.length).toBeGreaterThan(0);
        expect(c.c2s !== null || c.s2c !== null).toBe(true);
      });

      for (const dir of DIRS) {
        const d = c[dir];
        if (!d) continue;
        it(`${dir}: payload flag agrees with a trailing length parameter`, () => {
          expect(d.layouts.length).toBeGreaterThan(0);
          const endsInLength = d.layouts.some((l) => l.params.at(-1)?.decode === 'length');
          expect(endsInLength).toBe(d.payload);
          for (const l of d.layouts) {
            l.params.forEach((p, i) => {
              // A length parameter is always the last one and always required.
              if (p.decode === 'length') {
                expect(i).toBe(l.params.length - 1);
                expect(p.optional ?? false).toBe(false);
              }
            });
          }
        });
      }

      it('has layouts inside its own range, with well-formed parameters', () => {
        for (const { layout } of layoutsOf(c)) {
          expect(layout.from).toBeGreaterThanOrEqual(c.from);
          expect(layout.to).toBeLessThanOrEqual(c.to);
          expect(layout.from).toBeLessThanOrEqual(layout.to);
          if (layout.server) expect(c.servers).toContain(layout.server);
          let seenOptional = false;
          layout.params.forEach((p, i) => {
            expect(p.name).toMatch(/^[a-z][a-zA-Z0-9]*$/);
            if (p.rest) expect(i).toBe(layout.params.length - 1);
            if (p.optional) seenOptional = true;
            else expect(seenOptional, `${c.name}: required ${p.name} after an optional parameter`).toBe(false);
            if (p.since !== undefined) {
              expect(p.since).toBeGreaterThanOrEqual(c.from);
              expect(p.since).toBeLessThanOrEqual(layout.to);
            }
            if (p.until !== undefined) {
              expect(p.until).toBeGreaterThanOrEqual(layout.from);
              expect(p.until).toBeGreaterThanOrEqual(p.since ?? layout.from);
            }
          });
          // Parameter names are unique among those that exist at any one version.
          for (let v = layout.from; v <= layout.to; v++) {
            const names = layout.params
              .filter((p) => (p.since ?? 0) <= v && v <= (p.until ?? 99))
              .map((p) => p.name);
            expect(new Set(names).size, `${c.name} v${v}: ${names.join(',')}`).toBe(names.length);
          }
        }
      });
    });
  }
});

describe('command table facts', () => {
  it('QRY: the client form carries a payload, the reply does not', () => {
    expect(spec('QRY').c2s?.payload).toBe(true);
    expect(spec('QRY').s2c?.payload).toBe(false);
  });

  it('CHG, ILN, NLN, FLN, SYN, USR, XFR, UUX replies: trailing numbers are never payload lengths', () => {
    for (const name of ['CHG', 'ILN', 'NLN', 'FLN', 'SYN', 'USR', 'XFR', 'BLP', 'GTC', 'LST']) {
      for (const dir of DIRS) expect(spec(name)[dir]?.payload ?? false, `${name} ${dir}`).toBe(false);
    }
    expect(spec('UUX').s2c?.payload).toBe(false);
    expect(spec('UUX').c2s?.payload).toBe(true);
  });

  it('payload commands per matrix B', () => {
    // GET's client form and DEL's server form are assumptions (see their notes).
    const c2s = ['QRY', 'SDC', 'PAG', 'PGD', 'UUX', 'ADL', 'RML', 'UUN', 'FQY', 'UUM', 'PUT', 'DEL', 'SDG', 'VAS', 'MSG', 'GET'];
    const s2c = ['MSG', 'NOT', 'IPG', 'GCF', 'UBX', 'ADL', 'RML', 'UBN', 'FQY', 'UBM', 'NFY', 'PUT', 'DEL', 'SDG', 'GET', 'FSL'];
    for (const c of COMMAND_TABLE) {
      expect(c.c2s?.payload ?? false, `${c.name} c2s`).toBe(c2s.includes(c.name));
      expect(c.s2c?.payload ?? false, `${c.name} s2c`).toBe(s2c.includes(c.name));
    }
  });

  it('directions that never happen are null', () => {
    for (const n of ['ILN', 'NLN', 'FLN', 'BPR', 'NOT', 'IPG', 'RNG', 'UBX', 'UBN', 'UBM', 'NFY', 'QNG', 'IRO', 'JOI', 'BYE', 'ACK', 'NAK']) {
      expect(spec(n).c2s, n).toBeNull();
    }
    for (const n of ['PNG', 'PAG', 'PGD', 'UUM', 'VAS']) expect(spec(n).s2c, n).toBeNull();
  });

  it('version ranges', () => {
    const ranges: Record<string, [number, number]> = {
      INF: [2, 7], ADD: [2, 9], REA: [2, 9], ADC: [10, 12], SYN: [2, 12], LST: [2, 12], LSG: [7, 12],
      CHL: [6, 21], QRY: [6, 21], PAG: [5, 8], PGD: [9, 18], ADL: [13, 21], UUX: [11, 21], FQY: [14, 21],
      NFY: [18, 21], SDG: [18, 21], FSL: [21, 21], ILN: [2, 17], NLN: [2, 20], ANS: [2, 20], IMS: [3, 21],
    };
    for (const [n, [from, to]] of Object.entries(ranges)) expect([spec(n).from, spec(n).to], n).toEqual([from, to]);
  });

  it('since: LST N= F= C= from MSNP10, network id from MSNP12', () => {
    const lst = allParams('LST', 's2c');
    for (const prefix of ['N=', 'F=', 'C=']) {
      const withPrefix = lst.filter((p) => p.pattern?.source === `^${prefix}`);
      expect(withPrefix.length, prefix).toBeGreaterThan(0);
      for (const p of withPrefix) expect(p.since, prefix).toBe(10);
    }
    expect(lst.filter((p) => p.name === 'networkId').every((p) => p.since === 12)).toBe(true);
  });

  it('since: SYN settings version from MSNP10, reply counts from MSNP8', () => {
    for (const dir of DIRS) expect(allParams('SYN', dir).find((p) => p.name === 'settingsVersion')?.since).toBe(10);
    expect(allParams('SYN', 's2c').find((p) => p.name === 'contactCount')?.since).toBe(8);
  });

  it('since: ILN/NLN/FLN network id and icon URL from MSNP14', () => {
    for (const n of ['ILN', 'NLN', 'FLN']) {
      const ps = allParams(n, 's2c');
      const nid = ps.filter((p) => p.name === 'networkId');
      expect(nid.length, n).toBeGreaterThan(0);
      for (const p of nid) {
        expect(p.since, n).toBe(14);
        expect(p.decode).toBe('nid');
      }
      for (const p of ps.filter((q) => q.name === 'presenceIconUrl')) expect(p.since).toBe(14);
    }
  });

  it('since: caps from 8 (until 15), caps:capsex from 16, nid:handle from 18', () => {
    for (const n of ['CHG', 'ILN', 'NLN']) {
      const caps = allParams(n, 's2c').filter((p) => p.decode === 'caps');
      expect(caps.length, n).toBeGreaterThan(0);
      for (const p of caps) {
        expect(p.since, n).toBe(8);
        expect(p.until, n).toBe(15);
      }
    }
    for (const n of ['CHG', 'ILN', 'NLN', 'FLN', 'IRO', 'JOI']) {
      const capsEx = allParams(n, 's2c').filter((p) => p.decode === 'capsEx');
      expect(capsEx.length, n).toBeGreaterThan(0);
      for (const p of capsEx) expect(p.since, n).toBe(16);
    }
    for (const n of ['NLN', 'FLN', 'UBX']) {
      const last = spec(n).s2c?.layouts.find((l) => l.from === 18);
      const nidHandle = last?.params.find((p) => p.decode === 'nidHandle');
      expect(nidHandle?.since, n).toBe(18);
    }
  });

  it('since: other version-introduced parameters', () => {
    const find = (n: string, dir: Direction, name: string) => allParams(n, dir).find((p) => p.name === name);
    expect(find('CHG', 'c2s', 'msnObject')?.since).toBe(9);
    expect(find('CVR', 'c2s', 'clientId')?.since).toBe(4);
    expect(find('CVR', 'c2s', 'handle')?.since).toBe(8);
    expect(find('USR', 's2c', 'verified')?.since).toBe(6);
    expect(find('USR', 's2c', 'restricted')?.since).toBe(8);
    expect(find('QNG', 's2c', 'seconds')?.since).toBe(9);
    expect(find('XFR', 's2c', 'unused')?.since).toBe(3);
    expect(find('XFR', 's2c', 'currentServer')?.since).toBe(7);
    expect(find('XFR', 's2c', 'directConnect')?.since).toBe(14);
    expect(find('RNG', 's2c', 'constantU')?.since).toBe(13);
    expect(find('RNG', 's2c', 'directConnect')?.since).toBe(14);
    expect(find('IRO', 's2c', 'capabilities')?.since).toBe(12);
    expect(find('JOI', 's2c', 'capabilities')?.since).toBe(12);
    expect(find('ADD', 'c2s', 'groupId')?.since).toBe(7);
    expect(find('REM', 's2c', 'listVersion')?.until).toBe(9);
  });

  it('NS and SB forms of USR and MSG are told apart by server', () => {
    const usr = spec('USR');
    expect(usr.c2s?.layouts.some((l) => l.server === 'SB')).toBe(true);
    expect(usr.s2c?.layouts.some((l) => l.server === 'SB')).toBe(true);
    expect(usr.s2c?.layouts.some((l) => l.server === 'NS')).toBe(true);
    expect(spec('MSG').c2s?.layouts.every((l) => l.server === 'SB')).toBe(true);
  });

  it('thin entries say which reading was taken', () => {
    for (const n of ['GSB', 'LKP', 'RFS', 'GET', 'FSL', 'NLN', 'FLN', 'ILN', 'UBX', 'BLP']) expect(spec(n).note, n).toBeTruthy();
  });

  it('commandSpec looks names up exactly', () => {
    expect(commandSpec('VER')?.title).toBe('Version negotiation');
    expect(commandSpec('ver')).toBeUndefined();
    expect(commandSpec('200')).toBeUndefined();
  });
});
