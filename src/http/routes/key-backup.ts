import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { KeyBackupService, RoomKeysUpload } from '../../e2ee/key-backup.js';
import { MatrixError } from '../../core/errors.js';
import { requireSession } from '../auth.js';

export interface KeyBackupRouteDeps {
  backup: KeyBackupService;
}

const Algorithm = Type.String({ minLength: 1 });
const AuthData = Type.Record(Type.String(), Type.Unknown());
const CreateBody = Type.Object({ algorithm: Algorithm, auth_data: AuthData });
const UpdateBody = Type.Object({ algorithm: Algorithm, auth_data: AuthData, version: Type.Optional(Type.String()) });
const VersionParams = Type.Object({ version: Type.String() });
const VersionQuery = Type.Object({ version: Type.String() });
const KeyData = Type.Object({
  first_message_index: Type.Integer({ minimum: 0 }),
  forwarded_count: Type.Integer({ minimum: 0 }),
  is_verified: Type.Boolean(),
  session_data: Type.Record(Type.String(), Type.Unknown()),
});
const RoomKeys = Type.Object({ sessions: Type.Record(Type.String(), KeyData) });
const AllKeys = Type.Object({ rooms: Type.Record(Type.String(), RoomKeys) });
const RoomParams = Type.Object({ roomId: Type.String() });
const SessionParams = Type.Object({ roomId: Type.String(), sessionId: Type.String() });

type Query = { Querystring: Static<typeof VersionQuery> };

