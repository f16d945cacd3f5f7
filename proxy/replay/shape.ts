// Whether a live client command matches the recorded one closely enough to answer it with the recorded
// reply: same command, same number of parameters, a payload when the recording had one. Values are
// not compared — a real client signs in with its own tickets, cookies and TrIDs.
export interface CommandShape {
  command: string;
  params: string[];
  payloadLength: number | null;
}

/** Null when the shapes match, else why not. */
export function shapeDifference(expected: CommandShape, got: CommandShape): string | null {
  if (got.command !== expected.command) return 'different command';
  if (got.params.length !== expected.params.length) {
    return `different parameter count (${got.params.length} instead of ${expected.params.length})`;
  }
  if ((got.payloadLength === null) !== (expected.payloadLength === null)) {
    return expected.payloadLength === null ? 'unexpected payload' : 'payload missing';
  }
  return null;
}

/** `VER MSNP8 CVR0`: a command without its TrID, as assertions compare them. */
export function commandText(frame: { command: string; params: string[] }): string {
  return [frame.command, ...frame.params].join(' ');
}
