import { describe, expect, it } from 'vitest';
import type { PayloadContext } from '../../shared/msnp/views.js';
import { renderPayload } from '../../proxy/decode/payloads/registry.js';
import { sessionPayload } from './sessions.js';
import { child, find, get, spansWithin } from './tree.js';

const msg = (version = 8, dir: PayloadContext['dir'] = 's2c'): PayloadContext => ({ command: 'MSG', dir, version, params: [] });
const crlf = (...lines: string[]) => Buffer.from(lines.join('\r\n'), 'utf8');

describe('MIME view on the reference sessions', () => {
  it('msnp8 login profile: every header, LoginTime as a date, ClientPort swapped back', () => {
    const p = sessionPayload('msnp8.txt', 'S: MSG Hotmail Hotmail 448');
    expect(p.available).toBe(p.declared);
    const v = renderPayload(p.bytes, msg());
    expect(v.view).toBe('mime');
    expect(v.title).toBe('MIME text/x-msmsgsprofile: login profile');
    expect(v.issues).toEqual([]);
    const headers = get(v, 'headers').children ?? [];
    expect(headers.map((h) => h.label)).toEqual([
      'MIME-Version', 'Content-Type', 'LoginTime', 'EmailEnabled', 'MemberIdHigh', 'MemberIdLow', 'lang_preference', 'PreferredEmail',
      'country', 'PostalCode', 'Gender', 'Kid', 'Age', 'BDayPre', 'Birthday', 'Wallet', 'Flags', 'sid', 'kv', 'MSPAuth', 'ClientIP', 'ClientPort',
    ]);
    expect(child(get(v, 'LoginTime'), 'date')).toBe('2024-09-14T13:52:40.000Z');
    const port = get(v, 'ClientPort');
    expect(port.value).toBe('18183');
    expect(child(port, 'real port')).toBe('1863');
    // Each header node spans exactly its line.
    for (const h of headers) {
      const line = p.bytes.subarray(h.span![0], h.span![1]).toString('utf8');
      expect(line).toBe(`${h.label}: ${h.value}`);
    }
    expect(spansWithin(v, p.bytes.length)).toBe(true);
  });

  it('msnp13 profile (source is one byte short of its body): still decodes, BetaInvites listed', () => {
    const p = sessionPayload('msnp13.txt', 'S: MSG Hotmail Hotmail 481');
    const v = renderPayload(p.bytes, msg(13));
    expect(get(v, 'BetaInvites').value).toBe('10');
    // The declared length cuts the final LF: the blank line is incomplete.
    expect(v.issues.some((i) => /blank line/.test(i))).toBe(true);
  });
});

