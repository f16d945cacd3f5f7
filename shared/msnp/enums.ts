// Enumerations of the protocol (matrix section D) and `decodeParam`, which turns one raw parameter
// token into readable text. Every decoder is total: a token it cannot read yields an `issue`, never an
// exception. Nothing here interprets markup: MSNObjects are summarised with plain string matching.
import type { ParamDecoder } from './types.js';

export interface Decoded {
  decoded?: string;
  issue?: string;
}

export interface FlagInfo {
  readonly value: number;
  readonly name: string;
  readonly description: string;
}

// ---------------------------------------------------------------------------------------------
// Tables

/** D.1 presence status codes (CHG / ILN / NLN). */
export const STATUSES: ReadonlyMap<string, string> = new Map([
  ['NLN', 'Online'],
  ['BSY', 'Busy'],
  ['IDL', 'Idle'],
  ['BRB', 'Be right back'],
  ['AWY', 'Away'],
  ['PHN', 'On the phone'],
  ['LUN', 'Out to lunch'],
  ['HDN', 'Appear offline (hidden)'],
  ['FLN', 'Offline'],
]);

/** D.2 list bits (LST list-bits MSNP8–12, ADL/RML `l=`); `code` is the list's two-letter name. */
export const LIST_BITS: readonly { readonly value: number; readonly code: string; readonly name: string }[] = [
  { value: 1, code: 'FL', name: 'Forward List' },
  { value: 2, code: 'AL', name: 'Allow List' },
  { value: 4, code: 'BL', name: 'Block List' },
  { value: 8, code: 'RL', name: 'Reverse List' },
  { value: 16, code: 'PL', name: 'Pending List' },
  { value: 32, code: 'ApplicationContact', name: 'Application contact' },
  { value: 64, code: 'Hide', name: 'Hidden from this contact' },
];

/** D.3 network ids. An enumerated integer, not a bitmask (9, 10, 11, 13 and 14 are not single bits). */
export const NETWORK_IDS: ReadonlyMap<number, string> = new Map([
  [1, 'Windows Live'],
  [2, 'Office Communicator'],
  [4, 'Telephone'],
  [8, 'Mobile Network Interop'],
  [9, 'Circle'],
  [10, 'Temporary group'],
  [11, 'CID'],
  [13, 'Connect'],
  [14, 'Remote network gateway'],
  [16, 'SMTP'],
  [32, 'Yahoo! Messenger'],
]);

/** D.4 client capability flags (low 28 bits; the high nibble is the MSNC version). */
export const CAPABILITY_FLAGS: readonly FlagInfo[] = [
  { value: 0x00000001, name: 'OnlineViaMobile', description: 'signed in from a mobile device' },
  { value: 0x00000002, name: 'OnlineViaTexas', description: 'MSN Explorer 8 ("Texas") client' },
  { value: 0x00000004, name: 'SupportsGifInk', description: 'can receive ink as GIF' },
  { value: 0x00000008, name: 'SupportsIsfInk', description: 'can send and receive ISF ink' },
  { value: 0x00000010, name: 'WebCamDetected', description: 'has a webcam and shares that fact' },
  { value: 0x00000020, name: 'SupportsChunking', description: 'messages split over several packets' },
  { value: 0x00000040, name: 'MobileEnabled', description: 'reachable through MSN Mobile' },
  { value: 0x00000080, name: 'WebWatchEnabled', description: 'reachable through a Web Watch (MSN Direct)' },
  { value: 0x00000100, name: 'SupportsActivities', description: 'activities' },
  { value: 0x00000200, name: 'OnlineViaWebIM', description: 'web-based client' },
  { value: 0x00000400, name: 'MobileDevice', description: 'mobile device' },
  { value: 0x00000800, name: 'OnlineViaFederatedInterface', description: 'Office Communicator through a federation gateway' },
  { value: 0x00001000, name: 'HasSpace', description: 'has an MSN Space (blog)' },
  { value: 0x00002000, name: 'IsMceUser', description: 'Media Center client' },
  { value: 0x00004000, name: 'SupportsDirectIM', description: 'direct connections for IM' },
  { value: 0x00008000, name: 'SupportsWinks', description: 'winks' },
  { value: 0x00010000, name: 'SupportsSharedSearch', description: 'shared search' },
  { value: 0x00020000, name: 'IsBot', description: 'provisioned account (bot)' },
  { value: 0x00040000, name: 'SupportsVoiceIM', description: 'voice clips' },
  { value: 0x00080000, name: 'SupportsSChannel', description: 'encrypted conversations' },
  { value: 0x00100000, name: 'SupportsSipInvite', description: 'SIP invitations' },
  { value: 0x00200000, name: 'SupportsMultipartyMedia', description: 'multiparty media' },
  { value: 0x00400000, name: 'SupportsSDrive', description: 'shared folders' },
  { value: 0x00800000, name: 'SupportsPageModeMessaging', description: 'page-mode messaging' },
  { value: 0x01000000, name: 'HasOneCare', description: 'OneCare' },
  { value: 0x02000000, name: 'SupportsTurn', description: 'TURN relay' },
  { value: 0x04000000, name: 'SupportsDirectBootstrapping', description: 'direct bootstrapping' },
  { value: 0x08000000, name: 'UsingAlias', description: 'signed in with an alias' },
];

