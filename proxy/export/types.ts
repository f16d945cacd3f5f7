// An export format: turns the export model into pieces of output (text or bytes).
import type { ExportModel } from './model.js';

export interface ExportOptions {
  /** frames: include payload views. */
  views: boolean;
}

export interface ExportWriter {
  summary: string;
  /** Output is bytes, not text (pcapng). */
  binary?: boolean;
  /** Pieces of the output in order; may throw RangeError when the selection does not suit the format. */
  write(model: ExportModel, options: ExportOptions): Iterable<string | Buffer>;
}
