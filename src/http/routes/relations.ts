import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { RelationService } from '../../relations/relation-service.js';
import { requireSession } from '../auth.js';
import { checkRoomId } from './rooms.js';

export interface RelationRouteDeps {
  relations: RelationService;
}

const RelationParams = Type.Object({
  roomId: Type.String(),
  eventId: Type.String(),
  relType: Type.Optional(Type.String({ minLength: 1 })),
  eventType: Type.Optional(Type.String({ minLength: 1 })),
});
const RelationQuery = Type.Object({
  from: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1 })),
  dir: Type.Optional(Type.Union([Type.Literal('b'), Type.Literal('f')])),
  recurse: Type.Optional(Type.Boolean()),
});
const ThreadsQuery = Type.Object({
  include: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('participated')])),
  from: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1 })),
});

// The spec leaves page sizes to the server.
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

export function registerRelationRoutes(app: FastifyInstance, deps: RelationRouteDeps): void {
  const options = { config: { auth: 'required' as const }, schema: { params: RelationParams, querystring: RelationQuery } };
  const handler = async (request: { params: Static<typeof RelationParams>; query: Static<typeof RelationQuery> } & Parameters<typeof requireSession>[0]) => {
    const session = requireSession(request);
    const { roomId, eventId, relType, eventType } = request.params;
    const { from, to, limit, dir, recurse } = request.query;
    return deps.relations.relationsOf(session, checkRoomId(roomId), eventId, {
      relType, eventType, from, to, dir: dir ?? 'b', limit: Math.min(limit ?? DEFAULT_LIMIT, MAX_LIMIT), recurse: recurse === true,
    });
  };
  type RelationRoute = { Params: Static<typeof RelationParams>; Querystring: Static<typeof RelationQuery> };
  /** GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]]: events relating to an event, paginated. */
  app.get<RelationRoute>('/_matrix/client/v1/rooms/:roomId/relations/:eventId', options, handler);
  app.get<RelationRoute>('/_matrix/client/v1/rooms/:roomId/relations/:eventId/:relType', options, handler);
  app.get<RelationRoute>('/_matrix/client/v1/rooms/:roomId/relations/:eventId/:relType/:eventType', options, handler);

  /** GET /_matrix/client/v1/rooms/{roomId}/threads: the room's thread roots, most recently active first. */
  app.get<{ Params: { roomId: string }; Querystring: Static<typeof ThreadsQuery> }>(
    '/_matrix/client/v1/rooms/:roomId/threads',
    { config: { auth: 'required' }, schema: { querystring: ThreadsQuery } },
    async (request) => {
      const session = requireSession(request);
      const { include, from, limit } = request.query;
      return deps.relations.threads(session, checkRoomId(request.params.roomId), {
        include: include ?? 'all', from, limit: Math.min(limit ?? DEFAULT_LIMIT, MAX_LIMIT),
      });
    },
  );
}
