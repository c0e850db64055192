import type { FastifyInstance } from 'fastify';
import { requireSession } from '../auth.js';

export function registerThirdPartyRoutes(app: FastifyInstance): void {
  /** GET /_matrix/client/v3/thirdparty/protocols: no bridges are attached, so no third-party protocols exist. */
  app.get('/_matrix/client/v3/thirdparty/protocols', { config: { auth: 'required' } }, async (request) => {
    requireSession(request);
    return {};
  });
}
