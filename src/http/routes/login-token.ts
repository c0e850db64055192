import type { FastifyInstance } from 'fastify';
import type { LoginTokenGrant } from '../../identity/login-token-grant.js';
import { requireSession } from '../auth.js';
import { authOf } from '../uia-auth.js';

export interface LoginTokenRouteDeps {
  grant: LoginTokenGrant;
}

export function registerLoginTokenRoutes(app: FastifyInstance, deps: LoginTokenRouteDeps): void {
  /**
   * POST /_matrix/client/v1/login/get_token: issues a single-use `m.login.token` token for
   * another device, after user-interactive auth. The first attempt of the auth dance may send
   * no `auth`, so the body has no schema.
   * NOTE: the spec encourages a strict rate limit here, and this server applies none.
   */
  app.post<{ Body: unknown }>('/_matrix/client/v1/login/get_token', { config: { auth: 'required' } }, async (request) => {
    return deps.grant.grant(requireSession(request).userId, authOf(request.body));
  });
}
