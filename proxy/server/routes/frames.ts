// GET /api/frames (a filtered page, FrameQuery → FramePage) and GET /api/frames/:id (FrameDetail).
import type { FastifyPluginAsync } from 'fastify';
import type { ApiError, FrameDetail, FramePage, FrameQuery } from '../../../shared/api/dto.js';
import type { InspectorContext } from '../context.js';
import { type IdParams, errorResponses, frameDetailSchema, framePageSchema, frameQuerySchema, idParamsSchema } from '../schemas.js';
import { notFound } from './errors.js';

export const frameRoutes: FastifyPluginAsync<{ ctx: InspectorContext }> = async (app, { ctx }) => {
  app.get<{ Querystring: Omit<FrameQuery, 'errors'> & { errors?: string }; Reply: FramePage }>('/api/frames', {
    schema: { querystring: frameQuerySchema, response: { 200: framePageSchema, ...errorResponses } },
  }, async (request) => {
    const { errors, ...rest } = request.query;
    return ctx.queries.frames({ ...rest, ...(errors === undefined ? {} : { errors: errors === '1' || errors === 'true' }) });
  });

  app.get<{ Params: IdParams; Reply: { 200: FrameDetail; '4xx': ApiError } }>('/api/frames/:id', {
    schema: { params: idParamsSchema, response: { 200: frameDetailSchema, ...errorResponses } },
  }, async (request, reply) => {
    const frame = ctx.details.detail(request.params.id);
    return frame ?? reply.code(404).send(notFound(`no frame ${request.params.id}`));
  });
};
