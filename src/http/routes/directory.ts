import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MatrixError } from '../../core/errors.js';
import { isValidRoomAlias } from '../../core/index.js';
import type { RoomReader } from '../../rooms/room-reader.js';
import type { EventStore } from '../../storage/events.js';
import type { RoomAliasStore } from '../../storage/room-aliases.js';
import { requireSession } from '../auth.js';
import { checkRoomId } from './rooms.js';

export interface DirectoryRouteDeps {
  aliases: RoomAliasStore;
  events: EventStore;
  reader: RoomReader;
  serverName: string;
}

const AliasBody = Type.Object({ room_id: Type.String() });

export function registerDirectoryRoutes(app: FastifyInstance, deps: DirectoryRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };

  /** GET /_matrix/client/v3/directory/room/{roomAlias}: resolves an alias of this server. */
  app.get<{ Params: { roomAlias: string } }>('/_matrix/client/v3/directory/room/:roomAlias', async (request) => {
    const alias = checkAlias(request.params.roomAlias);
    const resolved = await deps.aliases.resolve(alias);
    if (!resolved) throw new MatrixError('M_NOT_FOUND', `The room alias ${alias} does not exist.`);
    return { room_id: resolved.roomId, servers: [deps.serverName] };
  });

  /** PUT /_matrix/client/v3/directory/room/{roomAlias}: creates an alias for a room. */
  app.put<{ Params: { roomAlias: string }; Body: Static<typeof AliasBody> }>(
    '/_matrix/client/v3/directory/room/:roomAlias', { ...authed, schema: { body: AliasBody } },
    async (request) => {
      const session = requireSession(request);
      const alias = checkAlias(request.params.roomAlias);
      if (!alias.endsWith(`:${deps.serverName}`)) throw new MatrixError('M_INVALID_PARAM', `Aliases here must end with :${deps.serverName}.`);
      const roomId = checkRoomId(request.body.room_id);
      if (!(await deps.events.getRoom(roomId))) throw new MatrixError('M_NOT_FOUND', `Room ${roomId} is not known to this server.`);
      if (!(await deps.aliases.create(alias, roomId, session.userId, Date.now()))) {
        throw new MatrixError('M_UNKNOWN', `The alias ${alias} already exists.`, { status: 409 });
      }
      return {};
    },
  );

  /** DELETE /_matrix/client/v3/directory/room/{roomAlias}: removes an alias its creator made. */
  app.delete<{ Params: { roomAlias: string } }>('/_matrix/client/v3/directory/room/:roomAlias', authed, async (request) => {
    const session = requireSession(request);
    const alias = checkAlias(request.params.roomAlias);
    const resolved = await deps.aliases.resolve(alias);
    if (!resolved) throw new MatrixError('M_NOT_FOUND', `The room alias ${alias} does not exist.`);
    // TODO: room moderators with the power to change m.room.canonical_alias should also be allowed to delete.
    if (resolved.creator !== session.userId) throw new MatrixError('M_FORBIDDEN', 'Only the creator of an alias can delete it.');
    await deps.aliases.delete(alias);
    return {};
  });

  /** GET /_matrix/client/v3/rooms/{roomId}/aliases: the room's local aliases, for members. */
  app.get<{ Params: { roomId: string } }>('/_matrix/client/v3/rooms/:roomId/aliases', authed, async (request) => {
    const session = requireSession(request);
    const roomId = checkRoomId(request.params.roomId);
    await deps.reader.visibleUpTo(session.userId, roomId);
    return { aliases: await deps.aliases.listForRoom(roomId) };
  });
}

function checkAlias(alias: string): string {
  if (!isValidRoomAlias(alias)) throw new MatrixError('M_INVALID_PARAM', `"${alias}" is not a valid room alias.`);
  return alias;
}
