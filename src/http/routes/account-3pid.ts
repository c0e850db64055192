import type { FastifyInstance } from 'fastify';
import type { Threepid } from '../../storage/threepids.js';
import { requireSession } from '../auth.js';

export interface Account3pidRouteDeps {
  threepids: { list(userId: string): Promise<Threepid[]> };
}

export function registerAccount3pidRoutes(app: FastifyInstance, deps: Account3pidRouteDeps): void {
  /**
   * GET /_matrix/client/v3/account/3pid: the third-party identifiers bound to the account, such as
   * the email address copied from Nextcloud at sign-in.
   * TODO: adding, binding and deleting ids (POST /account/3pid/add and the rest) is not served.
   */
  app.get('/_matrix/client/v3/account/3pid', { config: { auth: 'required' } }, async (request) => {
    const session = requireSession(request);
    const threepids = await deps.threepids.list(session.userId);
    return {
      threepids: threepids.map((threepid) => ({
        medium: threepid.medium,
        address: threepid.address,
        validated_at: threepid.validatedAt,
        added_at: threepid.addedAt,
      })),
    };
  });
}
