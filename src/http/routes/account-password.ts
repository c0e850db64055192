import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MatrixError } from '../../core/errors.js';
import type { PasswordChangeRequest } from '../../identity/password-change.js';
import { requireSession } from '../auth.js';

export interface AccountPasswordRouteDeps {
  passwords: { change(request: PasswordChangeRequest): Promise<void> };
}

const ChangeBody = Type.Object({
  new_password: Type.String(),
  logout_devices: Type.Optional(Type.Boolean()),
  auth: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

const EmailTokenBody = Type.Object({
  client_secret: Type.String(),
  email: Type.String(),
  send_attempt: Type.Integer(),
  next_link: Type.Optional(Type.String()),
});

const MsisdnTokenBody = Type.Object({
  client_secret: Type.String(),
  country: Type.String(),
  phone_number: Type.String(),
  send_attempt: Type.Integer(),
  next_link: Type.Optional(Type.String()),
});

/**
 * Lattice sends neither email nor SMS, so it cannot validate an address for a password reset.
 * The spec defines no code for that; M_THREEPID_MEDIUM_NOT_SUPPORTED with status 400 is the
 * closest, and Synapse also returns 400 when it has no email settings.
 */
function resetUnsupported(medium: string): MatrixError {
  return new MatrixError('M_THREEPID_MEDIUM_NOT_SUPPORTED',
    `This server cannot send ${medium} messages, so passwords cannot be reset by ${medium}. Sign in through single sign-on, or ask the server administrator to set a new password.`);
}

export function registerAccountPasswordRoutes(app: FastifyInstance, deps: AccountPasswordRouteDeps): void {
  /**
   * POST /_matrix/client/v3/account/password: sets a new password for a local account after
   * user-interactive auth with the current one. The device that sent the request stays signed
   * in; the others are signed out unless `logout_devices` is false.
   * NOTE: without an access token the spec allows a reset through email validation, which this
   * server cannot send, so an access token is required.
   */
  app.post<{ Body: Static<typeof ChangeBody> }>(
    '/_matrix/client/v3/account/password', { config: { auth: 'required' }, schema: { body: ChangeBody } },
    async (request) => {
      const session = requireSession(request);
      await deps.passwords.change({
        userId: session.userId,
        deviceId: session.deviceId,
        newPassword: request.body.new_password,
        logoutDevices: request.body.logout_devices ?? true,
        auth: request.body.auth,
      });
      return {};
    },
  );

  /** POST /_matrix/client/v3/account/password/email/requestToken: always 400, see resetUnsupported. */
  app.post('/_matrix/client/v3/account/password/email/requestToken', { schema: { body: EmailTokenBody } }, async () => {
    throw resetUnsupported('email');
  });

  /** POST /_matrix/client/v3/account/password/msisdn/requestToken: always 400, see resetUnsupported. */
  app.post('/_matrix/client/v3/account/password/msisdn/requestToken', { schema: { body: MsisdnTokenBody } }, async () => {
    throw resetUnsupported('SMS');
  });
}
