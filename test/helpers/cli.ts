// Runs the CLI in-process with captured output.
import { main } from '../../proxy/cli.js';

export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => { out += t; }, err: (t) => { err += t; }, color: false });
  return { code, out, err };
}
