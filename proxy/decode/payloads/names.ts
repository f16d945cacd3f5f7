// Enumerations the payload views name (MSNP-MATRIX sections D and E). Kept here so the views do not
// depend on the command-line decoders, which live elsewhere.

/** D.2 list bits (ADL/RML `l=`). Bits 5 and 6 are only known from MSNPSharp. */
const LIST_BITS: ReadonlyArray<[number, string]> = [
  [1, 'FL (forward)'],
  [2, 'AL (allow)'],
  [4, 'BL (block)'],
  [8, 'RL (reverse)'],
  [16, 'PL (pending)'],
  [32, 'application contact'],
  [64, 'hide'],
];

export function listBitsName(value: number): string {
  if (value === 0) return 'none';
  const names: string[] = [];
  let rest = value;
  for (const [bit, name] of LIST_BITS) {
    if (value & bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (rest) names.push(`unknown bits 0x${rest.toString(16)}`);
  return names.join(', ');
}

/** D.3 network ids. An enumeration, not a bitmask (9, 10, 13 are not single bits). */
const NETWORKS: ReadonlyMap<number, string> = new Map([
  [1, 'Windows Live (Passport)'],
  [2, 'Office Communicator (OCS)'],
  [4, 'telephone'],
  [8, 'Mobile Network Interop (MNI)'],
  [9, 'circle'],
  [10, 'temporary group'],
  [11, 'CID'],
  [13, 'Connect'],
  [14, 'remote network gateway'],
  [16, 'SMTP'],
  [32, 'Yahoo! Messenger'],
]);

export function networkName(id: number): string | undefined {
  return NETWORKS.get(id);
}

/** D.1 presence codes (also MSNP21 `<Status>`). */
const STATUSES: ReadonlyMap<string, string> = new Map([
  ['NLN', 'online'],
  ['BSY', 'busy'],
  ['IDL', 'idle'],
  ['BRB', 'be right back'],
  ['AWY', 'away'],
  ['PHN', 'on the phone'],
  ['LUN', 'out to lunch'],
  ['HDN', 'appear offline'],
  ['FLN', 'offline'],
]);

export function statusName(code: string): string | undefined {
  return STATUSES.get(code);
}

/** E.2 footer (application id), big-endian after the P2P data. */
const P2P_APP_IDS: ReadonlyMap<number, string> = new Map([
  [0, 'MSNSLP / control'],
  [1, 'display picture or emoticon (old clients)'],
  [2, 'file transfer'],
  [11, 'custom emoticon'],
  [12, 'display picture'],
]);

export function p2pAppName(id: number): string | undefined {
  return P2P_APP_IDS.get(id);
}

/** E.2 EUF-GUIDs in MSNSLP INVITE bodies. */
const EUF_GUIDS: ReadonlyMap<string, string> = new Map([
  ['{A4268EEC-FEC5-49E5-95C3-F126696BDBF6}', 'display picture / MSN object transfer'],
  ['{5D3E02AB-6190-11D3-BBBB-00C04F795683}', 'file transfer'],
]);

export function eufGuidName(guid: string): string | undefined {
  return EUF_GUIDS.get(guid.trim().toUpperCase());
}
