import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MatrixError } from '../../core/errors.js';
import type { RoomReader } from '../../rooms/room-reader.js';
import type { RoomService } from '../../rooms/room-service.js';
import { validateEventFilter } from '../../sync/filter.js';
import { requireSession } from '../auth.js';
import { checkRoomId } from './rooms.js';

export interface RoomEventRouteDeps {
  rooms: RoomService;
  reader: RoomReader;
}

const Content = Type.Record(Type.String(), Type.Unknown());
const SendParams = Type.Object({ roomId: Type.String(), eventType: Type.String({ minLength: 1, maxLength: 255 }), txnId: Type.String({ minLength: 1, maxLength: 255 }) });
const StateParams = Type.Object({ roomId: Type.String(), eventType: Type.String({ minLength: 1, maxLength: 255 }), stateKey: Type.Optional(Type.String()) });
const RedactParams = Type.Object({ roomId: Type.String(), eventId: Type.String(), txnId: Type.String({ minLength: 1, maxLength: 255 }) });
const MessagesQuery = Type.Object({
  from: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
  dir: Type.Optional(Type.Union([Type.Literal('b'), Type.Literal('f')])),
  limit: Type.Optional(Type.Integer({ minimum: 0 })),
  filter: Type.Optional(Type.String()),
});
const MembersQuery = Type.Object({
  at: Type.Optional(Type.String()),
  membership: Type.Optional(Type.String()),
  not_membership: Type.Optional(Type.String()),
});

// The spec's suggested default page size for /messages; larger requests are capped.
const DEFAULT_MESSAGES_LIMIT = 10;
const MAX_MESSAGES_LIMIT = 1000;

export function registerRoomEventRoutes(app: FastifyInstance, deps: RoomEventRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };

  /** PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}: sends a message event, once per transaction id. */
  app.put<{ Params: Static<typeof SendParams>; Body: Static<typeof Content> }>(
    '/_matrix/client/v3/rooms/:roomId/send/:eventType/:txnId',
    { ...authed, schema: { params: SendParams, body: Content } },
    async (request) => {
      const session = requireSession(request);
      const { roomId, eventType, txnId } = request.params;
      const eventId = await deps.rooms.send(session, checkRoomId(roomId), eventType, request.body, txnId);
      return { event_id: eventId };
    },
  );

  /** PUT /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}: sets a state event. */
  const putState = async (request: { params: Static<typeof StateParams>; body: Static<typeof Content> } & Parameters<typeof requireSession>[0]) => {
    const session = requireSession(request);
    const { roomId, eventType, stateKey } = request.params;
    const eventId = await deps.rooms.setState(session.userId, checkRoomId(roomId), eventType, stateKey ?? '', request.body);
    return { event_id: eventId };
  };
  app.put<{ Params: Static<typeof StateParams>; Body: Static<typeof Content> }>('/_matrix/client/v3/rooms/:roomId/state/:eventType', { ...authed, schema: { params: StateParams, body: Content } }, putState);
  app.put<{ Params: Static<typeof StateParams>; Body: Static<typeof Content> }>('/_matrix/client/v3/rooms/:roomId/state/:eventType/:stateKey', { ...authed, schema: { params: StateParams, body: Content } }, putState);

  /** GET /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}: the content of one state event. */
  const getStateEvent = async (request: { params: Static<typeof StateParams> } & Parameters<typeof requireSession>[0]) => {
    const session = requireSession(request);
    const { roomId, eventType, stateKey } = request.params;
    return deps.reader.getStateEvent(session, checkRoomId(roomId), eventType, stateKey ?? '');
  };
  app.get<{ Params: Static<typeof StateParams> }>('/_matrix/client/v3/rooms/:roomId/state/:eventType', { ...authed, schema: { params: StateParams } }, getStateEvent);
  app.get<{ Params: Static<typeof StateParams> }>('/_matrix/client/v3/rooms/:roomId/state/:eventType/:stateKey', { ...authed, schema: { params: StateParams } }, getStateEvent);

  /** GET /_matrix/client/v3/rooms/{roomId}/state: the room's whole current state. */
  app.get<{ Params: { roomId: string } }>('/_matrix/client/v3/rooms/:roomId/state', authed, async (request) => {
    return deps.reader.getState(requireSession(request), checkRoomId(request.params.roomId));
  });

  /** PUT /_matrix/client/v3/rooms/{roomId}/redact/{eventId}/{txnId}: redacts an event. */
  app.put<{ Params: Static<typeof RedactParams>; Body: { reason?: unknown } | undefined }>(
    '/_matrix/client/v3/rooms/:roomId/redact/:eventId/:txnId',
    { ...authed, schema: { params: RedactParams } },
    async (request) => {
      const session = requireSession(request);
      const { roomId, eventId, txnId } = request.params;
      const reason = request.body?.reason;
      if (reason !== undefined && typeof reason !== 'string') throw new MatrixError('M_BAD_JSON', '"reason" must be a string.');
      return { event_id: await deps.rooms.redact(session, checkRoomId(roomId), eventId, txnId, reason) };
    },
  );

  /** GET /_matrix/client/v3/rooms/{roomId}/messages: a page of the room's history. */
  app.get<{ Params: { roomId: string }; Querystring: Static<typeof MessagesQuery> }>(
    '/_matrix/client/v3/rooms/:roomId/messages',
    { ...authed, schema: { querystring: MessagesQuery } },
    async (request) => {
      const session = requireSession(request);
      const { from, to, dir, limit, filter } = request.query;
      return deps.reader.getMessages(session, checkRoomId(request.params.roomId), {
        from, to,
        dir: dir ?? 'b',
        limit: Math.min(limit ?? DEFAULT_MESSAGES_LIMIT, MAX_MESSAGES_LIMIT),
        filter: filter === undefined ? undefined : validateEventFilter(parseJsonParam(filter, 'filter'), 'filter'),
      });
    },
  );

  /** GET /_matrix/client/v3/rooms/{roomId}/event/{eventId}: one event the user may see. */
  app.get<{ Params: { roomId: string; eventId: string } }>('/_matrix/client/v3/rooms/:roomId/event/:eventId', authed, async (request) => {
    return deps.reader.getEvent(requireSession(request), checkRoomId(request.params.roomId), request.params.eventId);
  });

  /** GET /_matrix/client/v3/rooms/{roomId}/members: the room's member events. */
  app.get<{ Params: { roomId: string }; Querystring: Static<typeof MembersQuery> }>(
    '/_matrix/client/v3/rooms/:roomId/members',
    { ...authed, schema: { querystring: MembersQuery } },
    async (request) => {
      const session = requireSession(request);
      const chunk = await deps.reader.getMembers(session, checkRoomId(request.params.roomId), {
        membership: request.query.membership, notMembership: request.query.not_membership,
      });
      return { chunk };
    },
  );

  /** GET /_matrix/client/v3/rooms/{roomId}/joined_members: joined users with their display names and avatars. */
  app.get<{ Params: { roomId: string } }>('/_matrix/client/v3/rooms/:roomId/joined_members', authed, async (request) => {
    return { joined: await deps.reader.getJoinedMembers(requireSession(request), checkRoomId(request.params.roomId)) };
  });
}

export function parseJsonParam(value: string, name: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new MatrixError('M_INVALID_PARAM', `"${name}" is not valid JSON.`);
  }
}
