import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypingService } from '../../ephemeral/typing.js';
import { requireSession } from '../auth.js';
import { checkRoomId } from './rooms.js';
import { checkOwnUser } from './sync.js';

export interface TypingRouteDeps {
  typing: TypingService;
  requireJoined: (userId: string, roomId: string) => Promise<void>;
}

const TypingParams = Type.Object({ roomId: Type.String(), userId: Type.String() });
const TypingBody = Type.Object({
  typing: Type.Boolean(),
  timeout: Type.Optional(Type.Integer({ minimum: 0 })),
});

// Element requests 30 s, and the same applies when a client leaves `timeout` out.
const DEFAULT_TYPING_TIMEOUT_MS = 30_000;

export function registerTypingRoutes(app: FastifyInstance, deps: TypingRouteDeps): void {
  /** PUT /_matrix/client/v3/rooms/{roomId}/typing/{userId}: starts or stops the user's typing notification. */
  app.put<{ Params: Static<typeof TypingParams>; Body: Static<typeof TypingBody> }>(
    '/_matrix/client/v3/rooms/:roomId/typing/:userId',
    { config: { auth: 'required' }, schema: { params: TypingParams, body: TypingBody } },
    async (request) => {
      const session = requireSession(request);
      checkOwnUser(session.userId, request.params.userId);
      const roomId = checkRoomId(request.params.roomId);
      await deps.requireJoined(session.userId, roomId);
      const { typing, timeout } = request.body;
      await deps.typing.setTyping(roomId, session.userId, typing, timeout ?? DEFAULT_TYPING_TIMEOUT_MS);
      return {};
    },
  );
}
