import { describe, expect, it } from 'vitest';
import type { PayloadContext } from '../../shared/msnp/views.js';
import { renderPayload } from '../../proxy/decode/payloads/registry.js';
import { child, find, get, spansWithin } from './tree.js';

const ctx = (command: string, dir: PayloadContext['dir'] = 'c2s'): PayloadContext => ({ command, dir, version: 21, params: [] });

function envelope(blocks: string[][], body: string | Buffer): Buffer {
  return Buffer.concat([Buffer.from(blocks.map((b) => `${b.join('\r\n')}\r\n\r\n`).join(''), 'utf8'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8')]);
}

const ROUTING = [
  'Routing: 1.0',
  'To: 1:bob@live.com;epid={F52973B6-C926-4BAD-9BA8-7C1E840E4AB0}',
  'From: 1:alice@live.com;epid={0F7F6AB1-9DD7-4A3F-8B9F-1C2D3E4F5A6B};path=IM',
];
const RELIABILITY = ['Reliability: 1.0'];

describe('MSNP21 envelope', () => {
  it('SDG text message', () => {
    const body = 'Hello, Bob';
    const payload = envelope(
      [
        ROUTING,
        RELIABILITY,
        [
          'Messaging: 2.0',
          'Message-Type: Text',
          'Content-Transfer-Encoding: 7bit',
          'Content-Type: text/plain; charset=UTF-8',
          `Content-Length: ${body.length}`,
          'X-MMS-IM-Format: FN=Segoe%20UI; EF=I; CO=0; CS=1; PF=0',
        ],
      ],
      body,
    );
    const v = renderPayload(payload, ctx('SDG'));
    expect(v.view).toBe('msnp21-envelope');
    expect(v.title).toBe('MSNP21 SDG: Messaging 2.0, Text (text/plain)');
    expect(v.issues).toEqual([]);
    expect(v.nodes.map((n) => n.label)).toEqual(['Routing: 1.0', 'Reliability: 1.0', 'Messaging: 2.0', 'body']);
    const to = get(v, 'To');
    expect(child(to, 'network')).toBe('1 = Windows Live (Passport)');
    expect(child(to, 'address')).toBe('bob@live.com');
    expect(child(to, 'epid')).toBe('{F52973B6-C926-4BAD-9BA8-7C1E840E4AB0}');
    expect(child(get(v, 'From'), 'path')).toBe('IM');
    expect(child(get(v, 'X-MMS-IM-Format'), 'effects')).toBe('italic');
    const text = get(v, 'text');
    expect(text.value).toBe(body);
    expect(payload.subarray(text.span![0], text.span![1]).toString()).toBe(body);
    expect(spansWithin(v, payload.length)).toBe(true);
  });

  it('NFY presence with a user+xml body and a circle via', () => {
    const xml = '<user><s n="IM"><Status>BSY</Status></s></user>';
    const payload = envelope(
      [
        ['Routing: 1.0', 'To: 1:alice@live.com', 'From: 1:carol@live.com;via=9:00000000-0000-0000-0009-000000000001@live.com'],
        RELIABILITY,
        ['Notification: 1.0', 'NotifNum: 3', 'Uri: /user', 'NotifType: Partial', 'Content-Type: application/user+xml', `Content-Length: ${xml.length}`],
      ],
      xml,
    );
    const v = renderPayload(payload, ctx('NFY', 's2c'));
    expect(v.title).toBe('MSNP21 NFY: Notification 1.0, /user (application/user+xml)');
    expect(v.issues).toEqual([]);
    const via = get(get(v, 'From').children!, 'via');
    expect(child(via, 'network')).toBe('9 = circle');
    const status = get(v, '<Status>');
    expect(child(status, 'presence')).toBe('busy');
    expect(payload.subarray(status.span![0], status.span![1]).toString()).toBe('<Status>BSY</Status>');
  });

  it('PUT reply without a body', () => {
    const payload = envelope([ROUTING, ['Reliability: 1.0', 'Stream: 1', 'Segment: 0']], '');
    const v = renderPayload(payload, ctx('PUT', 's2c'));
    expect(v.view).toBe('msnp21-envelope');
    expect(v.issues).toEqual([]);
  });

  it('binary P2P body goes to the P2P decoder', () => {
    const packet = Buffer.alloc(8 + 4);
    packet[0] = 8;
    packet[1] = 0x01;
    packet.writeUInt32BE(42, 4);
    const payload = envelope(
      [ROUTING, RELIABILITY, ['Messaging: 2.0', 'Message-Type: Signal/P2P', 'Content-Type: application/x-msnmsgrp2p', 'Content-Transfer-Encoding: binary', `Content-Length: ${packet.length}`]],
      packet,
    );
    const v = renderPayload(payload, ctx('SDG'));
    expect(get(v, 'body').value).toBe('P2P v2 seq 42: SYN');
    expect(find(v, 'P2P v2 transport header')).toBeDefined();
  });

  it('a wrong Content-Length and a bad network id are issues', () => {
    const payload = envelope([['Routing: 1.0', 'To: 77:x@y', 'From: nobody'], RELIABILITY, ['Messaging: 2.0', 'Message-Type: Text', 'Content-Length: 50']], 'short');
    const v = renderPayload(payload, ctx('SDG'));
    expect(v.issues).toContain('body truncated: 5 of 50 bytes present');
    expect(get(get(v, 'To').children!, 'network').issue).toBe('unknown network id');
    expect(get(get(v, 'From').children!, 'address').issue).toBe('address has no "network:" prefix');
  });

  it('only payloads starting with Routing: are envelopes', () => {
    expect(renderPayload(Buffer.from('hello'), ctx('SDG')).view).toBe('text');
  });
});
