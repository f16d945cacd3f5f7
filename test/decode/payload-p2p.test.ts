import { describe, expect, it } from 'vitest';
import { renderPayload } from '../../proxy/decode/payloads/registry.js';
import { renderP2P } from '../../proxy/decode/payloads/p2p.js';
import { child, find, get, spansWithin } from './tree.js';

const MSNOBJ = '<msnobj Creator="bob@hotmail.com" Size="25235" Type="3" Location="uexA4DE.dat" Friendly="AAA=" SHA1D="vP1ppB+xiFQ8ceZivRe0uCaYLIU=" SHA1C="PApbbjkbDSGrt3ybGHRKNaZ8s/w="/>';

/** An MSNSLP INVITE for a display picture, as a client sends it. */
function slpInvite(): Buffer {
  const context = Buffer.from(`${MSNOBJ}\0`).toString('base64');
  const body = `EUF-GUID: {A4268EEC-FEC5-49E5-95C3-F126696BDBF6}\r\nSessionID: 1980589\r\nAppID: 1\r\nContext: ${context}\r\n\r\n\0`;
  const head = [
    'INVITE MSNMSGR:bob@hotmail.com MSNSLP/1.0',
    'To: <msnmsgr:bob@hotmail.com>',
    'From: <msnmsgr:alice@hotmail.com>',
    'Via: MSNSLP/1.0/TLP ;branch={33517CE4-02FC-4428-B6F4-39927229B722}',
    'CSeq: 0 ',
    'Call-ID: {9D79AE57-1BD5-444B-B14E-3FC9BB2B5D58}',
    'Max-Forwards: 0',
    'Content-Type: application/x-msnmsgr-sessionreqbody',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    '',
  ].join('\r\n');
  return Buffer.from(head + body, 'utf8');
}

/** P2P v1: 48-byte little-endian header, data, big-endian footer — written field by field. */
function v1Packet(data: Buffer, fields: { session?: number; id?: number; flags?: number; footer?: number | null; ack?: [number, number, bigint] } = {}): Buffer {
  const h = Buffer.alloc(48);
  h.writeUInt32LE(fields.session ?? 0, 0);
  h.writeUInt32LE(fields.id ?? 73618, 4);
  h.writeBigUInt64LE(0n, 8);
  h.writeBigUInt64LE(BigInt(data.length), 16);
  h.writeUInt32LE(data.length, 24);
  h.writeUInt32LE(fields.flags ?? 0, 28);
  const [a, b, c] = fields.ack ?? [0x1b1c4a2d, 0, 0n];
  h.writeUInt32LE(a, 32);
  h.writeUInt32LE(b, 36);
  h.writeBigUInt64LE(c, 40);
  const parts = [h, data];
  if (fields.footer !== null) {
    const f = Buffer.alloc(4);
    f.writeUInt32BE(fields.footer ?? 0, 0);
    parts.push(f);
  }
  return Buffer.concat(parts);
}

const crlf = (...lines: string[]) => Buffer.from(lines.join('\r\n'), 'utf8');
const msgD = { command: 'MSG', dir: 'c2s' as const, version: 9, params: ['D'] };

