import { describe, expect, it } from 'vitest';
import type { PayloadContext } from '../../shared/msnp/views.js';
import { renderPayload } from '../../proxy/decode/payloads/registry.js';
import { parseXml } from '../../proxy/decode/payloads/xml-parse.js';
import { sessionPayload } from './sessions.js';
import { child, find, get, spansWithin, walk } from './tree.js';

const ctx = (command: string, version = 13, dir: PayloadContext['dir'] = 's2c'): PayloadContext => ({ command, dir, version, params: [] });

describe('XML view on the reference sessions', () => {
  it('msnp11 NOT: NOTIFICATION fields and the escaped NotificationData', () => {
    const p = sessionPayload('msnp11.txt', 'S: NOT 1264');
    const v = renderPayload(p.bytes, ctx('NOT', 11));
    expect(v.view).toBe('xml');
    expect(v.title).toBe('XML <NOTIFICATION>: .NET Alerts notification');
    const root = get(v, '<NOTIFICATION>');
    expect(root.span).toEqual([0, 1264]);
    expect(child(root, '@siteid')).toBe('45705');
    expect(child(get(v, '<TO>'), 'PUID')).toBe('MemberIdHigh 1, MemberIdLow 2');
    expect(child(get(v, '<VIA>'), '@agent')).toBe('messenger');
    const embedded = get(get(v, '<BODY>').children!, 'embedded XML');
    expect(get(embedded.children!, '<OwnerCID>').value).toBe('4294967298');
    // The source's own unclosed <HasNewItem> is reported, not fatal.
    expect(v.issues.some((i) => i.includes('<HasNewItem> is not closed'))).toBe(true);
    expect(spansWithin(v, p.bytes.length)).toBe(true);
  });

  it('msnp11 GCF Shields.xml', () => {
    const p = sessionPayload('msnp11.txt', 'S: GCF 9 Shields.xml 145');
    const v = renderPayload(p.bytes, ctx('GCF', 11));
    expect(v.title).toBe('XML <config>: Shields configuration');
    expect(v.issues).toEqual([]);
    expect(find(v, '<?…?>')?.value).toBe('xml version="1.0" encoding="utf-8"');
    const cli = get(v, '<cli>');
    expect(child(cli, 'applies to')).toBe('client 7.0, builds 0–9999');
    expect(child(cli, 'denied features')).toBe('none');
    expect(p.bytes.subarray(cli.span![0], cli.span![1]).toString()).toBe('<cli maj="7" min="0" minbld="0" maxbld="9999" deny=" " />');
  });

  it('msnp13 GCF policies push', () => {
    const p = sessionPayload('msnp13.txt', 'S: GCF 0 245');
    const v = renderPayload(p.bytes, ctx('GCF'));
    expect(v.title).toBe('XML <Policies>: server policies');
    expect(child(get(v, '<Policy>'), 'policy')).toBe('Shields configuration');
    expect(v.issues).toEqual([]);
  });

  it('msnp13 ADL (compact form, 110 bytes): list bits, network, handles', () => {
    const p = sessionPayload('msnp13.txt', 'C: ADL 8 110', { compact: true });
    expect(p.available).toBe(110);
    const v = renderPayload(p.bytes, ctx('ADL', 13, 'c2s'));
    expect(v.title).toBe('XML <ml>: contact list');
    expect(v.issues).toEqual([]);
    expect(child(get(v, '<ml>'), 'meaning')).toBe('initial list upload');
    const [user, phone] = collect(v.nodes, '<c>');
    expect(child(user!, 'handle')).toBe('anotheruser@hotmail.com');
    expect(child(user!, 'lists')).toBe('FL (forward), AL (allow)');
    expect(child(user!, 'network')).toBe('1 = Windows Live (Passport)');
    expect(child(phone!, 'handle')).toBe('tel:+15551111222');
    expect(child(phone!, 'lists')).toBe('FL (forward), AL (allow)');
  });

  it('ADL network ids and list bits are named', () => {
    const xml = '<ml><d n="yahoo.com"><c n="bob" l="4" t="32" /></d><d n="live.com"><c n="x" l="24" t="9" /><c n="y" l="1" t="7" /></d></ml>';
    const v = renderPayload(Buffer.from(xml), ctx('ADL', 14, 'c2s'));
    const [bob, x, y] = collect(v.nodes, '<c>');
    expect(child(bob!, 'network')).toBe('32 = Yahoo! Messenger');
    expect(child(bob!, 'lists')).toBe('BL (block)');
    expect(child(x!, 'network')).toBe('9 = circle');
    expect(child(x!, 'lists')).toBe('RL (reverse), PL (pending)');
    expect(y!.children?.find((c) => c.label === 'network')?.issue).toBe('unknown network id');
  });

  it('msnp13 UUX <Data> (compact form, 118 bytes)', () => {
    const p = sessionPayload('msnp13.txt', 'C: UUX 11 118', { compact: true });
    const v = renderPayload(p.bytes, ctx('UUX', 13, 'c2s'));
    expect(v.title).toBe('XML <Data>: personal data (PSM, media, machine)');
    expect(get(v, '<MachineGuid>').value).toBe('{44BFD5A4-7450-4BDA-BA3A-C51B3031126D}');
    expect(child(get(v, '<CurrentMedia>'), 'now playing')).toBe('nothing');
  });

  it('msnp11 UBX with a PSM, and CurrentMedia decoding', () => {
    const p = sessionPayload('msnp11.txt', 'S: UBX anotheruser@hotmail.com 67');
    const v = renderPayload(p.bytes, ctx('UBX', 11));
    expect(get(v, '<PSM>').value).toBe('new feature :P');
    const media = '<Data><PSM>x</PSM><CurrentMedia>\\0Music\\01\\0{0} - {1}\\0Song Title\\0Song Artist\\0Song Album\\0\\0</CurrentMedia></Data>';
    const m = renderPayload(Buffer.from(media), ctx('UUX', 11, 'c2s'));
    expect(child(get(m, '<CurrentMedia>'), 'now playing')).toBe('Music: Song Title - Song Artist');
  });

  it('MSNP16+ UUX with EndpointData and PrivateEndpointData', () => {
    const xml =
      '<Data><PSM>hi</PSM><CurrentMedia></CurrentMedia><MachineGuid>{44BFD5A4-7450-4BDA-BA3A-C51B3031126D}</MachineGuid></Data>' +
      '<EndpointData id="{44BFD5A4-7450-4BDA-BA3A-C51B3031126D}"><Capabilities>2789003324:48</Capabilities></EndpointData>' +
      '<PrivateEndpointData id="{44BFD5A4-7450-4BDA-BA3A-C51B3031126D}"><EpName>LAPTOP</EpName><Idle>false</Idle><ClientType>1</ClientType><State>BRB</State></PrivateEndpointData>';
    const v = renderPayload(Buffer.from(xml), ctx('UUX', 16, 'c2s'));
    expect(v.issues).toEqual([]);
    expect(child(get(v, '<EndpointData>'), '@id')).toBe('{44BFD5A4-7450-4BDA-BA3A-C51B3031126D}');
    expect(child(get(v, '<Capabilities>'), 'client capabilities')).toMatch(/MSNC10$/);
    expect(get(v, '<EpName>').value).toBe('LAPTOP');
    expect(child(get(v, '<State>'), 'presence')).toBe('be right back');
  });

  it('PGD page: two roots and numeric character references', () => {
    const xml = '<PHONE pri="1"><LOC>HOME</LOC><NUM>15551114444</NUM></PHONE><TEXT xml:space="preserve" enc="utf-8">a&#x3B;b &#x26; c</TEXT>';
    const v = renderPayload(Buffer.from(xml), ctx('PGD', 9, 'c2s'));
    expect(v.nodes.map((n) => n.label)).toEqual(['<PHONE>', '<TEXT>']);
    expect(get(v, '<TEXT>').value).toBe('a;b & c');
    expect(v.issues).toEqual([]);
  });

  it('IPG status and MSNP21 presence documents', () => {
    const ipg = renderPayload(Buffer.from('<NOTIFICATION id="0" siteid="1"><MSG id="407"/></NOTIFICATION>'), ctx('IPG', 6));
    expect(child(get(ipg, '<MSG>'), 'page status')).toBe('page failed to send');
    expect(child(get(ipg, '<NOTIFICATION>'), 'siteid icon')).toBe('calendar icon');
    const user = renderPayload(Buffer.from('<user><s n="IM"><Status>AWY</Status></s><sep n="IM"><Capabilities>2789003324:48</Capabilities></sep></user>'), ctx('NFY', 21));
    expect(child(get(user, '<Status>'), 'presence')).toBe('away');
    expect(child(get(user, '<Capabilities>'), 'client capabilities')).toBe('0xa63cd03c, MSNC10');
    expect(child(get(user, '<Capabilities>'), 'extended capabilities')).toBe('0x30 (P2P v2)');
  });

  it('any payload starting with "<" goes to the XML view', () => {
    expect(renderPayload(Buffer.from('  <x a="1"/>'), ctx('XYZ')).view).toBe('xml');
  });
});