describe('MIME content types', () => {
  it('typing notification', () => {
    const body = crlf('MIME-Version: 1.0', 'Content-Type: text/x-msmsgscontrol', 'TypingUser: alice@hotmail.com', '', '', '');
    const v = renderPayload(body, msg(8, 'c2s'));
    expect(v.title).toBe('MIME text/x-msmsgscontrol: typing notification from alice@hotmail.com');
    expect(child(get(v, 'TypingUser'), 'meaning')).toBe('alice@hotmail.com is typing');
    expect(v.issues).toEqual([]);
  });

  it('text message with X-MMS-IM-Format (CO is BGR)', () => {
    const body = crlf(
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=UTF-8',
      'X-MMS-IM-Format: FN=Segoe%20UI; EF=B; CO=ff0000; CS=0; PF=22',
      '',
      'Hello there',
    );
    const v = renderPayload(body, msg(8, 'c2s'));
    expect(v.title).toBe('MIME text/plain: text message');
    const fmt = get(v, 'X-MMS-IM-Format');
    expect(child(fmt, 'font')).toBe('Segoe UI');
    expect(child(fmt, 'effects')).toBe('bold');
    expect(child(fmt, 'colour')).toMatch(/^#0000FF\b/);
    expect(child(fmt, 'charset')).toMatch(/^0 = ANSI/);
    expect(child(fmt, 'pitch/family')).toMatch(/swiss family, variable pitch/);
    const text = get(v, 'text');
    expect(text.value).toBe('Hello there');
    expect(body.subarray(text.span![0], text.span![1]).toString()).toBe('Hello there');
    expect(v.issues).toEqual([]);
  });

  it('short BGR colours and all effects', () => {
    const v = renderPayload(crlf('Content-Type: text/plain', 'X-MMS-IM-Format: FN=Arial; EF=BIUS; CO=ff; CS=80; PF=0; RL=1', '', 'x'), msg());
    const fmt = get(v, 'X-MMS-IM-Format');
    expect(child(fmt, 'colour')).toMatch(/^#FF0000/);
    expect(child(fmt, 'effects')).toBe('bold, italic, underline, strikethrough');
    expect(child(fmt, 'charset')).toMatch(/Shift-JIS/);
    expect(child(fmt, 'right-to-left')).toBe('yes');
  });

  it('new e-mail notification with an encoded subject', () => {
    const body = crlf(
      'MIME-Version: 1.0',
      'Content-Type: text/x-msmsgsemailnotification; charset=UTF-8',
      '',
      'From: Example User',
      'Message-URL: /cgi-bin/getmsg?msg=MSG1728932553.00&start=1&len=12&curmbox=ACTIVE',
      'Subject: =?"us-ascii"?Q?Just saying hello.?=',
      'Dest-Folder: ACTIVE',
      'From-Addr: example@hotmail.com',
      'id: 2',
      '',
      '',
    );
    const v = renderPayload(body, msg(8));
    expect(v.title).toBe('MIME text/x-msmsgsemailnotification: new e-mail');
    expect(child(get(v, 'Subject'), 'decoded')).toBe('Just saying hello.');
    expect(get(v, 'From-Addr').value).toBe('example@hotmail.com');
    expect(v.issues).toEqual([]);
  });

  it('initial mail data: Mail-Data XML is parsed', () => {
    const xml = '<MD><E><I>3</I><IU>1</IU><O>0</O><OU>0</OU></E></MD>';
    const body = crlf('MIME-Version: 1.0', 'Content-Type: text/x-msmsgsinitialmdatanotification; charset=UTF-8', '', `Mail-Data: ${xml}`, '', '');
    const v = renderPayload(body, msg(11));
    const iu = get(v, '<IU>');
    expect(iu.value).toBe('1');
    expect(body.subarray(iu.span![0], iu.span![1]).toString()).toBe('<IU>1</IU>');
  });

  it('system message', () => {
    const v = renderPayload(crlf('MIME-Version: 1.0', 'Content-Type: application/x-msmsgssystemmessage', '', 'Type: 1', 'Arg1: 5', '', ''), msg());
    expect(v.title).toBe('MIME application/x-msmsgssystemmessage: system message');
    expect(child(get(v, 'Type'), 'meaning')).toBe('server going down');
    expect(child(get(v, 'Arg1'), 'meaning')).toBe('5 minutes (for type 1)');
  });

  it('invitation', () => {
    const v = renderPayload(
      crlf(
        'MIME-Version: 1.0',
        'Content-Type: text/x-msmsgsinvite; charset=UTF-8',
        '',
        'Application-Name: File Transfer',
        'Application-GUID: {5D3E02AB-6190-11D3-BBBB-00C04F795683}',
        'Invitation-Command: INVITE',
        'Invitation-Cookie: 57814',
        'Application-File: notes.txt',
        'Application-FileSize: 1024',
        '',
        '',
      ),
      msg(),
    );
    expect(child(get(v, 'Application-GUID'), 'application')).toBe('file transfer');
    expect(get(v, 'Invitation-Cookie').value).toBe('57814');
    expect(child(get(v, 'Invitation-Command'), 'meaning')).toBe('offer');
  });

  it.each([
    ['1', 'nudge'],
    ['2', 'wink (inferred)'],
    ['3', 'voice clip (inferred)'],
    ['4', 'action message (inferred)'],
  ])('datacast ID %s', (id, name) => {
    const v = renderPayload(crlf('MIME-Version: 1.0', 'Content-Type: text/x-msnmsgr-datacast', '', `ID: ${id}`, '', ''), msg(11));
    expect(v.title).toBe(`MIME text/x-msnmsgr-datacast: datacast: ${name}`);
  });

  it('custom emoticon map: shortcut TAB msnobj TAB pairs', () => {
    const obj = encodeURIComponent('<msnobj Creator="alice@hotmail.com" Size="1234" Type="2" Location="TFR2C.tmp" Friendly="AAA=" SHA1D="x" SHA1C="y"/>');
    const body = Buffer.concat([crlf('MIME-Version: 1.0', 'Content-Type: text/x-mms-emoticon', '', ''), Buffer.from(`(cat)\t${obj}\t:dog:\t${obj}\t`)]);
    const v = renderPayload(body, msg(11));
    expect(v.title).toBe('MIME text/x-mms-emoticon: custom emoticon map');
    const cat = get(v, '(cat)');
    expect(cat.value).toBe('custom emoticon by alice@hotmail.com, 1234 bytes, TFR2C.tmp');
    expect(child(cat, 'Creator')).toBe('alice@hotmail.com');
    expect(find(v, ':dog:')).toBeDefined();
    expect(v.issues).toEqual([]);
  });

  it('UUM/UBM use the MIME view too', () => {
    const v = renderPayload(crlf('MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', '', 'hi'), { command: 'UBM', dir: 's2c', version: 14, params: [] });
    expect(v.view).toBe('mime');
  });
});

describe('MIME problems become issues', () => {
  it('missing blank line', () => {
    const v = renderPayload(crlf('MIME-Version: 1.0', 'Content-Type: text/plain'), msg());
    expect(v.view).toBe('mime');
    expect(v.issues).toContain('no blank line after the MIME headers');
  });

  it('header without a colon', () => {
    const v = renderPayload(crlf('MIME-Version: 1.0', 'Content-Type text/plain', '', 'x'), msg());
    expect(v.issues.some((i) => i.startsWith('header line has no colon'))).toBe(true);
    expect(v.issues).toContain('no Content-Type header');
    expect(get(v, 'Content-Type text/plain').issue).toBe('header line has no colon');
  });

  it('non-UTF-8 charset', () => {
    const v = renderPayload(crlf('MIME-Version: 1.0', 'Content-Type: text/plain; charset=ISO-8859-1', '', 'caf\u00e9'), msg());
    expect(v.issues.some((i) => i.includes('charset "ISO-8859-1" is not UTF-8'))).toBe(true);
  });

  it('invalid UTF-8 in the body', () => {
    const body = Buffer.concat([crlf('MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', '', ''), Buffer.from([0x68, 0xff, 0xfe, 0xc3])]);
    const v = renderPayload(body, msg());
    expect(v.view).toBe('mime');
    expect(v.issues).toContain('body is not valid UTF-8');
  });

  it('empty MSG payload', () => {
    const v = renderPayload(Buffer.alloc(0), msg());
    expect(v.view).toBe('mime');
    expect(v.issues).toContain('no Content-Type header');
  });
});
