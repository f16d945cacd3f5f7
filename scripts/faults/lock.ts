// Locks a capture file from another process (lock-holder.ts) until released.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ROOT } from './cli.js';

const HOLDER = fileURLToPath(new URL('./lock-holder.ts', import.meta.url));

export interface Lock {
  pid: number;
  /** Ends the other process's transaction and waits for it to exit. */
  release(): Promise<void>;
}

export async function holdLock(file: string): Promise<Lock> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, file], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => { stderr += t; });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  await new Promise<void>((done, fail) => {
    child.stdout.setEncoding('utf8').once('data', (t: string) => (t.startsWith('locked') ? done() : fail(new Error(`lock holder said ${t}`))));
    void exited.then((code) => fail(new Error(`lock holder exited (${code}): ${stderr}`)));
  });
  return {
    pid: child.pid as number,
    async release() {
      child.stdin.end();
      const code = await exited;
      if (code !== 0) throw new Error(`lock holder exited (${code}): ${stderr}`);
    },
  };
}
