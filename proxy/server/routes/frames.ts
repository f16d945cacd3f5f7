// GET /api/frames (a filtered page, FrameQuery → FramePage), GET /api/frames/:id (FrameDetail) and
// GET /api/frames/:id/position (where that frame is in a filtered list, for jumping to it).
import type { FastifyPluginAsync } from 'fastify';
import type { ApiError, FrameDetail, FrameFilterQuery, FramePage, FramePosition, FrameQuery } from '../../../shared/api/dto.js';
import type { InspectorContext } from '../context.js';
import {
  type IdParams, errorResponses, frameDetailSchema, frameFilterQuerySchema, framePageSchema, framePositionSchema, frameQuerySchema, idParamsSchema,
} from '../schemas.js';
import { notFound } from './errors.js';

export const frameRoutes: FastifyPluginAsync<{ ctx: InspectorContext }> = async (app, { ctx }) => {
  app.get<{ Querystring: Omit<FrameQuery, 'errors'> & { errors?: string }; Reply: FramePage }>('/api/frames', {
    schema: { querystring: frameQuerySchema, response: { 200: framePageSchema, ...errorResponses } },
  }, async (request) => ctx.queries.frames(parseErrors(request.query)));

  // A frame the filters leave out answers { position: null }; one that does not exist, 404.
  app.get<{ Params: IdParams; Querystring: Omit<FrameFilterQuery, 'errors'> & { errors?: string }; Reply: { 200: FramePosition; '4xx': ApiError } }>(
    '/api/frames/:id/position',
    { schema: { params: idParamsSchema, querystring: frameFilterQuerySchema, response: { 200: framePositionSchema, ...errorResponses } } },
    async (request, reply) => {
      const { offset: _offset, limit: _limit, ...filters } = parseErrors(request.query as FrameQuery & { errors?: string });
      const { id } = request.params;
      const position = await ctx.queries.framePosition(filters, id);
      if (position === null && !ctx.queries.hasFrame(id)) return reply.code(404).send(notFound(`no frame ${id}`));
      return { position };
    },
  );

  app.get<{ Params: IdParams; Reply: { 200: FrameDetail; '4xx': ApiError } }>('/api/frames/:id', {
    schema: { params: idParamsSchema, response: { 200: frameDetailSchema, ...errorResponses } },
  }, async (request, reply) => {
    const frame = ctx.details.detail(request.params.id);
    return frame ?? reply.code(404).send(notFound(`no frame ${request.params.id}`));
  });
};

/** `errors` as the page URL writes it (1) or as JSON would (true). */
function parseErrors<Q extends { errors?: string }>(query: Q): Omit<Q, 'errors'> & { errors?: boolean } {
  const { errors, ...rest } = query;
  return { ...rest, ...(errors === undefined ? {} : { errors: errors === '1' || errors === 'true' }) };
}
