// Replays the client side of a fixture against a real server: walks the recorded frames in capture
// order, sends each client frame when its turn comes — that is, after the recorded replies before it
// arrived (or timed out), never on a timer — and compares every server frame with the recorded one
// (compare.ts). Referrals are followed to wherever the live server points, and the live cookies,
// switchboard session ids and challenges replace the recorded ones in what is sent.
import { verifyChallenge } from '../decode/challenge.js';
import { SessionContext } from '../decode/connection.js';
import { type LoadedFixture, type ScriptFrame, captureOrder, isLoaded, loadFixture } from '../fixture/load.js';
import { parseReferral } from '../relay/rewriter.js';
import { compareReply } from './compare.js';
import { LiveConnection, type LiveFrame } from './live-connection.js';
import { mapReferrals, referralKey } from './referral-map.js';
import { lineText, withTokens } from './rewrite.js';

export interface ClientReplayOptions {
  /** The server a client starts with: "host:port". */
  upstream: string;
  /** Longest wait for one recorded reply (default 5000 ms). */
  replyTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Called for each compared reply as it happens. */
  onCheck?: (check: ReplyCheck) => void;
}

export interface ReplyCheck {
  conn: string;
  /** Index of the recorded frame (null for a live frame that was never recorded). */
  index: number | null;
  expected: string | null;
  got: string | null;
  flags: string[];
  varied: string[];
}

export interface ClientReplayReport {
  checks: ReplyCheck[];
  /** One readable line per flagged difference; empty when the server behaved as recorded. */
  flagged: string[];
}

interface Live {
  /** Recorded value → live value: cookies, switchboard session ids. */
  values: Map<string, string>;
  /** Where each referred connection must go, by its label. */
  addresses: Map<string, string>;
  /** Latest live challenge per connection, when it differs from the recorded one. */
  challenges: Map<string, string>;
}

function describe(check: ReplyCheck): string {
  const where = `${check.conn}${check.index === null ? '' : ` #${check.index}`}`;
  return `${where}: expected ${check.expected === null ? 'nothing' : `"${check.expected}"`}, got ${check.got === null ? 'nothing' : `"${check.got}"`}: ${check.flags.join('; ')}`;
}

/** What the client sends for a recorded client frame: live cookies, session ids and QRY answers. */
function outgoing(frame: ScriptFrame, live: Live, version: number | null): Buffer {
  const replace = new Map<number, string>();
  const tokens = frame.line?.split(' ') ?? [];
  const swap = (i: number) => {
    const v = live.values.get(tokens[i] ?? '');
    if (v !== undefined) replace.set(i, v);
  };
  if (frame.command === 'USR' && tokens.length === 4) swap(3);
  if (frame.command === 'ANS' && tokens.length === 5) {
    swap(3);
    swap(4);
  }
  let bytes = withTokens(frame, replace);
  const challenge = live.challenges.get(frame.conn);
  if (frame.command === 'QRY' && challenge !== undefined && frame.payloadLength !== null) {
    const response = bytes.subarray(bytes.length - frame.payloadLength).toString('latin1');
    const verdict = verifyChallenge({ challenge, productId: frame.params[0] ?? '', response, version: version ?? 0 });
    if (verdict.verdict === 'invalid' && verdict.expected?.length === response.length) {
      bytes = Buffer.concat([bytes.subarray(0, bytes.length - frame.payloadLength), Buffer.from(verdict.expected, 'latin1')]);
    }
  }
  return bytes;
}

