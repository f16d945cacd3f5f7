// THE command table: every MSNP2–MSNP21 command of the dispatch, notification and switchboard servers.
// Framing (payload rules), parameter names, version highlighting and filters all read from here.
// Facts come from the MSNP matrix (tables A, B, D) and the msnp-wiki command pages; where those sources
// are thin or conflict, the entry's `note` says which reading was taken.
import type { CommandSpec, ParamSpec } from './types.js';

const HANDLE: ParamSpec = { name: 'handle', doc: 'account e-mail address' };
const FRIENDLY: ParamSpec = { name: 'friendlyName', decode: 'url' };
const STATUS: ParamSpec = { name: 'status', decode: 'status' };
const LENGTH: ParamSpec = { name: 'length', decode: 'length', pattern: /^\d+$/ };

const TABLE: readonly CommandSpec[] = [
  {
    name: 'VER', title: 'Version negotiation', servers: ['DS', 'NS'], from: 2, to: 21,
    c2s: { payload: false, layouts: [{ from: 2, to: 21, trId: true, params: [{ name: 'dialects', rest: true }] }] },
    s2c: { payload: false, layouts: [{ from: 2, to: 21, trId: true, params: [{ name: 'dialects', rest: true, doc: 'chosen dialect (0 = none acceptable)' }] }] },
  },
  {
    name: 'CHG', title: 'Change presence', servers: ['NS'], from: 2, to: 21,
    c2s: {
      payload: false, layouts: [
        { from: 2, to: 21, trId: true, params: [
          STATUS,
          { name: 'capabilities', since: 8, until: 15, decode: 'caps' },
          { name: 'capabilities', since: 16, decode: 'capsEx' },
          { name: 'msnObject', since: 9, optional: true, decode: 'msnobj' },
        ] },
      ],
    },
    s2c: {
      payload: false, layouts: [
        { from: 2, to: 21, trId: true, params: [
          STATUS,
          { name: 'capabilities', since: 8, until: 15, optional: true, decode: 'caps' },
          { name: 'capabilities', since: 16, optional: true, decode: 'capsEx' },
          { name: 'msnObject', since: 9, optional: true, decode: 'msnobj' },
        ] },
      ],
    },
  },
  {
    name: 'QRY', title: 'Challenge response', servers: ['NS'], from: 6, to: 21,
    c2s: { payload: true, layouts: [{ from: 6, to: 21, trId: true, params: [{ name: 'productId', doc: 'public key of the challenge key pair' }, LENGTH] }] },
    s2c: { payload: false, layouts: [{ from: 6, to: 21, trId: true, params: [] }] },
  },
  {
    name: 'MSG', title: 'Message', servers: ['NS', 'SB'], from: 2, to: 21,
    c2s: { payload: true, layouts: [{ from: 2, to: 20, trId: true, server: 'SB', params: [{ name: 'ackType', decode: 'msgAck' }, LENGTH] }] },
    s2c: { payload: true, layouts: [{ from: 2, to: 21, trId: false, params: [{ ...HANDLE, doc: 'sender (Hotmail from the NS)' }, FRIENDLY, LENGTH] }] },
  },
];

export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map(TABLE.map((c) => [c.name, c]));

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.get(name);
}
