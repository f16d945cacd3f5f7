import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import type { PayloadContext, RenderedView } from '../../shared/msnp/views.js';
import { PAYLOAD_VIEWS, renderPayload } from '../../proxy/decode/payloads/registry.js';
import { mimeView } from '../../proxy/decode/payloads/mime.js';
import { renderP2P } from '../../proxy/decode/payloads/p2p.js';
import { parseXml } from '../../proxy/decode/payloads/xml-parse.js';
import { sessionPayload } from './sessions.js';
import { spansWithin } from './tree.js';

const ctx = (command: string, version = 11): PayloadContext => ({ command, dir: 'c2s', version, params: [] });
const COMMANDS = ['MSG', 'UUM', 'UBM', 'NOT', 'IPG', 'GCF', 'UUX', 'UBX', 'ADL', 'RML', 'FQY', 'PAG', 'PGD', 'SDG', 'NFY', 'PUT', 'DEL', 'QRY', 'XYZ', ''];

function wellFormed(v: RenderedView, length: number): void {
  expect(typeof v.view).toBe('string');
  expect(typeof v.title).toBe('string');
  expect(Array.isArray(v.nodes)).toBe(true);
  expect(Array.isArray(v.issues)).toBe(true);
  expect(spansWithin(v, length)).toBe(true);
}

describe('registry', () => {
  it('QRY payloads are shown as text', () => {
    const p = sessionPayload('msnp6.txt', 'C: QRY 10 msmsgs@msnmsgr.com 32');
    const v = renderPayload(p.bytes, ctx('QRY', 6));
    expect(v.view).toBe('text');
    expect(v.title).toBe('challenge response');
    expect(v.nodes[0]?.value).toMatch(/^[0-9a-f]{32}$/);
    expect(v.issues).toEqual([]);
  });

  it('falls back to hex for binary and invalid UTF-8', () => {
    const bytes = Buffer.from([0xc3, 0x28, 0x00, 0x01, 0xff, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c]);
    const v = renderPayload(bytes, ctx('XYZ'));
    expect(v.view).toBe('hex');
    expect(v.nodes).toHaveLength(2);
    expect(v.nodes[0]).toEqual({ label: '00000000', value: 'c3 28 00 01 ff 41 42 43  44 45 46 47 48 49 4a 4b  |.(...ABCDEFGHIJK|', span: [0, 16] });
    expect(v.nodes[1]?.span).toEqual([16, 17]);
  });

  it('readable text for unknown commands', () => {
    const v = renderPayload(Buffer.from('line one\r\nline two'), ctx('XYZ'));
    expect(v.view).toBe('text');
    expect(v.nodes.map((n) => n.value)).toEqual(['line one', 'line two']);
  });

  it('a view that throws is reported and the next one renders', () => {
    const spy = vi.spyOn(mimeView, 'render').mockImplementation(() => {
      throw new Error('boom');
    });
    try {
      const v = renderPayload(Buffer.from('MIME-Version: 1.0\r\n\r\nhi'), ctx('MSG'));
      expect(v.view).toBe('text');
      expect(v.issues[0]).toBe('view mime failed: boom');
    } finally {
      spy.mockRestore();
    }
  });

  it('every view has a name and the P2P view is only a sub-view', () => {
    expect(PAYLOAD_VIEWS.map((v) => v.name)).toEqual(['msnp21-envelope', 'mime', 'xml', 'p2p', 'text', 'hex']);
    const p2p = PAYLOAD_VIEWS.find((v) => v.name === 'p2p')!;
    expect(p2p.priority(Buffer.alloc(60), ctx('MSG'))).toBeLessThan(0);
  });
});

describe('hostile input never throws', () => {
  it('random bytes into every view and every command', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom(...COMMANDS), (arr, command) => {
        const payload = Buffer.from(arr);
        for (const view of PAYLOAD_VIEWS) {
          view.priority(payload, ctx(command));
          wellFormed(view.render(payload, ctx(command)), payload.length);
        }
        wellFormed(renderPayload(payload, ctx(command)), payload.length);
      }),
      { numRuns: 400 },
    );
  });

  const PREFIXES = [
    'MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: a@b;{0F7F6AB1-9DD7-4A3F-8B9F-1C2D3E4F5A6B}\r\n\r\n',
    'MIME-Version: 1.0\r\nContent-Type: text/x-mms-emoticon\r\n\r\n',
    'MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinitialmdatanotification\r\n\r\nMail-Data: ',
    'Routing: 1.0\r\nTo: 1:a@b\r\n\r\nReliability: 1.0\r\n\r\nMessaging: 2.0\r\nContent-Type: application/x-msnmsgrp2p\r\nContent-Length: 40\r\n\r\n',
    'INVITE MSNMSGR:a MSNSLP/1.0\r\nContent-Length: 9\r\n\r\n',
  ];

  it('structured prefixes followed by random bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PREFIXES), fc.uint8Array({ maxLength: 200 }), (prefix, arr) => {
        const payload = Buffer.concat([Buffer.from(prefix), Buffer.from(arr)]);
        for (const command of ['MSG', 'SDG']) wellFormed(renderPayload(payload, ctx(command, 21)), payload.length);
      }),
      { numRuns: 300 },
    );
  });

  it('random P2P-looking packets (v1 and v2 sized)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 120 }), fc.boolean(), (arr, v2) => {
        const buf = Buffer.from(arr);
        const r = renderP2P(buf, v2 ? { dest: 'a;{0F7F6AB1-9DD7-4A3F-8B9F-1C2D3E4F5A6B}' } : {});
        expect([1, 2]).toContain(r.version);
      }),
      { numRuns: 500 },
    );
  });

  it('XML-ish text', () => {
    const unit = fc.constantFrom('<', '>', '/', 'a', 'b', '=', '"', "'", '&', ';', '!', '[', ']', ' ', '?', '-', '#', 'x', '1', 'lt', 'DOCTYPE', 'ENTITY', 'CDATA', '\u00e9');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 200 }), (s) => {
        const bytes = Buffer.from(s, 'utf8');
        const doc = parseXml(bytes, { maxDepth: 8, maxNodes: 100 });
        expect(Array.isArray(doc.nodes)).toBe(true);
        wellFormed(renderPayload(bytes, ctx('NOT')), bytes.length);
      }),
      { numRuns: 500 },
    );
  });
});