describe('hostile and malformed XML', () => {
  it('DOCTYPE with an ENTITY: reported, shown as text, never expanded', () => {
    const xml = '<!DOCTYPE x [<!ENTITY a "expanded!">]><x>&a;&lt;</x>';
    const v = renderPayload(Buffer.from(xml), ctx('UUX', 11, 'c2s'));
    expect(v.view).toBe('xml');
    expect(get(v, '<!DOCTYPE>').value).toBe('<!DOCTYPE x [<!ENTITY a "expanded!">]>');
    expect(get(v, '<x>').value).toBe('&a;<');
    expect(JSON.stringify(v)).not.toContain('expanded!<');
    expect(v.issues.some((i) => i.includes('DOCTYPE present') && i.includes('ENTITY'))).toBe(true);
    expect(v.issues.some((i) => i.includes('&a; is not expanded'))).toBe(true);
  });

  it('billion laughs: entity definitions stay inert and the output stays small', () => {
    const defs = ['<!ENTITY lol "lol">'];
    for (let i = 1; i <= 9; i++) defs.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
    const xml = `<?xml version="1.0"?><!DOCTYPE lolz [${defs.join('')}]><lolz>&lol9;</lolz>`;
    const v = renderPayload(Buffer.from(xml), ctx('NOT'));
    expect(get(v, '<lolz>').value).toBe('&lol9;');
    expect(JSON.stringify(v).length).toBeLessThan(xml.length * 4);
  });

  it('deep nesting is capped', () => {
    const xml = '<a>'.repeat(100_000) + '</a>'.repeat(100_000);
    const doc = parseXml(Buffer.from(xml));
    expect(doc.complete).toBe(false);
    expect(doc.issues.some((i) => i.includes('nested deeper than 64'))).toBe(true);
    let depth = 0;
    let node = doc.nodes[0];
    while (node && node.kind === 'element') {
      depth++;
      node = node.children[0];
    }
    expect(depth).toBe(64);
    const v = renderPayload(Buffer.from(xml), ctx('UUX', 11, 'c2s'));
    expect(v.view).toBe('xml');
  });

  it('node count is capped', () => {
    const xml = `<r>${'<i/>'.repeat(50_000)}</r>`;
    const doc = parseXml(Buffer.from(xml));
    expect(doc.complete).toBe(false);
    expect(doc.issues.some((i) => i.includes('more than 10000 XML nodes'))).toBe(true);
  });

  it('malformed XML yields a partial tree plus issues', () => {
    const xml = '<ml><d n="hotmail.com"><c n="bob" l=3 t="1"></d><x>unterminated';
    const v = renderPayload(Buffer.from(xml), ctx('ADL', 13, 'c2s'));
    expect(v.view).toBe('xml');
    expect(child(get(v, '<c>'), 'handle')).toBe('bob@hotmail.com');
    expect(get(v, '<x>').value).toBe('unterminated');
    expect(v.issues).toEqual(
      expect.arrayContaining([
        'attribute l of <c> is not quoted',
        '<c> is not closed before </d>',
        '<x> is not closed before the input ends',
        '<ml> is not closed before the input ends',
      ]),
    );
    expect(spansWithin(v, xml.length)).toBe(true);
  });

  it('stray end tags, bad references, unclosed quotes', () => {
    const v = renderPayload(Buffer.from('</z><a b="1>&#0;&#xD800;&bogus</a>'), ctx('NOT'));
    expect(v.view).toBe('xml');
    expect(v.issues).toContain('end tag </z> has no matching start tag');
    expect(v.issues.some((i) => i.includes('no closing quote'))).toBe(true);
  });

  it('invalid UTF-8 inside XML is an issue, spans stay byte-exact', () => {
    const bytes = Buffer.concat([Buffer.from('<Data><PSM>'), Buffer.from([0xff, 0xc3, 0xa9]), Buffer.from('</PSM></Data>')]);
    const v = renderPayload(bytes, ctx('UUX', 11, 'c2s'));
    expect(v.issues).toContain('XML text is not valid UTF-8');
    expect(get(v, '<PSM>').span).toEqual([6, bytes.length - 7]);
    expect(get(v, '<PSM>').value).toBe('\ufffdé');
  });
});

function collect(nodes: Parameters<typeof walk>[0], label: string) {
  const out: Parameters<Parameters<typeof walk>[1]>[0][] = [];
  walk(nodes, (n) => {
    if (n.label === label) out.push(n);
  });
  return out;
}
