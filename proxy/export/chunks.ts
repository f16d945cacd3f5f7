// `chunks`: chunk JSONL, one {"dir","conn","t_ms","b64"} per stored read (input for `decode`).
import { writeChunksJsonl } from '../decode/inputs/chunks-jsonl.js';
import { selectedChunks } from './model.js';
import { slices } from './slices.js';
import type { ExportWriter } from './types.js';

export const chunksWriter: ExportWriter = {
  summary: 'chunk JSONL, one {"dir","conn","t_ms","b64"} per stored read, in capture order (input for `decode`)',
  write: (model) => slices(selectedChunks(model), writeChunksJsonl),
};