describe('P2P v1', () => {
  it('an MSNSLP INVITE inside MSG D, built byte by byte', () => {
    const slp = slpInvite();
    const packet = v1Packet(slp);
    const mime = crlf('MIME-Version: 1.0', 'Content-Type: application/x-msnmsgrp2p', 'P2P-Dest: bob@hotmail.com', '', '');
    const payload = Buffer.concat([mime, packet]);
    const v = renderPayload(payload, msgD);
    expect(v.view).toBe('mime');
    expect(v.title).toBe('MIME application/x-msnmsgrp2p: P2P v1 session 0: MSNSLP INVITE MSNMSGR:bob@hotmail.com');
    expect(v.issues).toEqual([]);
    expect(child(get(v, 'P2P-Dest'), 'handle')).toBe('bob@hotmail.com');

    const at = mime.length;
    const header = get(v, 'P2P v1 header');
    expect(header.span).toEqual([at, at + 48]);
    expect(get(header.children!, 'SessionID').value).toBe('0');
    expect(get(header.children!, 'Identifier').value).toBe('73618');
    expect(get(header.children!, 'TotalSize').value).toBe(String(slp.length));
    expect(get(header.children!, 'MessageSize').span).toEqual([at + 24, at + 28]);
    expect(child(get(header.children!, 'Flags'), 'meaning')).toBe('normal');

    expect(get(v, 'request line').value).toBe('INVITE MSNMSGR:bob@hotmail.com MSNSLP/1.0');
    const via = get(v, 'Via');
    expect(child(via, 'branch')).toBe('{33517CE4-02FC-4428-B6F4-39927229B722}');
    expect(payload.subarray(via.span![0], via.span![1]).toString()).toBe('Via: MSNSLP/1.0/TLP ;branch={33517CE4-02FC-4428-B6F4-39927229B722}');
    for (const name of ['To', 'From', 'CSeq', 'Call-ID', 'Max-Forwards', 'Content-Type', 'Content-Length']) {
      const node = get(v, name);
      expect(payload.subarray(node.span![0], node.span![1]).toString().startsWith(`${name}:`)).toBe(true);
    }
    const slpNode = get(v, 'MSNSLP');
    expect(child(get(slpNode.children!, 'Content-Type'), 'body kind')).toBe('session request');
    expect(child(get(v, 'EUF-GUID'), 'application')).toBe('display picture / MSN object transfer');
    const context = get(v, 'Context');
    expect(child(context, 'decoded text')).toBe(MSNOBJ);
    expect(get(context.children!, 'MSN object').value).toBe('display picture by bob@hotmail.com, 25235 bytes, uexA4DE.dat');
    const footer = get(v, 'footer (application id)');
    expect(footer.value).toBe('0');
    expect(child(footer, 'meaning')).toBe('MSNSLP / control');
    expect(footer.span).toEqual([payload.length - 4, payload.length]);
    expect(spansWithin(v, payload.length)).toBe(true);
  });

  it('an ACK explains its ack fields', () => {
    const r = renderP2P(v1Packet(Buffer.alloc(0), { session: 0, flags: 0x2, ack: [73618, 0x1b1c4a2d, 512n] }));
    expect(r.version).toBe(1);
    expect(r.title).toBe('P2P v1 session 0: ACK');
    expect(child(get(r.nodes, 'AckSessionID'), 'meaning')).toBe('Identifier of the acknowledged message');
    expect(child(get(r.nodes, 'Flags'), 'meaning')).toBe('ACK');
  });

  it('data chunks and footers by application', () => {
    const r = renderP2P(v1Packet(Buffer.from([1, 2, 3, 4, 5]), { session: 1980589, flags: 0x01000030, footer: 2 }));
    expect(child(get(r.nodes, 'Flags'), 'meaning')).toBe('file data');
    expect(child(get(r.nodes, 'footer (application id)'), 'meaning')).toBe('file transfer');
    expect(get(r.nodes, 'data').value).toBe('5 bytes');
    const direct = renderP2P(v1Packet(Buffer.alloc(4), { session: 7, footer: null }));
    expect(get(direct.nodes, 'footer').value).toMatch(/^none/);
  });

  it('truncated headers and data are issues', () => {
    const full = v1Packet(slpInvite());
    for (const cut of [0, 1, 12, 47]) {
      const r = renderP2P(full.subarray(0, cut));
      expect(r.issues).toContain(`P2P v1 header truncated: ${cut} of 48 bytes`);
    }
    const r = renderP2P(full.subarray(0, 100));
    expect(r.issues.some((i) => i.startsWith('P2P v1 data truncated'))).toBe(true);
    expect(r.issues.some((i) => i.startsWith('MSNSLP body truncated') || i.includes('not ended by a blank line'))).toBe(true);
  });
});

/** P2P v2: transport header (big-endian) with TLVs, data packet header, data, footer. */
function v2Packet(opts: { op: number; seq: number; tlvs?: Buffer; data?: { tf: number; pkg: number; session: number; tlvs?: Buffer; body: Buffer } }): Buffer {
  const tlvs = opts.tlvs ?? Buffer.alloc(0);
  let dataPart = Buffer.alloc(0);
  if (opts.data) {
    const dt = opts.data.tlvs ?? Buffer.alloc(0);
    const dh = Buffer.alloc(8);
    dh[0] = 8 + dt.length;
    dh[1] = opts.data.tf;
    dh.writeUInt16BE(opts.data.pkg, 2);
    dh.writeUInt32BE(opts.data.session, 4);
    dataPart = Buffer.concat([dh, dt, opts.data.body]);
  }
  const th = Buffer.alloc(8);
  th[0] = 8 + tlvs.length;
  th[1] = opts.op;
  th.writeUInt16BE(dataPart.length, 2);
  th.writeUInt32BE(opts.seq, 4);
  return Buffer.concat([th, tlvs, dataPart, Buffer.alloc(4)]);
}

