// GET /api/sessions (all sessions or a page of them, oldest first) and GET /api/sessions/:id (with its connections).
import type { FastifyPluginAsync } from 'fastify';
import type { ApiError, SessionDetail, SessionQuery, SessionSummary } from '../../../shared/api/dto.js';
import type { InspectorContext } from '../context.js';
import { type IdParams, errorResponses, idParamsSchema, sessionDetailSchema, sessionQuerySchema, sessionSummarySchema } from '../schemas.js';
import { notFound } from './errors.js';

export const sessionRoutes: FastifyPluginAsync<{ ctx: InspectorContext }> = async (app, { ctx }) => {
  const live = ctx.live !== null;

  app.get<{ Querystring: SessionQuery; Reply: SessionSummary[] }>('/api/sessions', {
    schema: { querystring: sessionQuerySchema, response: { 200: { type: 'array', items: sessionSummarySchema }, ...errorResponses } },
  }, async (request) => ctx.queries.sessionPage(request.query, live));

  app.get<{ Params: IdParams; Reply: { 200: SessionDetail; '4xx': ApiError } }>('/api/sessions/:id', {
    schema: { params: idParamsSchema, response: { 200: sessionDetailSchema, ...errorResponses } },
  }, async (request, reply) => {
    const session = ctx.queries.session(request.params.id, live);
    return session ?? reply.code(404).send(notFound(`no session ${request.params.id}`));
  });
};