/** D.4 extended capability flags (the part after `:` in `caps:capsex`, MSNP16+). */
export const CAPABILITY_EX_FLAGS: readonly FlagInfo[] = [
  { value: 0x00000001, name: 'IsSmsOnly', description: 'SMS only' },
  { value: 0x00000002, name: 'VoiceOverMsnp', description: 'voice over MSNP' },
  { value: 0x00000004, name: 'UucpSipStack', description: 'UUCP SIP stack' },
  { value: 0x00000008, name: 'ApplicationMessages', description: 'application messages' },
  { value: 0x00000010, name: 'RTCVideoEnabled', description: 'RTC video' },
  { value: 0x00000020, name: 'PeerToPeerV2', description: 'P2P version 2 header' },
  { value: 0x00000040, name: 'AuthenticatedWebIMUser', description: 'authenticated web IM user' },
  { value: 0x00000080, name: 'OneToOneViaGroup', description: 'one-to-one conversations through a group' },
  { value: 0x00000100, name: 'OfflineIM', description: 'offline messages' },
  { value: 0x00000200, name: 'SharingVideo', description: 'video sharing' },
  { value: 0x00000400, name: 'Nudges', description: 'nudges' },
  { value: 0x00000800, name: 'CircleVoiceIM', description: 'voice clips in circles' },
  { value: 0x00001000, name: 'Sharing', description: 'sharing' },
  { value: 0x00002000, name: 'MobileSuspendIMFanoutDisable', description: 'no IM fan-out while mobile is suspended' },
  { value: 0x00008000, name: 'P2PMixerRelay', description: 'P2P mixer relay' },
  { value: 0x00020000, name: 'ConvWindowFileTransfer', description: 'file transfer in the conversation window' },
  { value: 0x00040000, name: 'VideoCall169', description: '16:9 video calls' },
  { value: 0x00080000, name: 'P2PEnveloping', description: 'P2P enveloping' },
  { value: 0x00400000, name: 'YahooIMDisabled', description: 'Yahoo! IM disabled' },
  { value: 0x00800000, name: 'SIPTunnelV2', description: 'SIP tunnel version 2' },
  { value: 0x01000000, name: 'VoiceClipWMA', description: 'WMA voice clips' },
  { value: 0x02000000, name: 'VoiceClipCircleIM', description: 'voice clips in circle conversations' },
  { value: 0x04000000, name: 'SocialNewsTypes', description: 'social news types' },
  { value: 0x08000000, name: 'CustomEmoticons', description: 'custom emoticons' },
  { value: 0x10000000, name: 'Utf8MoodMessages', description: 'UTF-8 personal messages' },
  { value: 0x20000000, name: 'FTURN', description: 'file transfer over TURN' },
  { value: 0x40000000, name: 'P4Activity', description: 'P4 activities' },
  { value: 0x80000000, name: 'MultipartyConversations', description: 'multiparty conversations' },
];

/** D.5 reasons the server gives in `OUT reason`. */
export const OUT_REASONS: ReadonlyMap<string, { readonly description: string; readonly since: number }> = new Map([
  ['OTH', { description: 'signed in from another location', since: 2 }],
  ['SSD', { description: 'server is shutting down', since: 2 }],
  ['MIG', { description: 'contact list migrated to the address book service', since: 10 }],
  ['TOU', { description: 'Terms of Use must be accepted', since: 10 }],
  ['RCT', { description: 'temporary closure, reconnect after the given minutes', since: 11 }],
]);

