import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { EventContextReader } from '../../relations/event-context.js';
import { validateEventFilter } from '../../sync/filter.js';
import { requireSession } from '../auth.js';
import { parseJsonParam } from './room-events.js';
import { checkRoomId } from './rooms.js';

export interface ContextRouteDeps {
  context: EventContextReader;
}

const ContextQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 0 })),
  filter: Type.Optional(Type.String()),
});

// The spec's default context size.
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;

export function registerContextRoutes(app: FastifyInstance, deps: ContextRouteDeps): void {
  /** GET /_matrix/client/v3/rooms/{roomId}/context/{eventId}: the event with the events around it, for jumping to a search hit or link. */
  app.get<{ Params: { roomId: string; eventId: string }; Querystring: Static<typeof ContextQuery> }>(
    '/_matrix/client/v3/rooms/:roomId/context/:eventId',
    { config: { auth: 'required' }, schema: { querystring: ContextQuery } },
    async (request) => {
      const session = requireSession(request);
      const { limit, filter } = request.query;
      return deps.context.context(
        session, checkRoomId(request.params.roomId), request.params.eventId, Math.min(limit ?? DEFAULT_LIMIT, MAX_LIMIT),
        filter === undefined ? undefined : validateEventFilter(parseJsonParam(filter, 'filter'), 'filter'),
      );
    },
  );
}
