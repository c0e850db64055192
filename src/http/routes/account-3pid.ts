import type { FastifyInstance } from 'fastify';
import { requireSession } from '../auth.js';

export function registerAccount3pidRoutes(app: FastifyInstance): void {
  /**
   * GET /_matrix/client/v3/account/3pid: the third-party identifiers bound to the account.
   * TODO: accounts have no email or phone bindings yet, so the list is always empty.
   */
  app.get('/_matrix/client/v3/account/3pid', { config: { auth: 'required' } }, async (request) => {
    requireSession(request);
    return { threepids: [] };
  });
}
