import { describe, expect, it } from 'vitest';
import { queryString } from '../../web/src/lib/api.js';
import { EMPTY_FILTER, couldMatch, filterFromParams, filterParams, formatCommands, frameQuery, isEmptyFilter, parseCommands } from '../../web/src/lib/filters.js';
import { keyAction } from '../../web/src/lib/keys.js';
import { frame } from './fakes.js';

describe('filters', () => {
  it('parses the command box: upper case, deduplicated, raw for unframed bytes', () => {
    expect(parseCommands(' msg, CHG  raw,msg ')).toEqual(['MSG', 'CHG', '']);
    expect(formatCommands(['MSG', ''])).toBe('MSG,raw');
    expect(parseCommands('')).toEqual([]);
  });

  it('round-trips through URL parameters and drops malformed values', () => {
    const f = { ...EMPTY_FILTER, session: 3, connection: 7, commands: ['MSG', ''], dir: 's2c' as const, version: 'MSNP12', trId: 0, errors: true, q: 'bob' };
    expect(filterFromParams(filterParams(f))).toEqual(f);
    expect(filterFromParams(new URLSearchParams('session=-1&dir=up&version=MSNP&trId=1e3&errors=yes'))).toEqual(EMPTY_FILTER);
    expect(isEmptyFilter({ ...EMPTY_FILTER, q: '  ' })).toBe(true);
  });

  it('builds the REST query (FrameQuery) and its query string', () => {
    const q = frameQuery({ ...EMPTY_FILTER, commands: [''], errors: true, q: ' x ' }, 500, 500);
    expect(q).toEqual({ offset: 500, limit: 500, command: '', errors: true, q: 'x' });
    expect(queryString(q)).toBe('?offset=500&limit=500&command=&errors=true&q=x');
    expect(queryString({})).toBe('');
    expect(queryString({ handle: 'a b&c', before: 5, limit: 201 })).toBe('?handle=a+b%26c&before=5&limit=201');
  });

  it('rules out live frames only on exact fields', () => {
    const f = frame(5); // MSG, s2c, session 1
    expect(couldMatch({ ...EMPTY_FILTER, commands: ['MSG'] }, f)).toBe(true);
    expect(couldMatch({ ...EMPTY_FILTER, commands: ['CHG'] }, f)).toBe(false);
    expect(couldMatch({ ...EMPTY_FILTER, session: 2 }, f)).toBe(false);
    expect(couldMatch({ ...EMPTY_FILTER, dir: 'c2s' }, f)).toBe(false);
    expect(couldMatch({ ...EMPTY_FILTER, q: 'anything', errors: true }, f)).toBe(true);
  });
});

describe('keyboard', () => {
  it('maps keys to actions, leaving text fields alone except for Escape', () => {
    expect(keyAction({ key: 'j', inField: false })).toBe('down');
    expect(keyAction({ key: 'ArrowUp', inField: false })).toBe('up');
    expect(keyAction({ key: 'Enter', inField: false })).toBe('open');
    expect(keyAction({ key: '/', inField: false })).toBe('focus-filter');
    expect(keyAction({ key: 'j', inField: true })).toBe(null);
    expect(keyAction({ key: 'Escape', inField: true })).toBe('escape');
    expect(keyAction({ key: 'k', ctrlKey: true, inField: false })).toBe(null);
  });
});
