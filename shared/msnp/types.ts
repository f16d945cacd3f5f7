// Types of the protocol model. The command table (commands.ts) is written in these terms and is the one
// source of truth for framing (payload rules), parameter names, version highlighting and filters.

/** c2s = sent by the client, s2c = sent by the server. Never "in/out" or "sent/received". */
export type Direction = 'c2s' | 's2c';

/** Which server a command belongs to: dispatch, notification, switchboard. */
export type ServerKind = 'DS' | 'NS' | 'SB';

/** What kind of connection a stream is, once known. */
export type ConnectionKind = 'dispatch' | 'ns' | 'sb' | 'unknown';

/**
 * How a parameter's raw token becomes a readable value. Implemented in enums.ts (`decodeParam`).
 * Every decoder is total: a token it cannot read yields an issue, never an exception.
 */
export type ParamDecoder =
  | 'url' //           URL-encoded text (friendly names, group names, phone numbers)
  | 'status' //        presence status code, D.1 (NLN, BSY, …)
  | 'list' //          list name FL/AL/BL/RL/PL
  | 'listBits' //      list bitmask, D.2 (decimal)
  | 'caps' //          client capabilities, decimal (D.4)
  | 'capsEx' //        `caps:capsex` (MSNP16+)
  | 'nid' //           network id, D.3
  | 'nidHandle' //     `nid:handle` (MSNP18+), handle may carry `;via=…`
  | 'handleGuid' //    `handle;{machine-guid}` (MSNP16+ SB USR/ANS)
  | 'outReason' //     OUT reason, D.5
  | 'bool01' //        0 / 1 flag
  | 'msgAck' //        SB MSG acknowledgement type U/N/A/D
  | 'gtc' //           A / N
  | 'blp' //           AL / BL
  | 'property' //      PRP/BPR/SBP property name (PHH, MFN, …)
  | 'msnobj' //        URL-encoded <msnobj …/> XML
  | 'hostPort' //      addr:port
  | 'length' //        payload length in bytes
  | 'unixTime' //      seconds since 1970
  | 'lcid' //          Windows locale id (0x0409)
  | 'ubnType' //       UBN/UUN type, D.6
  | 'uumType' //       UUM/UBM type, D.6
  | 'pgdDevice'; //    PGD device, D.6

export interface ParamSpec {
  /** camelCase name shown in the inspector and used by filters, e.g. `friendlyName`. */
  readonly name: string;
  /** Version that introduced this parameter (absolute). Omit when it is as old as the layout. */
  readonly since?: number;
  /** Last version that has this parameter. */
  readonly until?: number;
  /** May be absent. Only trailing parameters are optional. */
  readonly optional?: boolean;
  /** Collects this token and every remaining one (e.g. VER's dialect list). Must be last. */
  readonly rest?: boolean;
  /** The token must be one of these; used to choose between layouts. */
  readonly literal?: readonly string[];
  /** The token must match; used to choose between layouts. */
  readonly pattern?: RegExp;
  readonly decode?: ParamDecoder;
  /** One-line explanation for the inspector's tooltip. */
  readonly doc?: string;
}

/**
 * One shape of a command in one direction over a version range. Layouts are tried in table order:
 * the first whose range holds the version and whose tokens fit (TrID, arity, literals, patterns) wins.
 */
export interface Layout {
  readonly from: number;
  readonly to: number;
  /** The first token after the command is a TrID. */
  readonly trId: boolean;
  readonly params: readonly ParamSpec[];
  /** Only on this server kind (e.g. SB `USR` vs NS `USR`). Omit when the layout fits every server. */
  readonly server?: ServerKind;
  /** Short description of this form, e.g. 'reply inside a SYN batch'. */
  readonly note?: string;
}

export interface DirectionSpec {
  /**
   * In this direction the command can carry a payload: when the command line's last token is a
   * non-negative decimal integer, it is the byte length of the payload that follows the CRLF.
   * (A non-numeric last token, e.g. `ADL 5 OK`, means no payload.)
   */
  readonly payload: boolean;
  /** Version range in which the payload rule applies, when narrower than the command's. */
  readonly payloadFrom?: number;
  readonly layouts: readonly Layout[];
}

export interface CommandSpec {
  /** Three upper-case letters. */
  readonly name: string;
  /** Human title, e.g. 'Version negotiation'. */
  readonly title: string;
  readonly servers: readonly ServerKind[];
  readonly from: number;
  readonly to: number;
  /** null: the client never sends it. */
  readonly c2s: DirectionSpec | null;
  /** null: the server never sends it. */
  readonly s2c: DirectionSpec | null;
  /** Where sources are thin or conflict: what reading was taken. */
  readonly note?: string;
}

/** One named parameter of a decoded frame. `value` is the raw token; `decoded` its readable meaning. */
export interface Field {
  name: string;
  value: string;
  /** The version that introduced the parameter, when newer than the command itself, e.g. "MSNP10". */
  since: string | null;
  decoded?: string;
  /** No table entry named this token. */
  unknown?: true;
}
