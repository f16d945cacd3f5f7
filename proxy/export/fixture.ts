// `fixture`: one session as a versioned JSON document (docs/fixture-format.md) for replay and tests.
import { buildFixture } from '../fixture/build.js';
import { formatFixture } from '../fixture/format.js';
import type { ExportWriter } from './types.js';

export const fixtureWriter: ExportWriter = {
  summary: 'one session as versioned JSON: connections, reads and decoded frames (docs/fixture-format.md); replay input',
  *write(model) {
    yield formatFixture(buildFixture(model));
  },
};
