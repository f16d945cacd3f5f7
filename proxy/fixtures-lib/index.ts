// msnp-inspector/fixtures: fixtures and replay for other projects' test suites.
//
//   import { loadFixture, startReplayServer, expectClientCommands } from 'msnp-inspector/fixtures';
//   const fixture = loadFixture('test/fixtures/signin.fixture.json');
//   const server = await startReplayServer(fixture, { port: 0 });
//   await myClient.connect(server.address);
//   await server.done();
//   expectClientCommands(server.received, fixture);
//
// It never touches a capture database, so importing it costs no native module.
export { loadFixture, captureOrder, type LoadedFixture, type ScriptConnection, type ScriptFrame } from '../fixture/load.js';
export { FIXTURE_FORMAT, FIXTURE_SCHEMA_VERSION, FixtureError, parseFixture, type FixtureDoc } from '../fixture/schema.js';
export {
  ReplayServer, startReplayServer, type Divergence, type ReceivedFrame, type ReplayReport, type ReplayServerOptions,
} from '../replay/server.js';
export { replayClient, type ClientReplayOptions, type ClientReplayReport, type ReplyCheck } from '../replay/client.js';
export { clientCommands, expectClientCommands, recordedClientCommands } from '../replay/expect.js';
