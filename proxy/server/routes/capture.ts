// GET /api/capture: the capture file, whether a proxy feeds it, counts and store health.
import type { FastifyPluginAsync } from 'fastify';
import type { CaptureInfo } from '../../../shared/api/dto.js';
import type { InspectorContext } from '../context.js';
import { captureInfoSchema, errorResponses } from '../schemas.js';

export const captureRoutes: FastifyPluginAsync<{ ctx: InspectorContext }> = async (app, { ctx }) => {
  app.get<{ Reply: CaptureInfo }>('/api/capture', {
    schema: { response: { 200: captureInfoSchema, ...errorResponses } },
  }, async () => ctx.info());
};
