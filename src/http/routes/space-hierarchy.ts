import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { SpaceHierarchy } from '../../spaces/space-hierarchy.js';
import { requireSession } from '../auth.js';
import { checkRoomId } from './rooms.js';

export interface SpaceHierarchyRouteDeps {
  hierarchy: SpaceHierarchy;
}

const HierarchyQuery = Type.Object({
  suggested_only: Type.Optional(Type.Boolean()),
  limit: Type.Optional(Type.Integer({ minimum: 1 })),
  max_depth: Type.Optional(Type.Integer({ minimum: 0 })),
  from: Type.Optional(Type.String()),
});

export function registerSpaceHierarchyRoutes(app: FastifyInstance, deps: SpaceHierarchyRouteDeps): void {
  /** GET /_matrix/client/v1/rooms/{roomId}/hierarchy: a page of the space's tree of rooms, depth-first. */
  app.get<{ Params: { roomId: string }; Querystring: Static<typeof HierarchyQuery> }>(
    '/_matrix/client/v1/rooms/:roomId/hierarchy',
    { config: { auth: 'required' }, schema: { querystring: HierarchyQuery } },
    async (request) => {
      const session = requireSession(request);
      const query = request.query;
      return deps.hierarchy.walk(session.userId, checkRoomId(request.params.roomId), {
        suggestedOnly: query.suggested_only ?? false, limit: query.limit, maxDepth: query.max_depth, from: query.from,
      });
    },
  );
}
