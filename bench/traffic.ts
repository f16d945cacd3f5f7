// MSNP-shaped traffic for the benchmarks: MSNP12 notification-server frames and switchboard messages.

const TEXT = 'The quick brown fox jumps over the lazy dog. Hey, are you coming tonight? :) ';

/** A `text/plain` instant-message payload of exactly `size` bytes (MIME headers, then filler text). */
export function messagePayload(size: number): Buffer {
  const head = 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Segoe%20UI; EF=; CO=0; CS=1; PF=0\r\n\r\n';
  const body = TEXT.repeat(Math.ceil(size / TEXT.length));
  return Buffer.from((head + body).slice(0, size), 'latin1');
}

/**
 * `count` switchboard messages of `payloadSize` bytes each, in one buffer: client→server
 * `MSG trid U size` (TrIDs counting up from `firstTrId`, as a real client's do; all `firstTrId` when
 * `sameTrId`), or server→client `MSG handle nick size`.
 */
export function messageBlock(dir: 'c2s' | 's2c', count: number, payloadSize: number, firstTrId: number, sameTrId = false): Buffer {
  const payload = messagePayload(payloadSize);
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const trId = sameTrId ? firstTrId : firstTrId + i;
    const line = dir === 'c2s' ? `MSG ${trId} U ${payloadSize}\r\n` : `MSG alice@example.com Alice ${payloadSize}\r\n`;
    parts.push(Buffer.from(line, 'latin1'), payload);
  }
  return Buffer.concat(parts);
}

export interface FrameStream {
  bytes: Buffer;
  /** Byte size of each frame, in order. */
  sizes: number[];
  /** Command of each frame, in order. */
  commands: string[];
}

/**
 * A notification-server stream (server → client) of `frames` realistic MSNP12 frames (MSNP12 layouts:
 * no network ids, which came with MSNP14): the initial list
 * (ILN), presence changes (NLN/FLN), personal messages (UBX with XML payload), profile and
 * notification messages (MSG with MIME payload), pings. Handles and TrIDs vary from frame to frame.
 */
export function notificationStream(frames: number): FrameStream {
  const profile = 'MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\nLoginTime: 1126000000\r\nEmailEnabled: 1\r\nMemberIdHigh: 1\r\nMemberIdLow: 2\r\nlang_preference: 1033\r\npreferredEmail: alice@example.com\r\ncountry: US\r\nKid: 0\r\nFlags: 1027\r\nsid: 507\r\nkv: 7\r\nMSPAuth: 7Z0Jq4oABCDEFGHIJKLMNOPQRSTUVWXYZ$$\r\nClientIP: 192.0.2.10\r\nClientPort: 20001\r\n\r\n';
  const initialMail = 'MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinitialemailnotification; charset=UTF-8\r\n\r\nInbox-Unread: 3\r\nFolders-Unread: 0\r\nInbox-URL: /cgi-bin/HoTMaiL\r\nFolders-URL: /cgi-bin/folders\r\nPost-URL: http://www.hotmail.com\r\n\r\n';
  const statuses = ['NLN', 'AWY', 'BSY', 'IDL', 'BRB', 'PHN', 'LUN'];
  const parts: string[] = [];
  const sizes: number[] = [];
  const commands: string[] = [];
  const push = (command: string, text: string) => {
    parts.push(text);
    sizes.push(Buffer.byteLength(text, 'latin1'));
    commands.push(command);
  };
  for (let i = 0; i < frames; i++) {
    const who = `contact${i % 997}@example.com`;
    const nick = `Contact%20${i % 997}%20%E2%99%AB`;
    const status = statuses[i % statuses.length] as string;
    switch (i % 10) {
      case 0: case 1: case 2:
        push('ILN', `ILN ${10 + (i % 50)} ${status} ${who} ${nick} 1342177280 %3Cmsnobj%20Creator%3D%22${who}%22%20Size%3D%2224539%22%20Type%3D%223%22%2F%3E\r\n`);
        break;
      case 3: case 4: case 5: {
        push('NLN', `NLN ${status} ${who} ${nick} 1342177316\r\n`);
        break;
      }
      case 6: case 7: {
        const psm = `<Data><PSM>listening to track ${i}</PSM><CurrentMedia>\\0Music\\01\\0{0} - {1}\\0Song ${i}\\0Artist\\0\\0</CurrentMedia><MachineGuid>{F26D1F07-95E2-403C-BC18-D4BFED493428}</MachineGuid></Data>`;
        push('UBX', `UBX ${who} ${Buffer.byteLength(psm, 'latin1')}\r\n${psm}`);
        break;
      }
      case 8: {
        const body = i % 20 === 8 ? profile : initialMail;
        push('MSG', `MSG Hotmail Hotmail ${Buffer.byteLength(body, 'latin1')}\r\n${body}`);
        break;
      }
      default:
        push(i % 20 === 9 ? 'FLN' : 'QNG', i % 20 === 9 ? `FLN ${who}\r\n` : 'QNG 45\r\n');
    }
  }
  return { bytes: Buffer.from(parts.join(''), 'latin1'), sizes, commands };
}
