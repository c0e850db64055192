import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MatrixError, invalidParam } from '../../core/errors.js';
import { isValidRoomAlias } from '../../core/index.js';
import type { PublicRoomDirectory, PublicRoomsRequest } from '../../directory/public-rooms.js';
import { requireSession } from '../auth.js';
import { checkRoomId } from './rooms.js';

export interface PublicRoomRouteDeps {
  publicRooms: PublicRoomDirectory;
  serverName: string;
  /** Resolves a local alias to its room id, or undefined when the alias does not exist. */
  resolveAlias: (alias: string) => Promise<string | undefined>;
}

const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 0 })),
  since: Type.Optional(Type.String()),
  server: Type.Optional(Type.String()),
});
const ServerQuery = Type.Object({ server: Type.Optional(Type.String()) });
const SearchBody = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 0 })),
  since: Type.Optional(Type.String()),
  filter: Type.Optional(Type.Object({
    generic_search_term: Type.Optional(Type.String()),
    room_types: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Null()]))),
  })),
  include_all_networks: Type.Optional(Type.Boolean()),
  third_party_instance_id: Type.Optional(Type.String()),
});
const VisibilityBody = Type.Object({ visibility: Type.Union([Type.Literal('public'), Type.Literal('private')]) });

export function registerPublicRoomRoutes(app: FastifyInstance, deps: PublicRoomRouteDeps): void {
  const checkServer = (server: string | undefined) => {
    // TODO: rooms of other servers need federation; until then only this server's directory is listed.
    if (server !== undefined && server !== deps.serverName) throw invalidParam(`Only the room directory of ${deps.serverName} is available here, not that of ${server}.`);
  };
  const list = (request: PublicRoomsRequest) => deps.publicRooms.list(request);

  /** GET /_matrix/client/v3/publicRooms: a page of this server's published rooms. */
  app.get<{ Querystring: Static<typeof ListQuery> }>('/_matrix/client/v3/publicRooms', { schema: { querystring: ListQuery } }, async (request) => {
    checkServer(request.query.server);
    return list({ limit: request.query.limit, since: request.query.since });
  });

  /** POST /_matrix/client/v3/publicRooms: a page of published rooms matching a search term and room types. */
  app.post<{ Querystring: Static<typeof ServerQuery>; Body: Static<typeof SearchBody> }>(
    '/_matrix/client/v3/publicRooms',
    { config: { auth: 'required' }, schema: { querystring: ServerQuery, body: SearchBody } },
    async (request) => {
      requireSession(request);
      checkServer(request.query.server);
      const { limit, since, filter } = request.body;
      return list({ limit, since, searchTerm: filter?.generic_search_term, roomTypes: filter?.room_types });
    },
  );

  /** GET /_matrix/client/v1/room_summary/{roomIdOrAlias}: a room's summary, for previews before joining. */
  app.get<{ Params: { roomIdOrAlias: string } }>('/_matrix/client/v1/room_summary/:roomIdOrAlias', { config: { auth: 'optional' } }, async (request) => {
    const target = request.params.roomIdOrAlias;
    let roomId: string;
    if (target.startsWith('#')) {
      if (!isValidRoomAlias(target)) throw invalidParam(`"${target}" is not a valid room alias.`);
      const resolved = await deps.resolveAlias(target);
      if (resolved === undefined) throw new MatrixError('M_NOT_FOUND', `The room alias ${target} does not exist.`);
      roomId = resolved;
    } else {
      roomId = checkRoomId(target);
    }
    return deps.publicRooms.summary(roomId, request.session?.userId);
  });

  /** GET /_matrix/client/v3/directory/list/room/{roomId}: whether the room is published. */
  app.get<{ Params: { roomId: string } }>('/_matrix/client/v3/directory/list/room/:roomId', async (request) => {
    return { visibility: await deps.publicRooms.getVisibility(checkRoomId(request.params.roomId)) };
  });

  /** PUT /_matrix/client/v3/directory/list/room/{roomId}: publishes the room or removes it from the directory. */
  app.put<{ Params: { roomId: string }; Body: Static<typeof VisibilityBody> }>(
    '/_matrix/client/v3/directory/list/room/:roomId',
    { config: { auth: 'required' }, schema: { body: VisibilityBody } },
    async (request) => {
      const session = requireSession(request);
      await deps.publicRooms.setVisibility(session.userId, checkRoomId(request.params.roomId), request.body.visibility);
      return {};
    },
  );
}
