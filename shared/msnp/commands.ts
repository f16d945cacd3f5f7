// THE command table: every MSNP2–MSNP21 command of the dispatch, notification and switchboard servers.
// Framing (payload rules), parameter names, version highlighting and filters all read from here.
// Facts come from the MSNP matrix (tables A, B, D) and the msnp-wiki command pages; where those sources
// are thin or conflict, the entry's `note` says which reading was taken.
//
// Layouts are tried in order (see layout.ts): the first whose version range holds the version, whose
// `server` matches and whose tokens fit wins. A parameter's `since`/`until` drop it outside its
// versions, so one layout can cover a range in which parameters were added or removed.
import type { CommandSpec, DirectionSpec, Layout, ParamSpec, ServerKind } from './types.js';

// ---------------------------------------------------------------------------------------------
// Shared parameter specs

const UINT = /^\d+$/;
/** A handle that is not in the MSNP18 `nid:handle` form. */
const NOT_NID_PREFIXED = /^(?!\d+:)/;

const HANDLE: ParamSpec = { name: 'handle', doc: 'account e-mail address' };
const PLAIN_HANDLE: ParamSpec = { ...HANDLE, pattern: NOT_NID_PREFIXED };
const FRIENDLY: ParamSpec = { name: 'friendlyName', decode: 'url' };
const STATUS: ParamSpec = { name: 'status', decode: 'status', pattern: /^[A-Z]{3}$/ };
const LENGTH: ParamSpec = { name: 'length', decode: 'length', pattern: UINT, doc: 'payload size in bytes' };
const LIST: ParamSpec = { name: 'list', decode: 'list', literal: ['FL', 'AL', 'BL', 'RL', 'PL'] };
const LIST_VERSION: ParamSpec = { name: 'listVersion', pattern: UINT, doc: 'contact list version' };
/** List version of replies that lost it in MSNP10 (kept with ABCHMigrated: 0, see the extra layouts). */
const LIST_VERSION_TO_9: ParamSpec = { ...LIST_VERSION, until: 9 };
/** SYN's list version: an ISO timestamp with ABCHMigrated: 1 (MSNP10+), so no numeric pattern. */
const SYNC_LIST_VERSION: ParamSpec = { name: 'listVersion', doc: 'contact list version (a timestamp with ABCHMigrated: 1)' };
const GROUP_ID: ParamSpec = { name: 'groupId', doc: 'group number (a GUID with ABCHMigrated: 1)' };
const GROUP_NAME: ParamSpec = { name: 'groupName', decode: 'url' };
const UNUSED_ZERO: ParamSpec = { name: 'unused', literal: ['0'], doc: 'always 0' };
const LIST_BITS: ParamSpec = { name: 'listBits', since: 8, decode: 'listBits', pattern: UINT };
const GROUP_IDS: ParamSpec = { name: 'groupIds', optional: true, doc: 'comma-separated group ids or GUIDs' };
const NETWORK_ID: ParamSpec = { name: 'networkId', since: 14, decode: 'nid', pattern: UINT };
const CAPS_EX_PATTERN = /^\d+:\d+$/;
const MSNOBJ: ParamSpec = { name: 'msnObject', since: 9, optional: true, decode: 'msnobj' };
const ICON_URL: ParamSpec = { name: 'presenceIconUrl', since: 14, optional: true };
const ADDRESS: ParamSpec = { name: 'address', decode: 'hostPort' };
const COOKIE: ParamSpec = { name: 'cookie', doc: 'switchboard authentication cookie' };
const CKI: ParamSpec = { name: 'authMethod', literal: ['CKI'] };
const SESSION_ID: ParamSpec = { name: 'sessionId', pattern: UINT };
const PROPERTY: ParamSpec = { name: 'property', decode: 'property', pattern: /^[A-Z]{3}$/ };
const PROPERTY_VALUE: ParamSpec = { name: 'value', decode: 'url', optional: true };
const OK: ParamSpec = { name: 'result', literal: ['OK'] };
const SECURITY_PACKAGE: ParamSpec = { name: 'securityPackage', doc: 'authentication scheme' };
const INDEX: ParamSpec = { name: 'index', pattern: UINT };
const TOTAL: ParamSpec = { name: 'total', pattern: UINT };
/** Catch-all for commands whose layout no source documents. */
const ARGS: ParamSpec = { name: 'args', rest: true, optional: true, doc: 'layout undocumented; tokens kept as sent' };

/** Capabilities: plain decimal until MSNP15, `caps:capsex` from MSNP16. */
function capabilities(since: number): ParamSpec[] {
  const capsEx: ParamSpec = { name: 'capabilities', since: 16, optional: true, decode: 'capsEx', pattern: CAPS_EX_PATTERN };
  if (since >= 16) return [capsEx];
  return [{ name: 'capabilities', since, until: 15, optional: true, decode: 'caps', pattern: UINT }, capsEx];
}

/** `nid:handle` (MSNP18; also accepted from 16, see the presence notes). */
function nidHandle(since: number): ParamSpec {
  return { name: 'handle', since, decode: 'nidHandle', pattern: /^\d+:\S/, doc: 'network-id:handle' };
}

/** Switchboard handle: `handle;{machine-guid}` from MSNP16. */
const SB_HANDLE: readonly ParamSpec[] = [
  { ...HANDLE, until: 15 },
  { ...HANDLE, since: 16, decode: 'handleGuid', doc: 'handle;{machine-guid}' },
];

// ---------------------------------------------------------------------------------------------
// Builders (data only: they just fill in the Layout / DirectionSpec fields)

