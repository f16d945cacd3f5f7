// Meanings of individual MIME header fields: profile values, e-mail notification fields, system
// messages, invitations, P2P addressing. Each function returns extra child nodes (never throws).
import type { ViewNode } from '../../../shared/msnp/views.js';
import { leaf } from './nodes.js';
import { decodeImFormat } from './im-format.js';
import { eufGuidName } from './names.js';
import { parseContentType } from './headers.js';

export type FieldNotes = (name: string, value: string) => ViewNode[];

const isInt = (v: string) => /^\d{1,15}$/.test(v.trim());

/** Headers that mean the same in every MSG: Content-Type, X-MMS-IM-Format, P2P addressing, typing. */
export const commonNotes: FieldNotes = (name, value) => {
  switch (name.toLowerCase()) {
    case 'content-type': {
      const ct = parseContentType(value);
      const out = [leaf('media type', ct.mediaType)];
      if (ct.params.charset !== undefined) out.push(leaf('charset', ct.params.charset));
      return out;
    }
    case 'x-mms-im-format':
      return decodeImFormat(value);
    case 'p2p-dest':
    case 'p2p-src': {
      const [handle = '', guid] = value.split(';');
      const out = [leaf('handle', handle.trim())];
      if (guid !== undefined) out.push(leaf('endpoint GUID', guid.trim(), undefined, /^\{[0-9a-f-]{36}\}$/i.test(guid.trim()) ? undefined : 'not a {GUID}'));
      return out;
    }
    case 'typinguser':
      return [leaf('meaning', `${value.trim()} is typing`)];
    default:
      return [];
  }
};

/** The largest time a Date can hold, in ms. */
const MAX_DATE_MS = 8.64e15;

/** text/x-msmsgsprofile. */
export const profileNotes: FieldNotes = (name, value) => {
  const v = value.trim();
  switch (name.toLowerCase()) {
    case 'logintime':
      if (!isInt(v)) return [leaf('date', undefined, undefined, 'LoginTime is not a number')];
      // Dates past the year 275760 do not exist for Date: a number that large is flagged, not shown.
      return Math.abs(Number(v)) * 1000 <= MAX_DATE_MS
        ? [leaf('date', new Date(Number(v) * 1000).toISOString())]
        : [leaf('date', undefined, undefined, 'LoginTime is out of the range of dates')];
    case 'clientport': {
      if (!isInt(v) || Number(v) > 0xffff) return [leaf('real port', undefined, undefined, 'ClientPort is not a 16-bit number')];
      const n = Number(v);
      // The server writes the port with its two bytes swapped.
      return [leaf('real port', String(((n & 0xff) << 8) | (n >> 8)))];
    }
    case 'memberidhigh':
    case 'memberidlow':
      return isInt(v) ? [leaf('hex', `0x${Number(v).toString(16).padStart(8, '0')}`)] : [];
    case 'emailenabled':
    case 'kid':
    case 'abchmigrated':
    case 'touneeded':
    case 'mpopenabled':
      return v === '1' ? [leaf('meaning', 'yes')] : v === '0' ? [leaf('meaning', 'no')] : [];
    case 'mspauth':
      return [leaf('meaning', 'Passport ticket (a credential)')];
    default:
      return [];
  }
};

/** E-mail notification bodies (initial, new mail, mailbox activity). */
export const emailNotes: FieldNotes = (name, value) => {
  const n = name.toLowerCase();
  if (n === 'subject' || n === 'from') {
    const decoded = decodeEncodedWords(value);
    return decoded !== value ? [leaf('decoded', decoded)] : [];
  }
  if (n === 'inbox-unread') return [leaf('meaning', `${value.trim()} unread in the inbox`)];
  if (n === 'folders-unread') return [leaf('meaning', `${value.trim()} unread in other folders`)];
  if (n === 'message-delta') return [leaf('meaning', `unread count changed by ${value.trim()}`)];
  return [];
};

/** application/x-msmsgssystemmessage. */
export const systemNotes: FieldNotes = (name, value) => {
  const n = name.toLowerCase();
  if (n === 'type') return [leaf('meaning', value.trim() === '1' ? 'server going down' : 'unknown system message type')];
  if (n === 'arg1' && isInt(value)) return [leaf('meaning', `${value.trim()} minutes (for type 1)`)];
  return [];
};

/** text/x-msmsgsinvite (legacy invitations). */
export const inviteNotes: FieldNotes = (name, value) => {
  const n = name.toLowerCase();
  if (n === 'application-guid') {
    const what = eufGuidName(value);
    return what ? [leaf('application', what)] : [];
  }
  if (n === 'invitation-command') {
    const meanings: Record<string, string> = { INVITE: 'offer', ACCEPT: 'accepted', CANCEL: 'cancelled or declined' };
    const m = meanings[value.trim().toUpperCase()];
    return m ? [leaf('meaning', m)] : [];
  }
  return [];
};

/** text/x-msnmsgr-datacast: only ID 1 is documented (nudge); the others are inferred. */
export const datacastNotes: FieldNotes = (name, value) => {
  if (name.toLowerCase() !== 'id') return [];
  return [leaf('meaning', datacastName(value.trim()))];
};

export function datacastName(id: string): string {
  switch (id) {
    case '1':
      return 'nudge';
    case '2':
      return 'wink (inferred)';
    case '3':
      return 'voice clip (inferred)';
    case '4':
      return 'action message (inferred)';
    default:
      return 'unknown datacast id';
  }
}

/** RFC 2047 encoded words, as in `Subject: =?"us-ascii"?Q?Just saying hello.?=`. */
export function decodeEncodedWords(value: string): string {
  return value.replace(/=\?"?([^"?]+)"?\?([QqBb])\?([^?]*)\?=/g, (whole, charset: string, enc: string, text: string) => {
    let bytes: Buffer;
    if (enc.toUpperCase() === 'B') bytes = Buffer.from(text, 'base64');
    else bytes = Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
    const cs = charset.toLowerCase();
    if (/^utf-?8$/.test(cs)) return bytes.toString('utf8');
    if (cs === 'us-ascii' || cs.startsWith('iso-8859-1') || cs === 'windows-1252') return bytes.toString('latin1');
    return whole;
  });
}
