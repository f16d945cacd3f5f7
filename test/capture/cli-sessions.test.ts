import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaptureStore } from '../../proxy/capture/store.js';
import { main } from '../../proxy/cli.js';
import { type TempDir, fakeIo, recordSession, tempDir } from './helpers.js';

let tmp: TempDir;
let file: string;
beforeEach(() => {
  tmp = tempDir();
  file = tmp.file('capture.db');
  const store = CaptureStore.open(file, { log: () => {} });
  recordSession(store);
  // A session still going: one connection, no handle yet.
  const s = store.openSession({ client: '127.0.0.1:50001', tsWall: 1_700_000_500_000 });
  store.openConnection({ sessionId: s, label: 'conn1', kind: 'unknown', client: '127.0.0.1:50001', upstream: '192.0.2.1:1863', listen: '127.0.0.1:1863', tsWall: 1_700_000_500_000, tsMono: 0 });
  store.close();
});
afterEach(() => tmp.remove());

async function cli(...argv: string[]) {
  const io = fakeIo();
  const code = await main(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('msnp-inspector sessions', () => {
  it('lists sessions and their connections', async () => {
    const { code, out, err } = await cli('sessions', '--capture', file);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^session 1 .*started 2023-11-14T22:13:20\.000Z .*ended 2023-11-14T22:13:21\.000Z .*client 127\.0\.0\.1:50000 .*handle alice@example\.com .*MSNP8/);
    expect(lines[1]).toMatch(/^ {2}ds1 +dispatch +→ 192\.0\.2\.1:1863 +MSNP8 +4 frames +closed: client closed$/);
    expect(lines[2]).toMatch(/^ {2}ns1 +ns +→ .*11 frames/);
    expect(lines[4]).toMatch(/^session 2 .*not ended .*handle unknown .*version unknown/);
    expect(lines[5]).toMatch(/^ {2}conn1 +unknown +→ 192\.0\.2\.1:1863 +MSNP\? +0 frames +open$/);
  });

  it('prints one JSON object per session per line with --json', async () => {
    const { code, out } = await cli('sessions', '--capture', file, '--json');
    expect(code).toBe(0);
    const sessions = out.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(sessions).toHaveLength(2);
    expect(sessions[0]).toMatchObject({ id: 1, handle: 'alice@example.com', client: '127.0.0.1:50000', endedWall: 1_700_000_001_000 });
    expect(sessions[0].connections.map((c: { label: string; frames: number }) => [c.label, c.frames])).toEqual([['ds1', 4], ['ns1', 11], ['sb1', 5]]);
    expect(sessions[1]).toMatchObject({ id: 2, handle: null, connections: [{ label: 'conn1', kind: 'unknown', closeReason: null }] });
  });

  it('narrows the list to a handle (case-insensitive) and to the newest N', async () => {
    const store = CaptureStore.open(file, { log: () => {} });
    for (const handle of ['bob@example.com', 'Alice2@example.com', 'carol@example.com']) {
      store.updateSession(store.openSession({ client: '127.0.0.1:50002', tsWall: 1_700_000_600_000 }), { handle });
    }
    store.close();
    const ids = async (...args: string[]) => {
      const { code, out } = await cli('sessions', '--capture', file, '--json', ...args);
      expect(code).toBe(0);
      return out.trimEnd().split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { id: number }).id);
    };
    await expect(ids()).resolves.toEqual([1, 2, 3, 4, 5]);
    await expect(ids('--handle', 'ALICE')).resolves.toEqual([1, 4]);
    await expect(ids('--last', '2')).resolves.toEqual([4, 5]);
    await expect(ids('--handle', 'alice', '--last', '1')).resolves.toEqual([4]);
    await expect(ids('--last', '99')).resolves.toEqual([1, 2, 3, 4, 5]);
    await expect(ids('--handle', 'nobody')).resolves.toEqual([]);
    const text = await cli('sessions', '--capture', file, '--handle', 'bob');
    expect(text.out.trimEnd().split('\n')).toEqual([expect.stringMatching(/^session 3 .*handle bob@example\.com/)]);
    expect(await cli('sessions', '--capture', file, '--handle', 'nobody')).toMatchObject({ code: 0, out: expect.stringMatching(/no session's handle contains 'nobody'/) });
    for (const bad of ['0', '-1', 'x', '1.5']) {
      expect(await cli('sessions', '--capture', file, `--last=${bad}`)).toMatchObject({ code: 2, err: expect.stringMatching(/--last must be a positive integer/) });
    }
  });

  it('says so for an empty capture', async () => {
    const empty = tmp.file('empty.db');
    CaptureStore.open(empty).close();
    expect(await cli('sessions', '--capture', empty)).toMatchObject({ code: 0, out: expect.stringMatching(/no sessions/) });
    expect(await cli('sessions', '--capture', empty, '--json')).toMatchObject({ code: 0, out: '' });
  });

  it('fails clearly for a missing or foreign file, and without --capture', async () => {
    expect(await cli('sessions', '--capture', tmp.file('nope.db'))).toMatchObject({ code: 1, err: expect.stringMatching(/no such file/) });
    const text = tmp.file('notes.txt');
    writeFileSync(text, 'hello, this is not SQLite at all, just some text that is long enough to have a header');
    expect(await cli('sessions', '--capture', text)).toMatchObject({ code: 1, err: expect.stringMatching(/notes\.txt: .*not a database/) });
    expect((await cli('sessions')).code).toBe(2);
  });

  it('is listed in the usage and has help', async () => {
    expect((await cli('--help')).out).toMatch(/sessions .*\n.*export /);
    expect(await cli('sessions', '--help')).toMatchObject({ code: 0, out: expect.stringMatching(/--capture FILE/) });
    expect(await cli('export', '--help')).toMatchObject({ code: 0, out: expect.stringMatching(/chunks .*\n.*frames /) });
  });
});
