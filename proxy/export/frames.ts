// `frames`: the JSON lines `msnp-inspector decode --json` prints, one decoded frame per line.
import { decodeModel } from './model.js';
import { slices } from './slices.js';
import type { ExportWriter } from './types.js';

export const framesWriter: ExportWriter = {
  summary: 'the JSON lines `msnp-inspector decode --json` prints, one decoded frame per line',
  write: (model, { views }) =>
    slices(decodeModel(model, { views }).frames, (frames) => frames.map((f) => `${JSON.stringify(f)}\n`).join('')),
};
