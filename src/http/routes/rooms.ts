import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MatrixError } from '../../core/errors.js';
import { isValidRoomAlias, isValidRoomId } from '../../core/index.js';
import type { CreateRoomRequest } from '../../rooms/create-room.js';
import type { RoomService } from '../../rooms/room-service.js';
import type { RoomAliasStore } from '../../storage/room-aliases.js';
import type { EventStore } from '../../storage/events.js';
import { requireSession } from '../auth.js';

export interface RoomRouteDeps {
  rooms: RoomService;
  aliases: RoomAliasStore;
  events: EventStore;
}

const StateEventInput = Type.Object({
  type: Type.String(),
  state_key: Type.Optional(Type.String()),
  content: Type.Record(Type.String(), Type.Unknown()),
});

const CreateRoomBody = Type.Object({
  visibility: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('private')])),
  room_alias_name: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  topic: Type.Optional(Type.String()),
  invite: Type.Optional(Type.Array(Type.String())),
  invite_3pid: Type.Optional(Type.Array(Type.Unknown())),
  room_version: Type.Optional(Type.String()),
  creation_content: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  initial_state: Type.Optional(Type.Array(StateEventInput)),
  preset: Type.Optional(Type.Union([Type.Literal('private_chat'), Type.Literal('public_chat'), Type.Literal('trusted_private_chat')])),
  is_direct: Type.Optional(Type.Boolean()),
  power_level_content_override: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

const MembershipBody = Type.Object({ user_id: Type.String(), reason: Type.Optional(Type.String()) });
const ReasonBody = Type.Union([Type.Object({ reason: Type.Optional(Type.String()) }), Type.Null()]);
const RoomParams = Type.Object({ roomId: Type.String() });

type MembershipBody = Static<typeof MembershipBody>;
type RoomParams = Static<typeof RoomParams>;

export function registerRoomRoutes(app: FastifyInstance, deps: RoomRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };

  /** POST /_matrix/client/v3/createRoom: creates a room with the creator joined and the requested state. */
  app.post<{ Body: Static<typeof CreateRoomBody> }>('/_matrix/client/v3/createRoom', { ...authed, schema: { body: CreateRoomBody } }, async (request) => {
    const session = requireSession(request);
    const { roomId } = await deps.rooms.createRoom(session.userId, request.body as CreateRoomRequest);
    return { room_id: roomId };
  });

  /** POST /_matrix/client/v3/join/{roomIdOrAlias}: joins a room named by id or alias. */
  app.post<{ Params: { roomIdOrAlias: string } }>('/_matrix/client/v3/join/:roomIdOrAlias', authed, async (request) => {
    const session = requireSession(request);
    const roomId = await resolveRoom(deps, request.params.roomIdOrAlias);
    await deps.rooms.join(session.userId, roomId);
    return { room_id: roomId };
  });

  /** POST /_matrix/client/v3/knock/{roomIdOrAlias}: asks to join a room that allows knocking. */
  app.post<{ Params: { roomIdOrAlias: string }; Body: Static<typeof ReasonBody> }>('/_matrix/client/v3/knock/:roomIdOrAlias', authed, async (request) => {
    const session = requireSession(request);
    const roomId = await resolveRoom(deps, request.params.roomIdOrAlias);
    const reason = (request.body as { reason?: unknown } | undefined)?.reason;
    await deps.rooms.knock(session.userId, roomId, typeof reason === 'string' ? reason : undefined);
    return { room_id: roomId };
  });

  /** POST /_matrix/client/v3/rooms/{roomId}/join: joins a room by id. */
  app.post<{ Params: RoomParams }>('/_matrix/client/v3/rooms/:roomId/join', authed, async (request) => {
    const session = requireSession(request);
    const roomId = checkRoomId(request.params.roomId);
    await deps.rooms.join(session.userId, roomId);
    return { room_id: roomId };
  });

  /** POST /_matrix/client/v3/rooms/{roomId}/leave: leaves a room or rejects an invite. */
  app.post<{ Params: RoomParams; Body: Static<typeof ReasonBody> }>('/_matrix/client/v3/rooms/:roomId/leave', authed, async (request) => {
    const session = requireSession(request);
    const reason = (request.body as { reason?: unknown } | undefined)?.reason;
    await deps.rooms.leave(session.userId, checkRoomId(request.params.roomId), typeof reason === 'string' ? reason : undefined);
    return {};
  });

  /** POST /_matrix/client/v3/rooms/{roomId}/forget: nothing to forget yet, since left rooms keep no per-user data. */
  app.post<{ Params: RoomParams }>('/_matrix/client/v3/rooms/:roomId/forget', authed, async (request) => {
    const session = requireSession(request);
    const membership = await deps.events.getMembership(checkRoomId(request.params.roomId), session.userId);
    if (membership?.membership === 'join') throw new MatrixError('M_UNKNOWN', 'Leave the room before forgetting it.', { status: 400 });
    return {};
  });

  const membershipActions = {
    invite: (sender: string, roomId: string, body: MembershipBody) => deps.rooms.invite({ sender, roomId, target: body.user_id, reason: body.reason }),
    kick: (sender: string, roomId: string, body: MembershipBody) => deps.rooms.kick({ sender, roomId, target: body.user_id, reason: body.reason }),
    ban: (sender: string, roomId: string, body: MembershipBody) => deps.rooms.ban({ sender, roomId, target: body.user_id, reason: body.reason }),
    unban: (sender: string, roomId: string, body: MembershipBody) => deps.rooms.unban({ sender, roomId, target: body.user_id, reason: body.reason }),
  };
  for (const [action, perform] of Object.entries(membershipActions)) {
    /** POST /_matrix/client/v3/rooms/{roomId}/{invite|kick|ban|unban}: changes another user's membership. */
    app.post<{ Params: RoomParams; Body: MembershipBody }>(`/_matrix/client/v3/rooms/:roomId/${action}`, { ...authed, schema: { body: MembershipBody } }, async (request) => {
      const session = requireSession(request);
      await perform(session.userId, checkRoomId(request.params.roomId), request.body);
      return {};
    });
  }

  /** GET /_matrix/client/v3/joined_rooms: the rooms the user is joined to. */
  app.get('/_matrix/client/v3/joined_rooms', authed, async (request) => {
    const session = requireSession(request);
    const rooms = await deps.events.getRoomsForUser(session.userId, ['join']);
    return { joined_rooms: rooms.map((room) => room.roomId) };
  });
}

/** Accepts a room id or resolves an alias of this server; unknown aliases are M_NOT_FOUND. */
async function resolveRoom(deps: RoomRouteDeps, roomIdOrAlias: string): Promise<string> {
  if (roomIdOrAlias.startsWith('#')) {
    if (!isValidRoomAlias(roomIdOrAlias)) throw new MatrixError('M_INVALID_PARAM', `"${roomIdOrAlias}" is not a valid room alias.`);
    const resolved = await deps.aliases.resolve(roomIdOrAlias);
    if (!resolved) throw new MatrixError('M_NOT_FOUND', `The room alias ${roomIdOrAlias} does not exist.`);
    return resolved.roomId;
  }
  return checkRoomId(roomIdOrAlias);
}

export function checkRoomId(roomId: string): string {
  if (!isValidRoomId(roomId)) throw new MatrixError('M_INVALID_PARAM', `"${roomId}" is not a valid room id.`);
  return roomId;
}
