// Assertion helpers for test suites: what a client sent, as `COMMAND params…` strings without TrIDs.
import type { LoadedFixture } from '../fixture/load.js';
import type { ReceivedFrame } from './server-connection.js';
import { commandText } from './shape.js';

/** The commands a live client sent to the replay server (optionally on one recorded connection). */
export function clientCommands(received: readonly ReceivedFrame[], conn?: string): string[] {
  return received.filter((f) => conn === undefined || f.conn === conn).map(commandText);
}

/** The commands the recorded client sent, in the same form. */
export function recordedClientCommands(fixture: LoadedFixture, conn?: string): string[] {
  return fixture.connections
    .filter((c) => conn === undefined || c.label === conn)
    .flatMap((c) => c.frames.filter((f) => f.dir === 'c2s').map(commandText));
}

/**
 * Throws an Error listing every difference between what the client sent and what is expected (the
 * recorded client's commands by default), connection by connection.
 */
export function expectClientCommands(received: readonly ReceivedFrame[], expected: LoadedFixture | Record<string, string[]>): void {
  const wanted: Record<string, string[]> = 'doc' in expected
    ? Object.fromEntries((expected as LoadedFixture).connections.map((c) => [c.label, recordedClientCommands(expected as LoadedFixture, c.label)]))
    : (expected as Record<string, string[]>);
  const problems: string[] = [];
  for (const [conn, commands] of Object.entries(wanted)) {
    const got = clientCommands(received, conn);
    const n = Math.max(commands.length, got.length);
    for (let i = 0; i < n; i++) {
      if (commands[i] === got[i]) continue;
      problems.push(`${conn} command ${i + 1}: expected ${commands[i] === undefined ? 'nothing' : `"${commands[i]}"`}, got ${got[i] === undefined ? 'nothing' : `"${got[i]}"`}`);
      break; // the first difference per connection; later ones usually follow from it
    }
  }
  if (problems.length > 0) throw new Error(`the client did not send what was expected:\n  ${problems.join('\n  ')}`);
}
