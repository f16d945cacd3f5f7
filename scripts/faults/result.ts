// One row of the fault matrix: what was done, whether every check held, and the figures measured.
export interface FaultResult {
  fault: string;
  ok: boolean;
  /** Checks that failed, in words (empty when ok). */
  failures: string[];
  figures: Record<string, string | number | boolean>;
}

/** Collects checks and figures for one fault. */
export class Checks {
  readonly failures: string[] = [];
  readonly figures: Record<string, string | number | boolean> = {};

  check(ok: boolean, what: string): void {
    if (!ok) this.failures.push(what);
  }

  set(name: string, value: string | number | boolean): void {
    this.figures[name] = value;
  }

  result(fault: string): FaultResult {
    return { fault, ok: this.failures.length === 0, failures: this.failures, figures: this.figures };
  }
}

/** Runs one fault; an exception is a failed row, not the end of the matrix. */
export async function run(fault: string, body: (c: Checks) => Promise<void>): Promise<FaultResult> {
  const c = new Checks();
  try {
    await body(c);
  } catch (error) {
    c.failures.push(`threw: ${(error as Error).message.split('\n')[0]}`);
  }
  return c.result(fault);
}
