// WS /api/live: `hello`, then the hub's deltas (see shared/api/live.ts). The browser sends nothing.
import type {} from '@fastify/websocket'; // its route option `websocket` and handler types
import type { FastifyPluginAsync } from 'fastify';
import type { InspectorContext } from '../context.js';
import { apiError } from './errors.js';

export const liveRoutes: FastifyPluginAsync<{ ctx: InspectorContext }> = async (app, { ctx }) => {
  app.route({
    method: 'GET',
    url: '/api/live',
    // A plain GET (no upgrade) gets an explanation instead of an empty 404.
    handler: async (_request, reply) => reply.code(426).header('upgrade', 'websocket').send(apiError(426, 'this is a WebSocket endpoint')),
    wsHandler: (socket) => {
      const client = ctx.hub.join(socket);
      // Attached at once (fastify-websocket: before any await), so no event is missed.
      socket.on('close', () => ctx.hub.leave(client));
      socket.on('error', () => ctx.hub.leave(client));
      socket.on('message', () => {}); // ignored: the stream is one-way
    },
  });
};