/** Server-side key backup: backup versions and the encrypted room keys stored in them. */
export function registerKeyBackupRoutes(app: FastifyInstance, deps: KeyBackupRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };
  const withVersion = { ...authed, schema: { querystring: VersionQuery } };

  /** POST /_matrix/client/v3/room_keys/version: creates a backup version, which becomes the current one. */
  app.post<{ Body: Static<typeof CreateBody> }>('/_matrix/client/v3/room_keys/version', { ...authed, schema: { body: CreateBody } }, async (request) => {
    return deps.backup.createVersion(requireSession(request).userId, request.body.algorithm, request.body.auth_data);
  });

  /** GET /_matrix/client/v3/room_keys/version: the current backup version; 404 M_NOT_FOUND when there is none. */
  app.get('/_matrix/client/v3/room_keys/version', authed, async (request) => deps.backup.getVersion(requireSession(request).userId));

  /** GET /_matrix/client/v3/room_keys/version/{version}: one backup version. */
  app.get<{ Params: Static<typeof VersionParams> }>('/_matrix/client/v3/room_keys/version/:version', { ...authed, schema: { params: VersionParams } }, async (request) => {
    return deps.backup.getVersion(requireSession(request).userId, request.params.version);
  });

  /** PUT /_matrix/client/v3/room_keys/version/{version}: replaces the version's auth_data. */
  app.put<{ Params: Static<typeof VersionParams>; Body: Static<typeof UpdateBody> }>(
    '/_matrix/client/v3/room_keys/version/:version', { ...authed, schema: { params: VersionParams, body: UpdateBody } },
    async (request) => {
      await deps.backup.updateVersion(requireSession(request).userId, request.params.version, request.body);
      return {};
    },
  );

  /** DELETE /_matrix/client/v3/room_keys/version/{version}: deletes the version and its keys. */
  app.delete<{ Params: Static<typeof VersionParams> }>('/_matrix/client/v3/room_keys/version/:version', { ...authed, schema: { params: VersionParams } }, async (request) => {
    await deps.backup.deleteVersion(requireSession(request).userId, request.params.version);
    return {};
  });

  /** PUT /_matrix/client/v3/room_keys/keys: stores keys of many rooms in the current version. */
  app.put<Query & { Body: Static<typeof AllKeys> }>('/_matrix/client/v3/room_keys/keys', { ...authed, schema: { querystring: VersionQuery, body: AllKeys } }, async (request) => {
    return deps.backup.putKeys(requireSession(request).userId, request.query.version, request.body.rooms);
  });

  /** PUT /_matrix/client/v3/room_keys/keys/{roomId}: stores keys of one room. */
  app.put<Query & { Params: Static<typeof RoomParams>; Body: Static<typeof RoomKeys> }>(
    '/_matrix/client/v3/room_keys/keys/:roomId', { ...authed, schema: { querystring: VersionQuery, params: RoomParams, body: RoomKeys } },
    async (request) => deps.backup.putKeys(requireSession(request).userId, request.query.version, { [request.params.roomId]: request.body }),
  );

  /** PUT /_matrix/client/v3/room_keys/keys/{roomId}/{sessionId}: stores the key of one session. */
  app.put<Query & { Params: Static<typeof SessionParams>; Body: Static<typeof KeyData> }>(
    '/_matrix/client/v3/room_keys/keys/:roomId/:sessionId', { ...authed, schema: { querystring: VersionQuery, params: SessionParams, body: KeyData } },
    async (request) => {
      const { roomId, sessionId } = request.params;
      const upload: RoomKeysUpload = { [roomId]: { sessions: { [sessionId]: request.body } } };
      return deps.backup.putKeys(requireSession(request).userId, request.query.version, upload);
    },
  );

  /** GET /_matrix/client/v3/room_keys/keys: every key of the version. */
  app.get<Query>('/_matrix/client/v3/room_keys/keys', withVersion, async (request) => {
    return { rooms: await deps.backup.getKeys(requireSession(request).userId, request.query.version, {}) };
  });

  /** GET /_matrix/client/v3/room_keys/keys/{roomId}: the keys of one room; `{"sessions": {}}` when none. */
  app.get<Query & { Params: Static<typeof RoomParams> }>('/_matrix/client/v3/room_keys/keys/:roomId', withVersion, async (request) => {
    const rooms = await deps.backup.getKeys(requireSession(request).userId, request.query.version, { roomId: request.params.roomId });
    return rooms[request.params.roomId] ?? { sessions: {} };
  });

  /** GET /_matrix/client/v3/room_keys/keys/{roomId}/{sessionId}: one session's key; 404 M_NOT_FOUND when absent. */
  app.get<Query & { Params: Static<typeof SessionParams> }>('/_matrix/client/v3/room_keys/keys/:roomId/:sessionId', withVersion, async (request) => {
    const { roomId, sessionId } = request.params;
    const rooms = await deps.backup.getKeys(requireSession(request).userId, request.query.version, { roomId, sessionId });
    const key = rooms[roomId]?.sessions[sessionId];
    if (!key) throw notFoundKey();
    return key;
  });

  /** DELETE /_matrix/client/v3/room_keys/keys: deletes every key of the version. */
  app.delete<Query>('/_matrix/client/v3/room_keys/keys', withVersion, async (request) => {
    return deps.backup.deleteKeys(requireSession(request).userId, request.query.version, {});
  });

  /** DELETE /_matrix/client/v3/room_keys/keys/{roomId}: deletes one room's keys. */
  app.delete<Query & { Params: Static<typeof RoomParams> }>('/_matrix/client/v3/room_keys/keys/:roomId', withVersion, async (request) => {
    return deps.backup.deleteKeys(requireSession(request).userId, request.query.version, { roomId: request.params.roomId });
  });

  /** DELETE /_matrix/client/v3/room_keys/keys/{roomId}/{sessionId}: deletes one session's key. */
  app.delete<Query & { Params: Static<typeof SessionParams> }>('/_matrix/client/v3/room_keys/keys/:roomId/:sessionId', withVersion, async (request) => {
    const { roomId, sessionId } = request.params;
    return deps.backup.deleteKeys(requireSession(request).userId, request.query.version, { roomId, sessionId });
  });
}

function notFoundKey(): Error {
  return new MatrixError('M_NOT_FOUND', 'Key not found.');
}
