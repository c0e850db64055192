import type { FastifyInstance } from 'fastify';
import { invalidParam } from '../../core/errors.js';
import type { AccountDeactivation } from '../../identity/account-deactivation.js';
import { requireSession } from '../auth.js';
import { authOf } from '../uia-auth.js';

export interface AccountDeactivationRouteDeps {
  deactivation: AccountDeactivation;
}

export function registerAccountDeactivationRoutes(app: FastifyInstance, deps: AccountDeactivationRouteDeps): void {
  /**
   * POST /_matrix/client/v3/account/deactivate: deactivates the caller's account after
   * user-interactive auth. The first attempt of the auth dance may send no `auth`, so the body
   * has no schema.
   * NOTE: the spec also allows this request without an access token, with the user named in the
   * auth, and this server requires the token.
   */
  app.post<{ Body: unknown }>('/_matrix/client/v3/account/deactivate', { config: { auth: 'required' } }, async (request) => {
    const userId = requireSession(request).userId;
    await deps.deactivation.deactivate(userId, authOf(request.body), eraseOf(request.body));

    // Third-party ids here come from sign-in providers and are never bound to an identity
    // server, so there is nothing to unbind.
    return { id_server_unbind_result: 'success' };
  });
}

/** Reads the optional `erase` flag, which defaults to false. */
function eraseOf(body: unknown): boolean {
  const erase = typeof body === 'object' && body !== null ? (body as { erase?: unknown }).erase : undefined;
  if (erase === undefined) return false;
  if (typeof erase !== 'boolean') throw invalidParam('erase must be true or false.');
  return erase;
}
