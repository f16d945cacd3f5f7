// The --web HOST:PORT option of `proxy` and `serve`.
import { type HostPort, parseHostPort } from '../relay/address.js';
import { UsageError } from './command.js';

export const DEFAULT_WEB = '127.0.0.1:8080';

export function webAddress(text: string | undefined): HostPort {
  try {
    return parseHostPort(text ?? DEFAULT_WEB, 8080);
  } catch (error) {
    throw new UsageError(`--web: ${(error as Error).message}`);
  }
}