/** Learns from a live reply what later client frames need (referral targets, cookies, challenges). */
function learn(recorded: ScriptFrame, got: LiveFrame, live: Live, children: Map<string, string>): void {
  if (recorded.command === 'CHL' && got.frame.params[0] !== undefined && got.frame.params[0] !== recorded.params[0]) {
    live.challenges.set(recorded.conn, got.frame.params[0]);
  }
  if (recorded.line === null || got.line === null) return;
  const was = parseReferral(recorded.line);
  const now = parseReferral(got.line);
  if (!was || !now) return;
  const child = children.get(referralKey(recorded));
  if (child !== undefined) live.addresses.set(child, now.referral.target);
  if (was.referral.cookie && now.referral.cookie) live.values.set(was.referral.cookie, now.referral.cookie);
  if (recorded.command === 'RNG' && recorded.params[0] && got.frame.params[0]) live.values.set(recorded.params[0], got.frame.params[0]);
}

export async function replayClient(fixture: LoadedFixture | string | object, options: ClientReplayOptions): Promise<ClientReplayReport> {
  const loaded = isLoaded(fixture) ? fixture : loadFixture(fixture);
  const replyTimeoutMs = options.replyTimeoutMs ?? 5000;
  const { children, roots } = mapReferrals(loaded);
  const byLabel = new Map(loaded.connections.map((c) => [c.label, c]));
  const lastIndex = new Map(loaded.connections.map((c) => [c.label, c.frames.at(-1)?.index ?? -1]));
  const live: Live = { values: new Map(), addresses: new Map(), challenges: new Map() };
  const session = new SessionContext();
  const open = new Map<string, LiveConnection>();
  const skipped = new Set<string>();
  const checks: ReplyCheck[] = [];
  const check = (c: ReplyCheck) => {
    checks.push(c);
    options.onCheck?.(c);
  };

  const connection = async (label: string): Promise<LiveConnection | null> => {
    const existing = open.get(label);
    if (existing) return existing;
    if (skipped.has(label)) return null;
    const address = roots.some((r) => r.label === label) ? options.upstream : live.addresses.get(label);
    if (address === undefined) {
      skipped.add(label);
      check({ conn: label, index: null, expected: 'a referral to this connection', got: null, flags: ['the server never referred the client here'], varied: [] });
      return null;
    }
    try {
      const c = await LiveConnection.open(label, address, session, options.connectTimeoutMs ?? 5000);
      open.set(label, c);
      return c;
    } catch (error) {
      skipped.add(label);
      check({ conn: label, index: null, expected: `a connection to ${address}`, got: null, flags: [(error as Error).message], varied: [] });
      return null;
    }
  };

  try {
    for (const frame of captureOrder(loaded)) {
      const conn = await connection(frame.conn);
      if (!conn) continue;
      const script = byLabel.get(frame.conn)!;
      if (frame.dir === 'c2s') {
        conn.send(outgoing(frame, live, script.version));
      } else {
        const same = (f: LiveFrame['frame']) => f.command === frame.command && f.trId === frame.trId;
        const got = await conn.take(same, (f) => f.command === frame.command, replyTimeoutMs);
        if (!got) {
          check({ conn: frame.conn, index: frame.index, expected: lineText(frame), got: null, flags: ['no such frame from the server'], varied: [] });
        } else {
          const recordedPayload = frame.payloadLength === null ? null : frame.bytes.subarray(frame.bytes.length - frame.payloadLength);
          const result = compareReply({ frame, payload: recordedPayload }, { frame: got.frame, payload: got.payload });
          check({ conn: frame.conn, index: frame.index, expected: lineText(frame), got: lineText(got), ...result });
          learn(frame, got, live, children);
        }
      }
      if (frame.index === lastIndex.get(frame.conn) && script.closedBy === 'client') conn.end();
    }
    // Whatever else the servers sent was never recorded.
    await new Promise((r) => setTimeout(r, 100));
    for (const conn of open.values()) {
      for (const extra of conn.leftovers()) {
        check({ conn: conn.label, index: null, expected: null, got: lineText(extra), flags: ['the server sent a frame the recording does not have'], varied: [] });
      }
    }
  } finally {
    for (const conn of open.values()) conn.destroy();
  }
  return { checks, flagged: checks.filter((c) => c.flags.length > 0).map(describe) };
}
