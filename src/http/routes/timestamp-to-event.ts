import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { EventByTimestamp } from '../../rooms/event-by-timestamp.js';
import { requireSession } from '../auth.js';
import { checkRoomId } from './rooms.js';

export interface TimestampToEventRouteDeps {
  eventByTimestamp: EventByTimestamp;
}

const TimestampQuery = Type.Object({
  ts: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  dir: Type.Union([Type.Literal('f'), Type.Literal('b')]),
});

export function registerTimestampToEventRoutes(app: FastifyInstance, deps: TimestampToEventRouteDeps): void {
  /** GET /_matrix/client/v1/rooms/{roomId}/timestamp_to_event: the event nearest a timestamp, in one direction. */
  app.get<{ Params: { roomId: string }; Querystring: Static<typeof TimestampQuery> }>(
    '/_matrix/client/v1/rooms/:roomId/timestamp_to_event',
    { config: { auth: 'required' }, schema: { querystring: TimestampQuery } },
    async (request) => {
      const session = requireSession(request);
      const { ts, dir } = request.query;
      return deps.eventByTimestamp.find(session.userId, checkRoomId(request.params.roomId), ts, dir);
    },
  );
}
