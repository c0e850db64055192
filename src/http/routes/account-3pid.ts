import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MatrixError } from '../../core/errors.js';
import type { Threepid } from '../../storage/threepids.js';
import { requireSession } from '../auth.js';

export interface Account3pidRouteDeps {
  threepids: { list(userId: string): Promise<Threepid[]> };
}

const UnbindBody = Type.Object({
  medium: Type.Union([Type.Literal('email'), Type.Literal('msisdn')]),
  address: Type.String(),
  id_server: Type.Optional(Type.String()),
});

/**
 * Third-party ids here are the email addresses that the identity providers supply at sign-in,
 * and `m.3pid_changes` is false. A change made here would be undone at the next sign-in or
 * directory sync, and adding one needs an email this server cannot send. So adding, deleting and
 * requesting validation tokens are rejected before the body is read, as Synapse does with
 * `enable_3pid_changes: false`. Synapse returns 400 there; this server uses 403, the spec's
 * status for M_FORBIDDEN.
 */
function changesDisabled(): MatrixError {
  return new MatrixError('M_FORBIDDEN',
    'This server does not allow changes to email addresses or phone numbers: they come from your identity provider (Nextcloud or OpenID Connect). Change them there.');
}

export function registerAccount3pidRoutes(app: FastifyInstance, deps: Account3pidRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };

  /**
   * GET /_matrix/client/v3/account/3pid: the third-party identifiers bound to the account, such as
   * the email address copied from Nextcloud at sign-in.
   */
  app.get('/_matrix/client/v3/account/3pid', authed, async (request) => {
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

  /** POST /_matrix/client/v3/account/3pid (deprecated), /add and /delete: always 403, see changesDisabled. */
  for (const path of ['/_matrix/client/v3/account/3pid', '/_matrix/client/v3/account/3pid/add', '/_matrix/client/v3/account/3pid/delete']) {
    app.post(path, authed, async () => {
      throw changesDisabled();
    });
  }

  /** POST …/account/3pid/email/requestToken and …/msisdn/requestToken: always 403, see changesDisabled. */
  for (const medium of ['email', 'msisdn']) {
    app.post(`/_matrix/client/v3/account/3pid/${medium}/requestToken`, async () => {
      throw changesDisabled();
    });
  }

  /**
   * POST /_matrix/client/v3/account/3pid/bind: 400 M_SERVER_NOT_TRUSTED, because this server
   * talks to no identity server, so it trusts none to bind an address at.
   */
  app.post('/_matrix/client/v3/account/3pid/bind', authed, async () => {
    throw new MatrixError('M_SERVER_NOT_TRUSTED', 'This server does not bind addresses at identity servers.');
  });

  /**
   * POST /_matrix/client/v3/account/3pid/unbind: always `no-support`. The spec requires it when
   * the server does not know the identity server an address was bound through, and this server
   * never binds any.
   */
  app.post<{ Body: Static<typeof UnbindBody> }>('/_matrix/client/v3/account/3pid/unbind', { ...authed, schema: { body: UnbindBody } }, async () => {
    return { id_server_unbind_result: 'no-support' };
  });
}