/** PRP / BPR / SBP property names (D.6). */
export const PROPERTIES: ReadonlyMap<string, string> = new Map([
  ['PHH', 'home phone'],
  ['PHW', 'work phone'],
  ['PHM', 'mobile phone'],
  ['MOB', 'may be contacted through MSN Mobile'],
  ['MBE', 'MSN Mobile enabled'],
  ['WWE', 'Web Watch (MSN Direct) enabled'],
  ['MFN', 'friendly name'],
  ['HSB', 'has blog (MSN Space)'],
]);

export const MSG_ACK_TYPES: ReadonlyMap<string, string> = new Map([
  ['U', 'unacknowledged'],
  ['N', 'NAK if delivery fails'],
  ['A', 'ACK if delivered'],
  ['D', 'data: ACK, or error 282 if malformed'],
]);

export const GTC_SETTINGS: ReadonlyMap<string, string> = new Map([
  ['A', 'ask when someone adds you'],
  ['N', 'add to the allow list without asking'],
]);

export const BLP_SETTINGS: ReadonlyMap<string, string> = new Map([
  ['AL', 'users not on a list may contact you'],
  ['BL', 'users not on a list are blocked'],
]);

export const UBN_TYPES: ReadonlyMap<number, string> = new Map([
  [1, 'XML data'],
  [2, 'SIP invite'],
  [3, 'MSNP2P SLP data'],
  [4, 'logout'],
  [5, 'switchboard closed (to other endpoints)'],
  [10, 'TURN'],
]);

export const UUM_TYPES: ReadonlyMap<number, string> = new Map([
  [1, 'text message'],
  [2, 'typing notification'],
  [3, 'nudge'],
]);

export const PGD_DEVICES: ReadonlyMap<number, string> = new Map([
  [1, 'mobile device'],
  [2, 'Web Watch'],
]);

/** A handful of common Windows locale ids. */
export const LCIDS: ReadonlyMap<number, string> = new Map([
  [0x0404, 'zh-TW'],
  [0x0406, 'da-DK'],
  [0x0407, 'de-DE'],
  [0x0409, 'en-US'],
  [0x040a, 'es-ES'],
  [0x040b, 'fi-FI'],
  [0x040c, 'fr-FR'],
  [0x0410, 'it-IT'],
  [0x0411, 'ja-JP'],
  [0x0412, 'ko-KR'],
  [0x0413, 'nl-NL'],
  [0x0414, 'nb-NO'],
  [0x0415, 'pl-PL'],
  [0x0416, 'pt-BR'],
  [0x0419, 'ru-RU'],
  [0x041d, 'sv-SE'],
  [0x041f, 'tr-TR'],
  [0x0804, 'zh-CN'],
  [0x0809, 'en-GB'],
  [0x0816, 'pt-PT'],
  [0x0c0a, 'es-ES'],
]);

/** MSNObject `Type` attribute values. */
const MSNOBJ_TYPES: ReadonlyMap<string, string> = new Map([
  ['2', 'custom emoticon'],
  ['3', 'display picture'],
  ['5', 'background'],
  ['8', 'wink'],
  ['11', 'voice clip'],
]);

// ---------------------------------------------------------------------------------------------
// Helpers

const UINT = /^\d+$/;
const GUID = /^\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}$/;

function hex8(n: number): string {
  return '0x' + n.toString(16).toUpperCase().padStart(8, '0');
}

function parseUint32(token: string): number | null {
  if (!UINT.test(token)) return null;
  const n = Number(token);
  return n <= 0xffffffff ? n : null;
}

/** Names of the flags set in `n`, plus hex names for set bits the table does not know. */
function flagNames(n: number, table: readonly FlagInfo[], mask: number): { names: string[]; unknown: number } {
  const names: string[] = [];
  let known = 0;
  for (const f of table) {
    known += f.value;
    if (Math.floor(n / f.value) % 2 === 1) names.push(f.name);
  }
  // Bits set in n (within mask) that no table entry names.
  let unknown = 0;
  for (let bit = 1; bit <= mask; bit *= 2) {
    if (Math.floor(n / bit) % 2 === 1 && Math.floor(known / bit) % 2 === 0) unknown += bit;
  }
  return { names, unknown };
}

