import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MatrixError, invalidParam } from '../../core/errors.js';
import { isValidUserId } from '../../core/index.js';
import type { PresenceService } from '../../ephemeral/presence.js';
import { requireSession } from '../auth.js';
import { checkOwnUser } from './sync.js';

export interface PresenceRouteDeps {
  presence: PresenceService;
  userExists: (userId: string) => Promise<boolean>;
}

const UserParams = Type.Object({ userId: Type.String() });
const PresenceBody = Type.Object({
  presence: Type.String(),
  status_msg: Type.Optional(Type.String()),
});

export function registerPresenceRoutes(app: FastifyInstance, deps: PresenceRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };

  /** PUT /_matrix/client/v3/presence/{userId}/status: sets the user's own presence and status message. */
  app.put<{ Params: Static<typeof UserParams>; Body: Static<typeof PresenceBody> }>(
    '/_matrix/client/v3/presence/:userId/status',
    { ...authed, schema: { params: UserParams, body: PresenceBody } },
    async (request) => {
      const session = requireSession(request);
      checkOwnUser(session.userId, request.params.userId);
      await deps.presence.setPresence(session.userId, request.body.presence, request.body.status_msg);
      return {};
    },
  );

  /** GET /_matrix/client/v3/presence/{userId}/status: the presence of the user or of someone sharing a room with them. */
  app.get<{ Params: Static<typeof UserParams> }>(
    '/_matrix/client/v3/presence/:userId/status',
    { ...authed, schema: { params: UserParams } },
    async (request) => {
      const session = requireSession(request);
      const target = request.params.userId;
      if (!isValidUserId(target)) throw invalidParam(`"${target}" is not a valid user id.`);
      if (!(await deps.userExists(target))) throw new MatrixError('M_NOT_FOUND', `No user ${target} on this server.`);
      if (!(await deps.presence.canSee(session.userId, target))) {
        throw new MatrixError('M_FORBIDDEN', `${session.userId} shares no room with ${target}, so cannot see their presence.`);
      }
      return deps.presence.getPresence(target);
    },
  );
}