describe('P2P v2', () => {
  const okBody = 'SessionID: 1980589\r\n\r\n\0';
  const ok = Buffer.from(
    'MSNSLP/1.0 200 OK\r\nTo: <msnmsgr:alice@live.com;{F52973B6-C926-4BAD-9BA8-7C1E840E4AB0}>\r\nFrom: <msnmsgr:bob@live.com;{0F7F6AB1-9DD7-4A3F-8B9F-1C2D3E4F5A6B}>\r\n' +
      `Content-Length: ${okBody.length}\r\n\r\n${okBody}`,
  );

  it('a data packet carrying MSNSLP, chosen as v2 by the P2P-Dest GUID', () => {
    // T2 L4 ACK sequence, then 2 bytes of padding to a 4-byte boundary.
    const tlvs = Buffer.from([2, 4, 0, 0, 0x03, 0xe8, 0, 0]);
    const remaining = Buffer.from([1, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const packet = v2Packet({ op: 0x02, seq: 9001, tlvs, data: { tf: 0x01, pkg: 5, session: 0, tlvs: remaining, body: ok } });
    const mime = crlf('MIME-Version: 1.0', 'Content-Type: application/x-msnmsgrp2p', 'P2P-Dest: bob@live.com;{0F7F6AB1-9DD7-4A3F-8B9F-1C2D3E4F5A6B}', 'P2P-Src: alice@live.com;{F52973B6-C926-4BAD-9BA8-7C1E840E4AB0}', '', '');
    const payload = Buffer.concat([mime, packet]);
    const v = renderPayload(payload, { command: 'MSG', dir: 's2c', version: 18, params: [] });
    expect(v.title).toBe('MIME application/x-msnmsgrp2p: P2P v2 seq 9001: MSNSLP 200 OK');
    expect(v.issues).toEqual([]);
    expect(child(get(v, 'P2P-Src'), 'endpoint GUID')).toBe('{F52973B6-C926-4BAD-9BA8-7C1E840E4AB0}');
    expect(child(get(v, 'operation code'), 'meaning')).toBe('RAK (request ACK)');
    expect(get(v, 'TLV 2 (ACK sequence)').value).toBe('1000');
    expect(get(v, 'padding').value).toBe('2 bytes');
    expect(child(get(v, 'TF combination'), 'meaning')).toBe('SLP (session 0) or data preparation');
    expect(get(v, 'package number').value).toBe('5');
    expect(get(v, 'TLV 1 (remaining data size)').value).toBe('0');
    expect(get(v, 'status line').value).toBe('MSNSLP/1.0 200 OK');
    expect(child(get(v, 'To'), 'endpoint GUID')).toBe('{F52973B6-C926-4BAD-9BA8-7C1E840E4AB0}');
    const seq = get(v, 'sequence number');
    expect(seq.span).toEqual([mime.length + 4, mime.length + 8]);
    expect(spansWithin(v, payload.length)).toBe(true);
  });

  it('a SYN with peer info and no payload', () => {
    const peer = Buffer.alloc(14);
    peer[0] = 1;
    peer[1] = 12;
    peer.writeUInt16LE(0x0200, 2);
    peer.writeUInt16LE(0x0000, 4);
    peer.writeUInt16LE(0x0e00, 6);
    peer.writeUInt32LE(0x0000010f, 10);
    const tlvs = Buffer.concat([peer, Buffer.alloc(2)]);
    const r = renderP2P(v2Packet({ op: 0x03, seq: 77, tlvs }), { dest: 'bob@live.com;{0F7F6AB1-9DD7-4A3F-8B9F-1C2D3E4F5A6B}' });
    expect(r.version).toBe(2);
    expect(r.title).toBe('P2P v2 seq 77: SYN');
    expect(child(get(r.nodes, 'operation code'), 'meaning')).toBe('SYN, RAK (request ACK)');
    expect(get(r.nodes, 'TLV 1 (peer info)').value).toBe('protocol 512, implementation 0, version 3584, capabilities 0x10f');
    expect(r.issues).toEqual([]);
  });

  it('file data packets', () => {
    const r = renderP2P(v2Packet({ op: 0, seq: 1, data: { tf: 0x07, pkg: 2, session: 99, body: Buffer.from([9, 9, 9]) } }));
    expect(r.version).toBe(2);
    expect(child(get(r.nodes, 'TF combination'), 'meaning')).toBe('file data, first packet');
    expect(find(r.nodes, 'MSNSLP')).toBeUndefined();
  });

  it('truncated v2 packets are issues', () => {
    const full = v2Packet({ op: 0x02, seq: 3, tlvs: Buffer.from([2, 4, 0, 0, 0, 1, 0, 0]), data: { tf: 1, pkg: 1, session: 0, body: ok } });
    const hint = { dest: 'x;{0F7F6AB1-9DD7-4A3F-8B9F-1C2D3E4F5A6B}' };
    for (const cut of [3, 10, 14, 20, 40]) {
      const r = renderP2P(full.subarray(0, cut), hint);
      expect(r.issues.length).toBeGreaterThan(0);
    }
    expect(renderP2P(full.subarray(0, 3), hint).issues).toContain('P2P v2 transport header truncated: 3 of at least 8 bytes');
    expect(renderP2P(full.subarray(0, 3)).issues).toContain('P2P v1 header truncated: 3 of 48 bytes');
    expect(renderP2P(full.subarray(0, 40), hint).issues).toContain(`P2P v2 payload truncated: 24 of ${full.length - 16 - 4} bytes present`);
  });
});