function enumLookup(table: ReadonlyMap<string, string>, token: string, what: string): Decoded {
  const hit = table.get(token);
  return hit !== undefined ? { decoded: hit } : { issue: `unknown ${what} '${token}'` };
}

function numericLookup(table: ReadonlyMap<number, string>, token: string, what: string): Decoded {
  if (!UINT.test(token)) return { issue: `${what} is not a number` };
  const hit = table.get(Number(token));
  return hit !== undefined ? { decoded: hit } : { issue: `unknown ${what} ${token}` };
}

function decodeUrl(token: string): Decoded {
  try {
    const text = decodeURIComponent(token);
    return text === token ? {} : { decoded: text };
  } catch {
    return { decoded: token, issue: 'malformed %-escape; shown undecoded' };
  }
}

function decodeCaps(token: string): Decoded {
  const n = parseUint32(token);
  if (n === null) return { issue: 'capabilities are not a 32-bit decimal number' };
  const msnc = Math.floor(n / 0x10000000);
  const { names, unknown } = flagNames(n % 0x10000000, CAPABILITY_FLAGS, 0x08000000);
  if (unknown) names.push(hex8(unknown));
  if (msnc > 0) names.push(`MSNC${msnc}`);
  return { decoded: `${names.length ? names.join('|') : 'none'} (${hex8(n)})` };
}

function decodeCapsEx(token: string): Decoded {
  const colon = token.indexOf(':');
  if (colon < 0) {
    const plain = decodeCaps(token);
    return { ...plain, issue: plain.issue ?? 'no extended capabilities (expected caps:capsex)' };
  }
  const caps = decodeCaps(token.slice(0, colon));
  const ex = parseUint32(token.slice(colon + 1));
  if (caps.issue !== undefined) return caps;
  if (ex === null) return { decoded: caps.decoded, issue: 'extended capabilities are not a 32-bit decimal number' };
  const { names, unknown } = flagNames(ex, CAPABILITY_EX_FLAGS, 0x80000000);
  if (unknown) names.push(hex8(unknown));
  return { decoded: `${caps.decoded ?? ''}; ex: ${names.length ? names.join('|') : 'none'} (${hex8(ex)})` };
}

function decodeListBits(token: string): Decoded {
  if (!UINT.test(token)) return { issue: 'list bits are not a number' };
  const n = Number(token);
  const set = LIST_BITS.filter((b) => Math.floor(n / b.value) % 2 === 1);
  const rest = n - set.reduce((sum, b) => sum + b.value, 0);
  const decoded = `${set.length ? set.map((b) => b.code).join('|') : 'none'} (${n})`;
  return rest > 0 ? { decoded, issue: `unknown list bits (${rest})` } : { decoded };
}

function decodeNidHandle(token: string): Decoded {
  const m = /^(\d+):([^;]*)(?:;via=(.*))?$/.exec(token);
  if (!m) return { issue: "expected 'network-id:handle'" };
  const [, nid = '', handle = '', via] = m;
  const network = NETWORK_IDS.get(Number(nid));
  let text = `${network ?? `network ${nid}`}: ${handle}`;
  let issue = network === undefined ? `unknown network id ${nid}` : undefined;
  if (via !== undefined) {
    const inner = decodeNidHandle(via);
    text += ` (via ${inner.decoded ?? via})`;
    issue ??= inner.issue;
  }
  return issue === undefined ? { decoded: text } : { decoded: text, issue };
}

function decodeHandleGuid(token: string): Decoded {
  const semi = token.indexOf(';');
  if (semi < 0) return {};
  const guid = token.slice(semi + 1);
  const decoded = `${token.slice(0, semi)}, endpoint ${guid}`;
  return GUID.test(guid) ? { decoded } : { decoded, issue: 'machine id is not a {GUID}' };
}

function decodeHostPort(token: string): Decoded {
  if (token === '0') return { decoded: 'none: restart the login on this server' };
  const m = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/.exec(token);
  if (!m) return { issue: "expected 'address:port'" };
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? {} : { issue: `port ${port} out of range` };
}

