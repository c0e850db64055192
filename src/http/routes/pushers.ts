import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { PusherService } from '../../push/pusher-service.js';
import { requireSession } from '../auth.js';

export interface PusherRouteDeps {
  pushers: PusherService;
}

// Only the JSON type is checked here: the service reports missing fields as M_MISSING_PARAM,
// which a schema's `required` would turn into M_BAD_JSON.
const SetPusherBody = Type.Object({}, { additionalProperties: true });

export function registerPusherRoutes(app: FastifyInstance, deps: PusherRouteDeps): void {
  /** GET /_matrix/client/v3/pushers: the user's pushers. */
  app.get('/_matrix/client/v3/pushers', { config: { auth: 'required' } }, async (request) => {
    return { pushers: await deps.pushers.list(requireSession(request).userId) };
  });

  /** POST /_matrix/client/v3/pushers/set: creates, replaces or (with `kind: null`) deletes a pusher. */
  app.post<{ Body: Static<typeof SetPusherBody> }>(
    '/_matrix/client/v3/pushers/set',
    { config: { auth: 'required' }, schema: { body: SetPusherBody } },
    async (request) => {
      await deps.pushers.set(requireSession(request), request.body as Record<string, unknown>);
      return {};
    },
  );
}
