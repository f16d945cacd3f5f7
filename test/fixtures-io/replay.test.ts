// Replay as server against a scripted client (referral hops, TrID rewriting, divergences) and as client
// against scripted fake servers (varying fields ignored, a changed reply flagged), through the library
// and the CLI.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../proxy/cli.js';
import { type LoadedFixture, loadFixture } from '../../proxy/fixture/load.js';
import { replayClient } from '../../proxy/replay/client.js';
import { clientCommands, expectClientCommands, recordedClientCommands } from '../../proxy/replay/expect.js';
import { startReplayServer } from '../../proxy/replay/server.js';
import { captureScenario, cli, type TempDir, tempDir } from './helpers.js';
import { changePayload, changeToken, fakeServers, scriptedClient } from './scripted-peers.js';

let tmp: TempDir;
const fixtures = new Map<number, LoadedFixture>();
beforeAll(async () => {
  tmp = tempDir();
  for (const v of [8, 15, 18] as const) {
    await captureScenario(v, tmp.file(`msnp${v}.db`));
    await cli('export', '--capture', tmp.file(`msnp${v}.db`), '--session', '1', '--format', 'fixture', '--out', tmp.file(`msnp${v}.json`));
    fixtures.set(v, loadFixture(tmp.file(`msnp${v}.json`)));
  }
}, 120_000);
afterAll(() => tmp.remove());

