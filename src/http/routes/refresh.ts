import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MatrixError } from '../../core/errors.js';

const RefreshBody = Type.Object({ refresh_token: Type.String() });

/**
 * Lattice issues access tokens that do not expire and no refresh tokens, even when a login
 * requests one, which the spec allows. So every refresh token presented here is unknown.
 */
export function registerRefreshRoutes(app: FastifyInstance): void {
  /** POST /_matrix/client/v3/refresh: always 401 M_UNKNOWN_TOKEN, because no refresh token was ever issued. */
  app.post<{ Body: Static<typeof RefreshBody> }>('/_matrix/client/v3/refresh', { schema: { body: RefreshBody } }, async () => {
    // soft_logout is false because no access token of this server can be renewed this way: the
    // client has to log in again.
    throw new MatrixError('M_UNKNOWN_TOKEN', 'The refresh token is not recognised: this server issues no refresh tokens; log in again.', {
      extra: { soft_logout: false },
    });
  });
}
