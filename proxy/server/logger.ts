// Fastify's logger interface over the CLI's one-line log function: the server's own trouble (a 5xx, a
// WebSocket error) reaches the same log as the proxy's, and routine request lines are not logged.
import type { FastifyBaseLogger } from 'fastify';

export type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

function text(args: unknown[]): string {
  const [first, second] = args;
  if (typeof first === 'string') return first;
  const err = (first as { err?: unknown } | null)?.err ?? (first instanceof Error ? first : undefined);
  const detail = err instanceof Error ? (err.stack ?? err.message) : '';
  return [typeof second === 'string' ? second : '', detail].filter(Boolean).join(': ');
}

export function fastifyLogger(log: Log): FastifyBaseLogger {
  const quiet = () => {};
  const logger = {
    level: 'warn',
    fatal: (...args: unknown[]) => log('error', `inspector: ${text(args)}`),
    error: (...args: unknown[]) => log('error', `inspector: ${text(args)}`),
    warn: (...args: unknown[]) => log('warn', `inspector: ${text(args)}`),
    info: quiet,
    debug: quiet,
    trace: quiet,
    silent: quiet,
    child: () => logger,
  };
  return logger as unknown as FastifyBaseLogger;
}
