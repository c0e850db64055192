import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { RoomUpgrader } from '../../rooms/room-upgrade.js';
import { requireSession } from '../auth.js';
import { checkRoomId } from './rooms.js';

export interface RoomUpgradeRouteDeps {
  upgrader: RoomUpgrader;
}

const UpgradeBody = Type.Object({
  new_version: Type.String({ minLength: 1 }),
  additional_creators: Type.Optional(Type.Array(Type.String())),
});

export function registerRoomUpgradeRoutes(app: FastifyInstance, deps: RoomUpgradeRouteDeps): void {
  /** POST /_matrix/client/v3/rooms/{roomId}/upgrade: replaces the room with a new room of another version. */
  app.post<{ Params: { roomId: string }; Body: Static<typeof UpgradeBody> }>(
    '/_matrix/client/v3/rooms/:roomId/upgrade',
    { config: { auth: 'required' }, schema: { body: UpgradeBody } },
    async (request) => {
      const session = requireSession(request);
      const { new_version: newVersion, additional_creators: additionalCreators } = request.body;
      const replacement = await deps.upgrader.upgrade(session.userId, checkRoomId(request.params.roomId), newVersion, additionalCreators);
      return { replacement_room: replacement };
    },
  );
}
