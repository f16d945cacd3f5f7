// GET /api/sessions (all sessions, oldest first) and GET /api/sessions/:id (with its connections).
import type { FastifyPluginAsync } from 'fastify';
import type { ApiError, SessionDetail, SessionSummary } from '../../../shared/api/dto.js';
import type { InspectorContext } from '../context.js';
import { type IdParams, errorResponses, idParamsSchema, sessionDetailSchema, sessionSummarySchema } from '../schemas.js';
import { notFound } from './errors.js';

export const sessionRoutes: FastifyPluginAsync<{ ctx: InspectorContext }> = async (app, { ctx }) => {
  const live = ctx.live !== null;

  app.get<{ Reply: SessionSummary[] }>('/api/sessions', {
    schema: { response: { 200: { type: 'array', items: sessionSummarySchema }, ...errorResponses } },
  }, async () => ctx.queries.sessions(live));

  app.get<{ Params: IdParams; Reply: { 200: SessionDetail; '4xx': ApiError } }>('/api/sessions/:id', {
    schema: { params: idParamsSchema, response: { 200: sessionDetailSchema, ...errorResponses } },
  }, async (request, reply) => {
    const session = ctx.queries.session(request.params.id, live);
    return session ?? reply.code(404).send(notFound(`no session ${request.params.id}`));
  });
};