describe('replay as server', () => {
  for (const version of [8, 15, 18]) {
    it(`MSNP${version}: answers a client with other TrIDs, and every referral hop comes back to the replay server`, async () => {
      const fixture = fixtures.get(version)!;
      const server = await startReplayServer(fixture, { port: 0 });
      try {
        const run = await scriptedClient(fixture, server.address, { trIdShift: 100 });
        const report = await server.done({ timeoutMs: 10_000 });
        expect(report.divergences).toEqual([]);
        expect(report.complete).toBe(true);
        // Replies carry the client's TrIDs; unsolicited frames keep theirs.
        const ns = run.received.get('ns1')!;
        expect(ns).toContain(`VER 104 MSNP${version}`);
        expect(ns.find((l) => l.startsWith('CHG '))).toMatch(/^CHG 109 NLN/);
        expect(ns.find((l) => l.startsWith('NLN '))).toMatch(/^NLN NLN /);
        // Each hop went to a listener of the replay server, never to the recorded (fake) servers.
        const hops = [...run.addresses.values()];
        expect(new Set(hops).size).toBe(4);
        for (const address of hops) expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
        const recorded = fixture.connections.map((c) => c.upstream);
        for (const address of hops.slice(1)) expect(recorded).not.toContain(address);
        expect(run.received.get('ns1')!.find((l) => l.startsWith('XFR 110 SB'))).toMatch(/ CKI REDACTED-COOKIE-1(?: |$)/);
        // What the client sent, for assertions.
        expect(clientCommands(server.received, 'sb1')[0]).toMatch(/^USR alice@example\.com\S* REDACTED-COOKIE-1$/);
        expect(() => expectClientCommands(server.received, fixture)).not.toThrow();
      } finally {
        await server.close();
      }
    });
  }

  it('reports where the client diverged (connection, frame, expected and received) and what it never opened', async () => {
    const fixture = fixtures.get(8)!;
    const server = await startReplayServer(fixture, { port: 0 });
    try {
      const syn = fixture.connections.find((c) => c.label === 'ns1')!.frames.find((f) => f.command === 'SYN' && f.dir === 'c2s')!;
      await scriptedClient(fixture, server.address, { replace: { conn: 'ns1', index: syn.index, line: 'CHG 108 NLN 0' } });
      const report = await server.done({ timeoutMs: 5_000 });
      expect(report.complete).toBe(false);
      expect(report.divergences[0]).toEqual({
        conn: 'ns1', index: syn.index, expected: 'SYN 8 0', got: 'CHG 108 NLN 0', reason: 'different command',
      });
      expect(report.divergences.slice(1).map((d) => [d.conn, d.reason])).toEqual([
        ['sb1', 'the client never opened this connection'], ['sb2', 'the client never opened this connection'],
      ]);
      expect(() => expectClientCommands(server.received, fixture)).toThrow(/ns1 command 5: expected "SYN 0", got "CHG NLN 0"/);
    } finally {
      await server.close();
    }
  });

  it('the CLI exits 0 when a client followed the recording and 1 when it diverged (--once)', async () => {
    for (const diverge of [false, true]) {
      let out = '';
      let err = '';
      const running = main(['replay', tmp.file('msnp15.json'), '--as', 'server', '--listen', '127.0.0.1:0', '--once', '--timeout', '10'], {
        out: (t) => { out += t; }, err: (t) => { err += t; }, color: false,
      });
      const deadline = Date.now() + 5_000;
      while (!/ on (127\.0\.0\.1:\d+)/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const address = / on (127\.0\.0\.1:\d+)/.exec(out)![1]!;
      const fixture = fixtures.get(15)!;
      if (diverge) await scriptedClient(fixture, address, { replace: { conn: 'ds1', index: 2, line: 'CVR 2 0x0409' } });
      else await replayClient(fixture, { upstream: address });
      expect(await running, `${out}${err}`).toBe(diverge ? 1 : 0);
      if (diverge) expect(err).toMatch(/^diverged on ds1 frame #2: different parameter count \(1 instead of 8\); expected "CVR 2 0x0409 winnt/m);
      else expect(out).toMatch(/the client followed the recording/);
    }
  });
});

describe('replay as client', () => {
  it('ignores what legitimately varies and flags a changed reply and a missing one', async () => {
    const fixture = fixtures.get(8)!;
    const session = await fakeServers(fixture, {
      change(frame, bytes) {
        if (frame.command === 'XFR' && frame.params[0] === 'SB') return changeToken(frame, bytes, 5, '555.666.777');
        if (frame.command === 'RNG') return changeToken(frame, changeToken(frame, bytes, 4, '888.999'), 1, '424242');
        if (frame.command === 'CAL') return changeToken(frame, bytes, 3, '99999');
        if (frame.command === 'USR' && frame.params[1] === 'S') return changeToken(frame, bytes, 4, 'lc=1033,id=507,tw=40,ct=1234,rn=zzz,tpf=yyy');
        if (frame.command === 'MSG' && frame.conn === 'ns1') return changePayload(frame, bytes, 'ClientPort: 4660', 'ClientPort: 51234');
        if (frame.command === 'CHG') return changeToken(frame, bytes, 2, 'BSY');
        if (frame.command === 'BYE') return null;
        return bytes;
      },
    });
    try {
      const report = await replayClient(fixture, { upstream: session.entry, replyTimeoutMs: 400 });
      await session.done;
      expect(report.flagged).toEqual([
        'ns1 #12: expected "CHG 9 NLN 1342177280", got "CHG 9 BSY 1342177280": parameter 1: expected "NLN", got "BSY"',
        'sb1 #9: expected "BYE bob@example.com", got nothing: no such frame from the server',
      ]);
      const varied = report.checks.filter((c) => c.flags.length === 0 && c.varied.length > 0).map((c) => c.expected?.split(' ')[0]);
      expect(varied).toEqual(expect.arrayContaining(['XFR', 'USR', 'MSG', 'CAL', 'RNG']));
      // The client used what the live server handed out: the new cookies and session id.
      expect(session.firstLines.get('sb1')).toBe('USR 1 alice@example.com 555.666.777');
      expect(session.firstLines.get('sb2')).toBe('ANS 1 alice@example.com 888.999 424242');
    } finally {
      await session.close();
    }
  });

  it('the CLI prints the flagged differences and exits 1; 0 when nothing differs', async () => {
    const fixture = fixtures.get(18)!;
    for (const change of [false, true]) {
      const session = await fakeServers(fixture, { change: (frame, bytes) => (change && frame.command === 'ACK' ? changeToken(frame, bytes, 1, '77') : bytes) });
      try {
        const result = await cli('replay', tmp.file('msnp18.json'), '--as', 'client', '--upstream', session.entry, '--reply-timeout', '400');
        expect(result.code, result.out).toBe(change ? 1 : 0);
        if (change) expect(result.out).toMatch(/FLAGGED sb1 #7\n {2}expected: ACK 4\n {2}got: {6}ACK 77\n {2}TrID: expected 4, got 77/);
        expect(result.out).toMatch(/server frame\(s\) compared: (0|1) flagged/);
      } finally {
        await session.close();
      }
    }
  });
});

describe('replay inputs', () => {
  it('replays any input decode reads (here a chunk export), not only fixtures', async () => {
    const chunks = tmp.file('msnp8.jsonl');
    await cli('export', '--capture', tmp.file('msnp8.db'), '--session', '1', '--format', 'chunks', '--out', chunks);
    const server = await startReplayServer(JSON.parse(readFileSync(tmp.file('msnp8.json'), 'utf8')) as object, { port: 0 });
    await server.close();
    const session = await fakeServers(fixtures.get(8)!);
    try {
      const result = await cli('replay', chunks, '--as', 'client', '--upstream', session.entry, '--reply-timeout', '400');
      expect(result.code, result.out).toBe(0);
    } finally {
      await session.close();
    }
    expect(recordedClientCommands(fixtures.get(8)!, 'ds1')).toEqual([
      'VER MSNP8 CVR0', 'CVR 0x0409 winnt 5.1 i386 MSNMSGR 8.5.1302 msmsgs alice@example.com', 'USR TWN I alice@example.com',
    ]);
  });
});
