// GET /api/frames/:id/position over a real capture: for every frame and every filter, the position the
// route gives is the frame's index in the list GET /api/frames returns for the same filters, null when the
// filters leave it out, 404 for a frame that does not exist. Both paths of the filtered positions are run:
// all ids kept, and marks every 2 matches (what a million-frame capture uses).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, FramePage, FramePosition, FrameSummary } from '../../shared/api/dto.js';
import { type TestApp, getJson, testApp } from './app-helper.js';
import { STEPS, recordSession } from './fixture.js';

describe.each([
  ['ids kept', {}],
  ['marks every 2 matches', { step: 2, maxIds: 0, sliceIds: 3 }],
])('GET /api/frames/:id/position (%s)', (_name, positions) => {
  let t: TestApp;
  let all: FrameSummary[];
  beforeAll(async () => {
    t = await testApp({ positions }, {}, (c) => {
      recordSession(c.store);
      recordSession(c.store, { steps: STEPS.slice(0, 6), close: false, start: 1_700_000_100_000 });
    });
    all = (await getJson<FramePage>(t.app, '/api/frames?limit=1000')).body.frames;
  });
  afterAll(() => t.close());

  const position = async (id: number, query = '') => getJson<FramePosition | ApiError>(t.app, `/api/frames/${id}/position${query ? `?${query}` : ''}`);

  it.each(['', 'session=2', 'command=MSG,USR', 'dir=s2c', 'errors=1', 'q=alice', 'session=1&dir=c2s', 'command=NONE'])(
    'agrees with the list for filter "%s"',
    async (query) => {
      const list = (await getJson<FramePage>(t.app, `/api/frames?limit=1000&${query}`)).body.frames.map((f) => f.id);
      expect(all.length).toBeGreaterThan(20);
      for (const f of all) {
        const { status, body } = await position(f.id, query);
        expect(status).toBe(200);
        const at = list.indexOf(f.id);
        expect(body).toEqual({ position: at < 0 ? null : at });
      }
    },
  );

  it('ignores paging parameters', async () => {
    const last = all.at(-1) as FrameSummary;
    expect((await position(last.id, 'offset=5&limit=1')).body).toEqual({ position: all.length - 1 });
  });

  it('answers 404 for a frame that does not exist and 400 for malformed requests', async () => {
    const missing = await position((all.at(-1) as FrameSummary).id + 1);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ statusCode: 404, message: expect.stringMatching(/no frame/) });
    expect((await position(0)).status).toBe(400);
    expect((await getJson(t.app, '/api/frames/x/position')).status).toBe(400);
    expect((await position(1, 'dir=sideways')).status).toBe(400);
  });

  it('finds frames committed after the filter was last scanned', async () => {
    const before = (await getJson<FramePage>(t.app, '/api/frames?command=MSG&limit=1000')).body.total;
    recordSession(t.store, { start: 1_700_000_200_000 });
    t.store.flush();
    const page = (await getJson<FramePage>(t.app, '/api/frames?command=MSG&limit=1000')).body;
    const newest = page.frames.at(-1) as FrameSummary;
    expect(page.total).toBe(before + 1);
    expect((await position(newest.id, 'command=MSG')).body).toEqual({ position: before });
  });
});