function decodeLcid(token: string): Decoded {
  let n: number;
  if (/^0x[0-9A-Fa-f]{1,8}$/.test(token)) n = parseInt(token.slice(2), 16);
  else if (UINT.test(token)) n = Number(token);
  else return { issue: 'locale id is neither hex (0x0409) nor decimal' };
  return { decoded: LCIDS.get(n) ?? String(n) };
}

function decodeUnixTime(token: string): Decoded {
  if (!UINT.test(token)) return { issue: 'not a number of seconds' };
  const ms = Number(token) * 1000;
  if (!Number.isSafeInteger(ms) || ms > 8.64e15) return { issue: 'time out of range' };
  return { decoded: new Date(ms).toISOString() };
}

/** Summarises a URL-encoded `<msnobj …/>` as plain text; never parses it as markup. */
function decodeMsnObject(token: string): Decoded {
  if (token === '0') return { decoded: 'no MSN object' };
  const url = decodeUrl(token);
  const text = url.decoded ?? token;
  if (!/^\s*<msnobj\b/i.test(text)) return { issue: url.issue ?? 'not an <msnobj> element' };
  const attrs = new Map<string, string>();
  for (const m of text.matchAll(/\b([A-Za-z][A-Za-z0-9]*)="([^"]*)"/g)) {
    if (m[1] !== undefined && m[2] !== undefined && !attrs.has(m[1])) attrs.set(m[1], m[2]);
  }
  const parts: string[] = [];
  for (const key of ['Creator', 'Type', 'Size', 'Location', 'Friendly']) {
    const v = attrs.get(key);
    if (v === undefined) continue;
    const type = key === 'Type' ? MSNOBJ_TYPES.get(v) : undefined;
    parts.push(type ? `${key}=${v} (${type})` : `${key}=${v}`);
  }
  const decoded = parts.length ? parts.join(' ') : 'MSN object without known attributes';
  return url.issue === undefined ? { decoded } : { decoded, issue: url.issue };
}

// ---------------------------------------------------------------------------------------------

/** Reads one parameter token with the given decoder. Never throws. */
export function decodeParam(decoder: ParamDecoder, token: string): Decoded {
  switch (decoder) {
    case 'url':
      return decodeUrl(token);
    case 'status':
      return enumLookup(STATUSES, token, 'status');
    case 'list': {
      const hit = LIST_BITS.find((b) => b.code === token && b.value <= 16);
      return hit ? { decoded: hit.name } : { issue: `unknown list '${token}'` };
    }
    case 'listBits':
      return decodeListBits(token);
    case 'caps':
      return decodeCaps(token);
    case 'capsEx':
      return decodeCapsEx(token);
    case 'nid':
      return numericLookup(NETWORK_IDS, token, 'network id');
    case 'nidHandle':
      return decodeNidHandle(token);
    case 'handleGuid':
      return decodeHandleGuid(token);
    case 'outReason': {
      const hit = OUT_REASONS.get(token);
      return hit ? { decoded: hit.description } : { issue: `unknown OUT reason '${token}'` };
    }
    case 'bool01':
      return token === '0' ? { decoded: 'no' } : token === '1' ? { decoded: 'yes' } : { issue: 'expected 0 or 1' };
    case 'msgAck':
      return enumLookup(MSG_ACK_TYPES, token, 'acknowledgement type');
    case 'gtc':
      return enumLookup(GTC_SETTINGS, token, 'GTC setting');
    case 'blp':
      return enumLookup(BLP_SETTINGS, token, 'BLP setting');
    case 'property':
      return enumLookup(PROPERTIES, token, 'property');
    case 'msnobj':
      return decodeMsnObject(token);
    case 'hostPort':
      return decodeHostPort(token);
    case 'length':
      return UINT.test(token) ? { decoded: `${token} bytes` } : { issue: 'payload length is not a number' };
    case 'unixTime':
      return decodeUnixTime(token);
    case 'lcid':
      return decodeLcid(token);
    case 'ubnType':
      return numericLookup(UBN_TYPES, token, 'UBN/UUN type');
    case 'uumType':
      return numericLookup(UUM_TYPES, token, 'UUM/UBM type');
    case 'pgdDevice':
      return numericLookup(PGD_DEVICES, token, 'PGD device');
    default: {
      const never: never = decoder;
      return { issue: `no decoder '${String(never)}'` };
    }
  }
}
