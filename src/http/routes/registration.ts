import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MatrixError } from '../../core/errors.js';

const TokenQuery = Type.Object({ token: Type.String() });

/**
 * Open registration is off: accounts come from the identity providers or from an operator
 * (`lattice register-user`). Clients that probe the registration endpoints get the spec's
 * answer for a server that has it disabled, rather than M_UNRECOGNIZED.
 */
export function registerRegistrationRoutes(app: FastifyInstance, deps: { ssoEnabled: boolean }): void {
  const disabled = () => {
    const hint = deps.ssoEnabled ? 'sign in with single sign-on' : 'ask the server administrator for an account';
    return new MatrixError('M_FORBIDDEN', `Registration is disabled on this server; ${hint}.`);
  };

  /** POST /_matrix/client/v3/register: always 403, because accounts are not self-service. */
  app.post<{ Querystring: { kind?: string } }>('/_matrix/client/v3/register', async (request) => {
    if (request.query.kind === 'guest') throw new MatrixError('M_GUEST_ACCESS_FORBIDDEN', 'Guest access is disabled on this server.');
    throw disabled();
  });

  /** GET /_matrix/client/v3/register/available: 403 as well, so no user name can be probed. */
  app.get('/_matrix/client/v3/register/available', async () => {
    throw disabled();
  });

  /** GET /_matrix/client/v1/register/m.login.registration_token/validity: 403, as the spec defines it for a server without registration. */
  app.get<{ Querystring: Static<typeof TokenQuery> }>(
    '/_matrix/client/v1/register/m.login.registration_token/validity',
    { schema: { querystring: TokenQuery } },
    async () => {
      throw disabled();
    },
  );
}