function layout(
  from: number, to: number, trId: boolean, params: readonly ParamSpec[],
  extra: { server?: ServerKind; note?: string } = {},
): Layout {
  return { from, to, trId, params, ...extra };
}

function dir(payload: boolean, ...layouts: Layout[]): DirectionSpec {
  return { payload, layouts };
}

/** For commands without a documented layout: TrID first if the first token is numeric, else raw. */
function unknownLayouts(from: number, to: number, payload: boolean): Layout[] {
  return [
    ...(payload ? [layout(from, to, true, [LENGTH], { note: 'assumed: trid length' })] : []),
    layout(from, to, true, [ARGS], { note: 'undocumented' }),
    layout(from, to, false, [ARGS], { note: 'undocumented' }),
  ];
}

/** GTC/BLP replies: with the list version, without it (MSNP10+), and inside a SYN batch (MSNP8+). */
function settingReplies(setting: ParamSpec, to: number): Layout[] {
  return [
    layout(2, to, true, [LIST_VERSION_TO_9, setting], { note: 'reply (and, MSNP2-7, inside a SYN batch)' }),
    layout(10, 12, true, [LIST_VERSION, setting], { note: 'reply with ABCHMigrated: 0' }),
    layout(8, 12, false, [setting], { note: 'inside a SYN batch' }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Dispatch / notification server

const NS_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'VER', title: 'Version negotiation', servers: ['DS', 'NS'], from: 2, to: 21,
    c2s: dir(false, layout(2, 21, true, [{ name: 'dialects', rest: true, doc: 'offered dialects, e.g. MSNP8 CVR0' }])),
    s2c: dir(false, layout(2, 21, true, [{ name: 'dialects', rest: true, doc: 'chosen dialect (0 = none acceptable)' }])),
  },
  {
    name: 'CVQ', title: 'Client version query (CVR0)', servers: ['DS', 'NS'], from: 2, to: 21,
    note: 'Only in the CVR0 sub-protocol; the client-id (4+) and user handle (8+) are treated as optional.',
    c2s: dir(false, layout(2, 21, true, [
      { name: 'locale', decode: 'lcid' }, { name: 'osType' }, { name: 'osVersion' }, { name: 'cpuArch' },
      { name: 'library' }, { name: 'clientVersion' },
      { name: 'clientId', since: 4, optional: true, doc: 'empty until MSNP8' },
      { ...HANDLE, since: 8, optional: true },
    ])),
    s2c: dir(false, layout(2, 21, true, [
      { name: 'recommendedVersion' }, { name: 'recommendedVersion2' }, { name: 'minimumVersion' },
      { name: 'downloadUrl' }, { name: 'infoUrl', optional: true },
    ])),
  },
  {
    name: 'CVR', title: 'Client version report', servers: ['DS', 'NS'], from: 2, to: 21,
    note: 'Sent after login in MSNP2-7, before USR (also to the DS) from MSNP8. Reply URLs are optional (MSNP13 examples omit them).',
    c2s: dir(false, layout(2, 21, true, [
      { name: 'locale', decode: 'lcid' }, { name: 'osType' }, { name: 'osVersion' }, { name: 'cpuArch' },
      { name: 'library' }, { name: 'clientVersion' },
      { name: 'clientId', since: 4, optional: true },
      { ...HANDLE, since: 8, optional: true },
      { name: 'transferInfo', since: 21, optional: true, doc: 'base64 "Version: 1, XfrCount: n"' },
    ])),
    s2c: dir(false, layout(2, 21, true, [
      { name: 'recommendedVersion' }, { name: 'recommendedVersion2' }, { name: 'minimumVersion' },
      { name: 'downloadUrl', optional: true }, { name: 'infoUrl', optional: true },
    ])),
  },
  {
    name: 'INF', title: 'Authentication methods', servers: ['DS', 'NS'], from: 2, to: 7,
    c2s: dir(false, layout(2, 7, true, [])),
    s2c: dir(false, layout(2, 7, true, [{ name: 'securityPackages', rest: true, doc: 'MD5 (and CTP in MSNP2)' }])),
  },
  {
    name: 'USR', title: 'Authentication', servers: ['DS', 'NS', 'SB'], from: 2, to: 21,
    note: 'Unknown security packages (and the wiki sessions\' "MDS" typo) fall through to a generic layout.',
    c2s: dir(false,
      layout(2, 21, true, [{ ...SECURITY_PACKAGE, literal: ['CTP', 'MD5', 'TWN', 'SSO'] }, { name: 'stage', literal: ['I'] }, HANDLE], { note: 'initial request' }),
      layout(2, 2, true, [{ ...SECURITY_PACKAGE, literal: ['CTP'] }, { name: 'stage', literal: ['S'] }, { name: 'password' }]),
      layout(2, 7, true, [{ ...SECURITY_PACKAGE, literal: ['MD5'] }, { name: 'stage', literal: ['S'] }, { name: 'digest', doc: 'md5hex(salt + password)' }]),
      layout(8, 14, true, [{ ...SECURITY_PACKAGE, literal: ['TWN'] }, { name: 'stage', literal: ['S'] }, { name: 'ticket', doc: 'Passport compact token' }]),
      layout(15, 21, true, [
        { ...SECURITY_PACKAGE, literal: ['SSO'] }, { name: 'stage', literal: ['S'] }, { name: 'ticket' },
        { name: 'response', optional: true, doc: 'base64 MBI_KEY_OLD response' },
        { name: 'machineGuid', since: 16, optional: true },
      ]),
      layout(18, 21, true, [{ ...SECURITY_PACKAGE, literal: ['SHA'] }, { name: 'stage', literal: ['A'] }, { name: 'ticket', doc: 'base64 circle ticket' }], { note: 'circle authentication' }),
      layout(2, 20, true, [...SB_HANDLE, COOKIE], { server: 'SB' }),
      layout(2, 21, true, [{ ...SECURITY_PACKAGE, pattern: /^[A-Z0-9]{3}$/ }, { name: 'stage', literal: ['I', 'S'] }, ARGS], { note: 'unknown security package' }),
    ),
    s2c: dir(false,
      layout(2, 2, true, [{ ...SECURITY_PACKAGE, literal: ['CTP'] }, { name: 'stage', literal: ['S'] }]),
      layout(2, 7, true, [{ ...SECURITY_PACKAGE, literal: ['MD5'] }, { name: 'stage', literal: ['S'] }, { name: 'salt' }]),
      layout(8, 14, true, [{ ...SECURITY_PACKAGE, literal: ['TWN'] }, { name: 'stage', literal: ['S'] }, { name: 'ticketParams', doc: 'Passport login parameters' }]),
      layout(15, 21, true, [{ ...SECURITY_PACKAGE, literal: ['SSO'] }, { name: 'stage', literal: ['S'] }, { name: 'policy' }, { name: 'nonce' }]),
      layout(2, 9, true, [
        OK, HANDLE, FRIENDLY,
        { name: 'verified', since: 6, optional: true, decode: 'bool01', pattern: /^[01]$/ },
        { name: 'restricted', since: 8, optional: true, decode: 'bool01', pattern: /^[01]$/ },
      ], { server: 'NS', note: 'logged in' }),
      layout(10, 21, true, [
        OK, HANDLE,
        { name: 'verified', since: 6, optional: true, decode: 'bool01', pattern: /^[01]$/ },
        { name: 'restricted', since: 8, optional: true, decode: 'bool01', pattern: /^[01]$/ },
      ], { server: 'NS', note: 'logged in (friendly name moved to PRP MFN)' }),
      layout(2, 20, true, [OK, ...SB_HANDLE, FRIENDLY], { server: 'SB' }),
      layout(2, 21, true, [{ ...SECURITY_PACKAGE, pattern: /^[A-Z0-9]{3}$/ }, { name: 'stage', literal: ['S'] }, ARGS], { note: 'unknown security package' }),
    ),
  },
  {
    name: 'XFR', title: 'Transfer to another server', servers: ['DS', 'NS'], from: 2, to: 21,
    c2s: dir(false, layout(2, 21, true, [{ name: 'serverType', literal: ['NS', 'SB'] }])),
    s2c: dir(false,
      layout(2, 21, true, [{ name: 'serverType', literal: ['NS'] }, { ...ADDRESS, literal: ['0'] }], { note: 'forced soft reset: restart from VER' }),
      layout(2, 12, true, [
        { name: 'serverType', literal: ['NS'] }, ADDRESS,
        { name: 'unused', since: 3, literal: ['0'] },
        { name: 'currentServer', since: 7, decode: 'hostPort' },
      ]),
      layout(13, 21, true, [
        { name: 'serverType', literal: ['NS'] }, ADDRESS,
        { name: 'constantU', since: 13, literal: ['U'] },
        { name: 'constantD', since: 13, literal: ['D'] },
        { name: 'transferInfo', since: 21, optional: true, doc: 'base64 hop blob' },
      ]),
      layout(2, 20, true, [
        { name: 'serverType', literal: ['SB'] }, ADDRESS, CKI, COOKIE,
        { name: 'constantU', since: 13, literal: ['U'] },
        { name: 'domain', since: 13, doc: 'messenger.msn.com' },
        { name: 'directConnect', since: 14, decode: 'bool01', pattern: /^[01]$/, doc: '1 = reachable over TCP' },
      ]),
    ),
  },
  {
    name: 'OUT', title: 'Sign out', servers: ['DS', 'NS', 'SB'], from: 2, to: 21,
    c2s: dir(false, layout(2, 21, false, [])),
    s2c: dir(false, layout(2, 21, false, [
      { name: 'reason', optional: true, decode: 'outReason', pattern: /^[A-Z]{3}$/ },
      { name: 'minutes', since: 11, optional: true, pattern: UINT, doc: 'RCT: reconnect after this many minutes' },
    ])),
  },
  {
    name: 'SYN', title: 'Synchronise lists', servers: ['NS'], from: 2, to: 12,
    note: 'The trailing counts of the reply are not payload lengths; they are omitted when nothing changed.',
    c2s: dir(false, layout(2, 12, true, [SYNC_LIST_VERSION, { name: 'settingsVersion', since: 10 }])),
    s2c: dir(false, layout(2, 12, true, [
      SYNC_LIST_VERSION,
      { name: 'settingsVersion', since: 10 },
      { name: 'contactCount', since: 8, optional: true, pattern: UINT },
      { name: 'groupCount', since: 8, optional: true, pattern: UINT },
    ])),
  },
  {
    name: 'GTC', title: 'Reverse-list prompt setting', servers: ['NS'], from: 2, to: 12,
    c2s: dir(false, layout(2, 12, true, [{ name: 'setting', decode: 'gtc', literal: ['A', 'N'] }])),
    s2c: dir(false, ...settingReplies({ name: 'setting', decode: 'gtc', literal: ['A', 'N'] }, 12)),
  },
  {
    name: 'BLP', title: 'Privacy mode', servers: ['NS'], from: 2, to: 21,
    note: 'Live through MSNP18 at least (WLM 8 and MSNPSharp 3.1 send it); MSNPSharp\'s MSNP21 does not.',
    c2s: dir(false, layout(2, 21, true, [{ name: 'setting', decode: 'blp', literal: ['AL', 'BL'] }])),
    s2c: dir(false, ...settingReplies({ name: 'setting', decode: 'blp', literal: ['AL', 'BL'] }, 21)),
  },
  {
    name: 'LST', title: 'List contacts', servers: ['NS'], from: 2, to: 12,
    note: 'MSNP10 with ABCHMigrated: 0 may omit C= (W lst.md); both forms are accepted.',
    c2s: dir(false, layout(2, 8, true, [{ ...LIST, literal: ['FL', 'AL', 'BL', 'RL'] }])),
    s2c: dir(false,
      layout(2, 7, true, [
        LIST, LIST_VERSION, INDEX, TOTAL,
        { ...HANDLE, optional: true }, { ...FRIENDLY, optional: true },
        { ...GROUP_IDS, since: 7 },
      ], { note: 'one LST per list entry; empty list: index and total 0' }),
      layout(8, 9, false, [HANDLE, FRIENDLY, LIST_BITS, GROUP_IDS], { note: 'inside a SYN batch' }),
      layout(10, 12, false, [
        { ...HANDLE, since: 10, pattern: /^N=/, doc: 'N=handle' },
        { ...FRIENDLY, since: 10, pattern: /^F=/, doc: 'F=friendly name' },
        { name: 'contactGuid', since: 10, pattern: /^C=/, doc: 'C=contact GUID (the handle with ABCHMigrated: 0)' },
        LIST_BITS,
        { ...NETWORK_ID, since: 12 },
        GROUP_IDS,
      ], { note: 'inside a SYN batch' }),
      layout(10, 12, false, [
        { ...HANDLE, since: 10, pattern: /^N=/ },
        { ...FRIENDLY, since: 10, pattern: /^F=/ },
        LIST_BITS,
        { ...NETWORK_ID, since: 12 },
        GROUP_IDS,
      ], { note: 'inside a SYN batch, without C=' }),
    ),
  },
  {
    name: 'LSG', title: 'List groups', servers: ['NS'], from: 7, to: 12,
    c2s: dir(false, layout(7, 8, true, [])),
    s2c: dir(false,
      layout(7, 7, true, [LIST_VERSION, INDEX, TOTAL, GROUP_ID, GROUP_NAME, UNUSED_ZERO]),
      layout(8, 9, false, [{ ...GROUP_ID, pattern: UINT }, GROUP_NAME, UNUSED_ZERO], { note: 'inside a SYN batch' }),
      layout(10, 12, false, [GROUP_NAME, GROUP_ID], { note: 'inside a SYN batch' }),
    ),
  },
  {
    name: 'ADD', title: 'Add contact', servers: ['NS'], from: 2, to: 9,
    c2s: dir(false, layout(2, 9, true, [LIST, HANDLE, FRIENDLY, { ...GROUP_ID, since: 7, optional: true }])),
    s2c: dir(false, layout(2, 9, true, [LIST, LIST_VERSION, HANDLE, FRIENDLY, { ...GROUP_ID, since: 7, optional: true }])),
  },
  {
    name: 'ADC', title: 'Add contact', servers: ['NS'], from: 10, to: 12,
    c2s: dir(false,
      layout(10, 12, true, [{ ...LIST, literal: ['FL'] }, { name: 'contactGuid', pattern: /^C=/ }, GROUP_ID], { note: 'add to a group' }),
      layout(10, 12, true, [LIST, { ...HANDLE, pattern: /^N=/ }, { ...FRIENDLY, pattern: /^F=/, optional: true }]),
    ),
    s2c: dir(false,
      layout(10, 12, true, [{ ...LIST, literal: ['FL'] }, { name: 'contactGuid', pattern: /^C=/ }, GROUP_ID], { note: 'added to a group' }),
      layout(10, 12, true, [
        LIST, { ...HANDLE, pattern: /^N=/ },
        { ...FRIENDLY, pattern: /^F=/, optional: true },
        { name: 'contactGuid', pattern: /^C=/, optional: true },
      ]),
    ),
  },
  {
    name: 'REM', title: 'Remove contact', servers: ['NS'], from: 2, to: 12,
    c2s: dir(false, layout(2, 12, true, [LIST, { ...HANDLE, doc: 'handle, or contact GUID for FL from MSNP10' }, { ...GROUP_ID, since: 7, optional: true }])),
    s2c: dir(false, layout(2, 12, true, [LIST, LIST_VERSION_TO_9, HANDLE, { ...GROUP_ID, since: 7, optional: true }])),
  },
  {
    name: 'REA', title: 'Rename contact', servers: ['NS'], from: 2, to: 9,
    c2s: dir(false, layout(2, 9, true, [HANDLE, FRIENDLY])),
    s2c: dir(false, layout(2, 9, true, [LIST_VERSION, HANDLE, FRIENDLY])),
  },
  {
    name: 'ADG', title: 'Add group', servers: ['NS'], from: 7, to: 12,
    c2s: dir(false, layout(7, 12, true, [GROUP_NAME, { ...UNUSED_ZERO, until: 9, optional: true }])),
    s2c: dir(false, layout(7, 12, true, [LIST_VERSION_TO_9, GROUP_NAME, GROUP_ID, { ...UNUSED_ZERO, until: 9, optional: true }])),
  },
  {
    name: 'REG', title: 'Rename group', servers: ['NS'], from: 7, to: 12,
    c2s: dir(false, layout(7, 12, true, [GROUP_ID, GROUP_NAME, { ...UNUSED_ZERO, until: 9, optional: true }])),
    s2c: dir(false, layout(7, 12, true, [LIST_VERSION_TO_9, GROUP_ID, GROUP_NAME, { ...UNUSED_ZERO, until: 9, optional: true }])),
  },
  {
    name: 'RMG', title: 'Remove group', servers: ['NS'], from: 7, to: 12,
    c2s: dir(false, layout(7, 12, true, [GROUP_ID])),
    s2c: dir(false, layout(7, 12, true, [LIST_VERSION_TO_9, GROUP_ID])),
  },
  {
    name: 'SBP', title: 'Set contact property', servers: ['NS'], from: 10, to: 12,
    c2s: dir(false, layout(10, 12, true, [{ name: 'contactGuid' }, PROPERTY, { ...PROPERTY_VALUE, optional: false }, { name: 'flag', since: 11, optional: true, doc: '1 when setting PHM' }])),
    s2c: dir(false, layout(10, 12, true, [{ name: 'contactGuid' }, PROPERTY, { ...PROPERTY_VALUE, optional: false }, { name: 'flag', since: 11, optional: true }])),
  },
  {
    name: 'PRP', title: 'Own property', servers: ['NS'], from: 5, to: 21,
    c2s: dir(false, layout(5, 21, true, [PROPERTY, PROPERTY_VALUE])),
    s2c: dir(false,
      layout(5, 21, true, [LIST_VERSION_TO_9, PROPERTY, PROPERTY_VALUE], { note: 'reply (and, MSNP5-7, inside a SYN batch)' }),
      layout(10, 12, true, [LIST_VERSION, PROPERTY, PROPERTY_VALUE], { note: 'reply with ABCHMigrated: 0' }),
      layout(8, 12, false, [PROPERTY, PROPERTY_VALUE], { note: 'inside a SYN batch' }),
    ),
  },
  {
    name: 'BPR', title: 'Contact property', servers: ['NS'], from: 5, to: 12,
    c2s: null,
    s2c: dir(false,
      layout(5, 12, false, [LIST_VERSION_TO_9, HANDLE, PROPERTY, PROPERTY_VALUE]),
      layout(10, 12, false, [LIST_VERSION, HANDLE, PROPERTY, PROPERTY_VALUE], { note: 'with ABCHMigrated: 0' }),
      layout(8, 12, false, [PROPERTY, PROPERTY_VALUE], { note: 'inside a SYN batch: applies to the preceding LST' }),
    ),
  },
  {
    name: 'CHG', title: 'Change presence', servers: ['NS'], from: 2, to: 21,
    note: 'Capabilities and MSNObject are optional in both directions (the wiki examples omit them).',
    c2s: dir(false, layout(2, 21, true, [STATUS, ...capabilities(8), MSNOBJ])),
    s2c: dir(false, layout(2, 21, true, [STATUS, ...capabilities(8), MSNOBJ], { note: 'echo, or async with TrID 0' })),
  },
  {
    name: 'ILN', title: 'Initial presence', servers: ['NS'], from: 2, to: 17,
    note: 'MSNP16-17: both the separate network id (W, Escargot) and the `nid:handle` form (NINA) are accepted.',
    c2s: null,
    s2c: dir(false,
      layout(2, 17, true, [STATUS, PLAIN_HANDLE, NETWORK_ID, FRIENDLY, ...capabilities(8), MSNOBJ, ICON_URL]),
      layout(16, 17, true, [STATUS, nidHandle(16), FRIENDLY, ...capabilities(16), MSNOBJ, ICON_URL], { note: 'nid:handle form (NINA MSNP16 reading)' }),
    ),
  },
  {
    name: 'NLN', title: 'Contact presence', servers: ['NS'], from: 2, to: 20,
    note: 'MSNP16-17: both the separate network id (W, Escargot) and the `nid:handle` form (NINA) are accepted. MSNP19-20 assumed like 18.',
    c2s: null,
    s2c: dir(false,
      layout(2, 17, false, [STATUS, PLAIN_HANDLE, NETWORK_ID, FRIENDLY, ...capabilities(8), MSNOBJ, ICON_URL]),
      layout(16, 17, false, [STATUS, nidHandle(16), FRIENDLY, ...capabilities(16), MSNOBJ, ICON_URL], { note: 'nid:handle form (NINA MSNP16 reading)' }),
      layout(18, 20, false, [STATUS, nidHandle(18), FRIENDLY, ...capabilities(16), MSNOBJ]),
    ),
  },
  {
    name: 'FLN', title: 'Contact offline', servers: ['NS'], from: 2, to: 20,
    note: 'MSNP16-17: both the separate network id (W, Escargot) and the `nid:handle` form (NINA) are accepted. MSNP19-20 assumed like 18.',
    c2s: null,
    s2c: dir(false,
      layout(2, 17, false, [PLAIN_HANDLE, { ...NETWORK_ID, optional: true }, ...capabilities(14), ICON_URL]),
      layout(16, 17, false, [nidHandle(16), ...capabilities(16), ICON_URL], { note: 'nid:handle form (NINA MSNP16 reading)' }),
      layout(18, 20, false, [nidHandle(18), ...capabilities(16)]),
    ),
  },
  {
    name: 'CHL', title: 'Challenge', servers: ['NS'], from: 6, to: 21,
    c2s: dir(false, layout(6, 21, true, [])),
    s2c: dir(false, layout(6, 21, true, [{ name: 'challenge' }], { note: 'async with TrID 0' })),
  },
  {
    name: 'QRY', title: 'Challenge response', servers: ['NS'], from: 6, to: 21,
    c2s: dir(true, layout(6, 21, true, [{ name: 'productId', doc: 'public key of the challenge key pair' }, LENGTH])),
    s2c: dir(false, layout(6, 21, true, [])),
  },
  {
    name: 'PNG', title: 'Ping', servers: ['NS'], from: 2, to: 21,
    c2s: dir(false, layout(2, 21, false, [])),
    s2c: null,
  },
  {
    name: 'QNG', title: 'Ping reply', servers: ['NS'], from: 2, to: 21,
    c2s: null,
    s2c: dir(false, layout(2, 21, false, [{ name: 'seconds', since: 9, optional: true, pattern: UINT, doc: 'seconds until the next PNG' }])),
  },
  {
    name: 'URL', title: 'Service URL', servers: ['NS'], from: 2, to: 21,
    note: 'Last version unknown (13+?); kept through 21.',
    c2s: dir(false, layout(2, 21, true, [{ name: 'service' }, { name: 'argument', optional: true }])),
    s2c: dir(false, layout(2, 21, true, [{ name: 'redirectUrl' }, { name: 'loginUrl' }, { name: 'passportSiteId', since: 3, optional: true }])),
  },
  {
    name: 'IMS', title: 'Switchboard access (WebTV)', servers: ['NS'], from: 3, to: 21,
    note: 'WebTV only; last version unknown, kept through 21.',
    c2s: dir(false, layout(3, 21, true, [{ name: 'state', literal: ['ON', 'OFF'] }])),
    s2c: dir(false, layout(3, 21, true, [{ name: 'unknown', doc: 'always 0' }, { name: 'state', literal: ['ON', 'OFF'] }])),
  },
  {
    name: 'FND', title: 'Directory search', servers: ['NS'], from: 2, to: 7,
    c2s: dir(false, layout(2, 7, true, [
      { name: 'firstName', decode: 'url' }, { name: 'lastName', decode: 'url' }, { name: 'city', decode: 'url' },
      { name: 'state' }, { name: 'country' },
    ])),
    s2c: dir(false, layout(2, 7, true, [
      INDEX, TOTAL,
      { name: 'firstName', decode: 'url', optional: true }, { name: 'lastName', decode: 'url', optional: true },
      { name: 'city', decode: 'url', optional: true }, { name: 'state', optional: true }, { name: 'country', optional: true },
    ])),
  },
  {
    name: 'SND', title: 'Send invitation e-mail', servers: ['NS'], from: 2, to: 4,
    c2s: dir(false, layout(2, 4, true, [
      { name: 'address', doc: 'e-mail address or FND index' },
      { name: 'locale', since: 3, optional: true, decode: 'lcid' },
      { name: 'library', since: 3, optional: true },
      { name: 'clientId', since: 4, optional: true },
    ])),
    s2c: dir(false, layout(2, 4, true, [OK])),
  },
  {
    name: 'SDC', title: 'Send invitation e-mail', servers: ['NS'], from: 5, to: 18,
    note: 'Last version uncertain (18?).',
    c2s: dir(true, layout(5, 18, true, [
      { name: 'address', doc: 'e-mail address or FND index' }, { name: 'locale', decode: 'lcid' }, { name: 'library' },
      { name: 'clientId' }, { name: 'unusedX', literal: ['X'] }, { name: 'unusedX2', literal: ['X'] }, FRIENDLY, LENGTH,
    ])),
    s2c: dir(false, layout(5, 18, true, [OK])),
  },
  {
    name: 'MSG', title: 'Message', servers: ['NS', 'SB'], from: 2, to: 21,
    note: 'A client MSG to the NS is invalid (the server disconnects).',
    c2s: dir(true, layout(2, 20, true, [{ name: 'ackType', decode: 'msgAck', literal: ['U', 'N', 'A', 'D'] }, LENGTH], { server: 'SB' })),
    s2c: dir(true,
      layout(2, 21, false, [{ ...HANDLE, doc: 'sender (Hotmail from the NS)' }, FRIENDLY, LENGTH], { server: 'NS' }),
      layout(2, 20, false, [{ ...HANDLE, doc: 'sender' }, FRIENDLY, LENGTH], { server: 'SB' }),
    ),
  },
  {
    name: 'NOT', title: 'Notification (alert)', servers: ['NS'], from: 5, to: 21,
    c2s: null,
    s2c: dir(true, layout(5, 21, false, [LENGTH])),
  },
  {
    name: 'IPG', title: 'Incoming page', servers: ['NS'], from: 6, to: 21,
    c2s: null,
    s2c: dir(true, layout(6, 21, false, [LENGTH])),
  },
  {
    name: 'PAG', title: 'Page a mobile device', servers: ['NS'], from: 5, to: 8,
    c2s: dir(true, layout(5, 8, true, [HANDLE, LENGTH])),
    s2c: null,
  },
  {
    name: 'PGD', title: 'Page a device', servers: ['NS'], from: 9, to: 18,
    note: 'Last version uncertain (18?).',
    c2s: dir(true, layout(9, 18, true, [HANDLE, { name: 'device', decode: 'pgdDevice' }, LENGTH])),
    s2c: null,
  },
  {
    name: 'RNG', title: 'Switchboard invitation', servers: ['NS'], from: 2, to: 20,
    c2s: null,
    s2c: dir(false, layout(2, 20, false, [
      SESSION_ID, ADDRESS, CKI, COOKIE, { ...HANDLE, doc: 'inviter' }, FRIENDLY,
      { name: 'constantU', since: 13, literal: ['U'] },
      { name: 'domain', since: 13, doc: 'messenger.hotmail.com' },
      { name: 'directConnect', since: 14, decode: 'bool01', pattern: /^[01]$/, doc: '1 = reachable over TCP' },
    ])),
  },
  {
    name: 'GCF', title: 'Configuration file', servers: ['NS'], from: 11, to: 21,
    note: 'The async `GCF 0 length` form is accepted from MSNP11 although sources show it from 13.',
    c2s: dir(false, layout(11, 12, true, [{ name: 'filename' }])),
    s2c: dir(true,
      layout(11, 12, true, [{ name: 'filename' }, LENGTH]),
      layout(11, 21, true, [LENGTH], { note: 'policies pushed during login (TrID 0)' }),
    ),
  },
  {
    name: 'SBS', title: 'Unknown (after USR OK)', servers: ['NS'], from: 11, to: 18,
    note: 'Meaning unknown; seen only as `SBS 0 null`.',
    c2s: null,
    s2c: dir(false, layout(11, 18, true, [{ name: 'argument' }])),
  },
  {
    name: 'GSB', title: 'Unknown (MSNP11)', servers: ['NS'], from: 11, to: 21,
    note: 'Listed as new in MSNP11; layout, payload and last version unknown: tokens kept raw.',
    c2s: dir(false, ...unknownLayouts(11, 21, false)),
    s2c: dir(false, ...unknownLayouts(11, 21, false)),
  },
  {
    name: 'LKP', title: 'Unknown (MSNP12)', servers: ['NS'], from: 12, to: 21,
    note: 'Listed as new in MSNP12; layout, payload and last version unknown: tokens kept raw.',
    c2s: dir(false, ...unknownLayouts(12, 21, false)),
    s2c: dir(false, ...unknownLayouts(12, 21, false)),
  },
  {
    name: 'RFS', title: 'Unknown (MSNP13, refresh?)', servers: ['NS'], from: 13, to: 21,
    note: 'Listed as new in MSNP13; layout, payload and last version unknown: tokens kept raw.',
    c2s: dir(false, ...unknownLayouts(13, 21, false)),
    s2c: dir(false, ...unknownLayouts(13, 21, false)),
  },
  {
    name: 'UUX', title: 'Set own personal data', servers: ['NS'], from: 11, to: 21,
    note: 'The reply carries no payload even though its last token is 0.',
    c2s: dir(true, layout(11, 21, true, [LENGTH])),
    s2c: dir(false, layout(11, 21, true, [{ name: 'result', optional: true, doc: 'always 0 (not a length)' }])),
  },
  {
    name: 'UBX', title: 'Contact personal data', servers: ['NS'], from: 11, to: 20,
    note: 'MSNP16-17: both `handle nid` and `nid:handle` accepted. MSNP19-20 assumed like 18.',
    c2s: null,
    s2c: dir(true,
      layout(11, 17, false, [PLAIN_HANDLE, NETWORK_ID, LENGTH]),
      layout(16, 17, false, [nidHandle(16), LENGTH], { note: 'nid:handle form' }),
      layout(18, 20, false, [nidHandle(18), LENGTH]),
    ),
  },
  {
    name: 'ADL', title: 'Add to lists (XML)', servers: ['NS'], from: 13, to: 21,
    c2s: dir(true, layout(13, 21, true, [LENGTH])),
    s2c: dir(true,
      layout(13, 21, true, [OK]),
      layout(13, 21, true, [LENGTH], { note: 'async (TrID 0): someone added you' }),
    ),
  },
  {
    name: 'RML', title: 'Remove from lists (XML)', servers: ['NS'], from: 13, to: 21,
    c2s: dir(true, layout(13, 21, true, [LENGTH])),
    s2c: dir(true,
      layout(13, 21, true, [OK]),
      layout(13, 21, true, [LENGTH], { note: 'async (TrID 0)' }),
    ),
  },
  {
    name: 'UUN', title: 'Send notification to a user', servers: ['NS'], from: 13, to: 21,
    note: 'Last version uncertain (18+); kept through 21.',
    c2s: dir(true, layout(13, 21, true, [{ ...HANDLE, decode: 'handleGuid' }, { name: 'type', decode: 'ubnType', pattern: UINT }, LENGTH])),
    s2c: dir(false, layout(13, 21, true, [OK])),
  },
  {
    name: 'UBN', title: 'Notification from a user', servers: ['NS'], from: 13, to: 21,
    note: 'Last version uncertain (18+); kept through 21.',
    c2s: null,
    s2c: dir(true, layout(13, 21, false, [{ ...HANDLE, decode: 'handleGuid' }, { name: 'type', decode: 'ubnType', pattern: UINT }, LENGTH])),
  },
  {
    name: 'FQY', title: 'Federated network query', servers: ['NS'], from: 14, to: 21,
    c2s: dir(true, layout(14, 21, true, [LENGTH])),
    s2c: dir(true, layout(14, 21, true, [LENGTH])),
  },
  {
    name: 'UUM', title: 'Send federated / offline message', servers: ['NS'], from: 14, to: 21,
    c2s: dir(true, layout(14, 21, true, [
      { ...HANDLE, doc: 'recipient' }, { name: 'networkId', decode: 'nid', pattern: UINT },
      { name: 'type', decode: 'uumType', pattern: UINT }, LENGTH,
    ])),
    s2c: null,
  },
  {
    name: 'UBM', title: 'Federated message', servers: ['NS'], from: 14, to: 21,
    c2s: null,
    s2c: dir(true, layout(14, 21, false, [
      { name: 'fromHandle' }, { name: 'fromNetworkId', decode: 'nid', pattern: UINT },
      { name: 'toHandle' }, { name: 'toNetworkId', decode: 'nid', pattern: UINT },
      { name: 'type', decode: 'uumType', pattern: UINT }, LENGTH,
    ])),
  },
  {
    name: 'NFY', title: 'Notification (multi-MIME)', servers: ['NS'], from: 18, to: 21,
    c2s: null,
    s2c: dir(true, layout(18, 21, false, [{ name: 'operation', literal: ['PUT', 'DEL'] }, LENGTH])),
  },
  {
    name: 'PUT', title: 'Publish (multi-MIME)', servers: ['NS'], from: 18, to: 21,
    c2s: dir(true, layout(18, 21, true, [LENGTH])),
    s2c: dir(true, layout(18, 21, true, [OK, LENGTH])),
  },
  {
    name: 'DEL', title: 'Delete publication (multi-MIME)', servers: ['NS'], from: 18, to: 21,
    note: 'Server form inferred from PUT (`DEL trid OK length`).',
    c2s: dir(true, layout(18, 21, true, [LENGTH])),
    s2c: dir(true, layout(18, 21, true, [OK, LENGTH]), layout(18, 21, true, [LENGTH])),
  },
  {
    name: 'SDG', title: 'Send data (multi-MIME)', servers: ['NS'], from: 18, to: 21,
    c2s: dir(true, layout(18, 21, true, [LENGTH])),
    s2c: dir(true, layout(18, 21, true, [LENGTH], { note: 'inbound with TrID 0' })),
  },
  {
    name: 'GET', title: 'Get (undocumented)', servers: ['NS'], from: 18, to: 21,
    note: 'Only known as a payload command (MSNPSharp); assumed `GET trid length`, anything else kept raw.',
    c2s: dir(true, ...unknownLayouts(18, 21, true)),
    s2c: dir(true, ...unknownLayouts(18, 21, true)),
  },
  {
    name: 'VAS', title: 'Report user', servers: ['NS'], from: 18, to: 21,
    note: 'Argument meanings unknown; last version unknown, kept through 21.',
    c2s: dir(true, layout(18, 21, true, [HANDLE, { name: 'argument1' }, { name: 'argument2' }, LENGTH])),
    s2c: null,
  },
  {
    name: 'FSL', title: 'Undocumented (MSNP21)', servers: ['NS'], from: 21, to: 21,
    note: 'Only known as a payload command (MSNPSharp master); assumed `FSL trid length`, anything else kept raw.',
    c2s: null,
    s2c: dir(true, ...unknownLayouts(21, 21, true)),
  },
];

// ---------------------------------------------------------------------------------------------
// Switchboard (MSNP2–MSNP20; USR, MSG and OUT are in the table above)

const SB_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'ANS', title: 'Answer switchboard invitation', servers: ['SB'], from: 2, to: 20,
    c2s: dir(false, layout(2, 20, true, [...SB_HANDLE, COOKIE, SESSION_ID])),
    s2c: dir(false, layout(2, 20, true, [OK])),
  },
  {
    name: 'CAL', title: 'Invite to switchboard', servers: ['SB'], from: 2, to: 20,
    c2s: dir(false, layout(2, 20, true, [HANDLE])),
    s2c: dir(false, layout(2, 20, true, [{ name: 'state', literal: ['RINGING'] }, SESSION_ID])),
  },
  {
    name: 'IRO', title: 'Switchboard roster', servers: ['SB'], from: 2, to: 20,
    note: 'The `;{guid}` handle and caps:capsex from MSNP16 are inferred from the USR/ANS change.',
    c2s: null,
    s2c: dir(false, layout(2, 20, true, [INDEX, TOTAL, ...SB_HANDLE, FRIENDLY, ...capabilities(12)])),
  },
  {
    name: 'JOI', title: 'Participant joined', servers: ['SB'], from: 2, to: 20,
    c2s: null,
    s2c: dir(false, layout(2, 20, false, [...SB_HANDLE, FRIENDLY, ...capabilities(12)])),
  },
  {
    name: 'BYE', title: 'Participant left', servers: ['SB'], from: 2, to: 20,
    c2s: null,
    s2c: dir(false, layout(2, 20, false, [...SB_HANDLE, { name: 'timedOut', optional: true, decode: 'bool01', pattern: /^1$/ }])),
  },
  {
    name: 'ACK', title: 'Message delivered', servers: ['SB'], from: 2, to: 20,
    c2s: null,
    s2c: dir(false, layout(2, 20, true, [])),
  },
  {
    name: 'NAK', title: 'Message not delivered', servers: ['SB'], from: 2, to: 20,
    c2s: null,
    s2c: dir(false, layout(2, 20, true, [])),
  },
];

// ---------------------------------------------------------------------------------------------

/** Every command spec, in table order (NS/DS first, then SB). */
export const COMMAND_TABLE: readonly CommandSpec[] = [...NS_COMMANDS, ...SB_COMMANDS];

export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map(COMMAND_TABLE.map((c) => [c.name, c]));

export const ALL_COMMAND_NAMES: readonly string[] = [...COMMANDS.keys()].sort();

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.get(name);
}
