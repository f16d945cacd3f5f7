// Shared by the client/server log readers (Pidgin, Escargot): logs print command lines, and print
// payloads separately or not at all, so a frame is rebuilt from a logged line and the body found for
// it. When the body is missing or its length disagrees with the line, the length token is rewritten
// to what is actually there (with an issue), so one lost body never swallows the frames after it.
import { announcesPayload } from './transcript.js';
import type { InputResult } from './types.js';

/** What the log readers return: decoder input, named by the log it came from. */
export type LogInputResult = Omit<InputResult, 'format'> & { format: 'pidgin' | 'escargot' };

export interface RebuiltFrame {
  bytes: Buffer;
  issue?: string;
}

/** The wire bytes for a logged command line and the payload body the log showed for it (or null). */
export function rebuildFrame(line: string, body: Buffer | null, where: string): RebuiltFrame {
  const tokens = line.split(' ');
  const last = tokens[tokens.length - 1] ?? '';
  const carries = announcesPayload(line);
  if (!carries && body === null) return { bytes: Buffer.from(`${line}\r\n`, 'utf8') };
  const payload = body ?? Buffer.alloc(0);
  if (carries && Number(last) === payload.length) return { bytes: Buffer.concat([Buffer.from(`${line}\r\n`, 'utf8'), payload]) };
  let fixed: string;
  let issue: string;
  if (body === null) {
    tokens[tokens.length - 1] = '0';
    fixed = tokens.join(' ');
    issue = `${where}: the payload of "${line}" is not in the log; its length was set to 0`;
  } else if (carries) {
    tokens[tokens.length - 1] = String(payload.length);
    fixed = tokens.join(' ');
    issue = `${where}: "${line}" announces ${last} bytes but the log shows ${payload.length}; the length was set to ${payload.length}`;
  } else {
    fixed = `${line} ${payload.length}`;
    issue = `${where}: "${line}" was logged without its payload length; ${payload.length} appended`;
  }
  return { bytes: Buffer.concat([Buffer.from(`${fixed}\r\n`, 'utf8'), payload]), issue };
}

/** Milliseconds from a log timestamp: a full date and time (taken as UTC), or a time of day. */
export function logTime(text: string | undefined): number | null {
  if (text === undefined) return null;
  const full = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,6}))?$/.exec(text.trim());
  if (full) {
    const [, y, mo, d, h, mi, s, frac] = full;
    const ms = frac === undefined ? 0 : Number(`0.${frac}`) * 1000;
    return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + ms;
  }
  const day = /^(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,6}))?$/.exec(text.trim());
  if (!day) return null;
  const [, h, mi, s, frac] = day;
  return ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * 1000 + (frac === undefined ? 0 : Number(`0.${frac}`) * 1000);
}

/** Makes log times usable as read times: never decreasing (a time of day that wraps is a new day). */
export class LogClock {
  #last = Number.NEGATIVE_INFINITY;
  #dayOffset = 0;

  at(time: number | null, lineNo: number): number {
    if (time === null) return this.#last === Number.NEGATIVE_INFINITY ? lineNo : this.#last;
    let t = time + this.#dayOffset;
    if (time < 86_400_000 && t < this.#last - 43_200_000) {
      this.#dayOffset += 86_400_000;
      t += 86_400_000;
    }
    this.#last = Math.max(this.#last, t);
    return this.#last;
  }
}
