import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MatrixError } from '../../core/errors.js';
import type { AccountService } from '../../identity/accounts.js';
import { requireSession } from '../auth.js';

export interface LoginRouteDeps {
  accounts: AccountService;
  passwordLoginEnabled: boolean;
  /** Configured identity providers, in the order clients should show them. */
  identityProviders: Array<{ id: string; name: string }>;
  publicBaseurl: string;
}

const LoginBody = Type.Object({
  type: Type.String(),
  identifier: Type.Optional(Type.Object({ type: Type.String(), user: Type.Optional(Type.String()) })),
  user: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  token: Type.Optional(Type.String()),
  device_id: Type.Optional(Type.String({ maxLength: 255 })),
  initial_device_display_name: Type.Optional(Type.String({ maxLength: 1000 })),
  refresh_token: Type.Optional(Type.Boolean()),
});
type LoginBody = Static<typeof LoginBody>;

export function registerLoginRoutes(app: FastifyInstance, deps: LoginRouteDeps): void {
  /** GET /_matrix/client/v3/login: the login flows this server offers. */
  app.get('/_matrix/client/v3/login', async () => ({ flows: loginFlows(deps) }));

  /** POST /_matrix/client/v3/login: exchanges a password or an SSO login token for an access token. */
  app.post<{ Body: LoginBody }>('/_matrix/client/v3/login', { schema: { body: LoginBody } }, async (request) => {
    const body = request.body;
    const device = { deviceId: body.device_id, displayName: body.initial_device_display_name };

    let result;
    if (body.type === 'm.login.token') {
      if (!body.token) throw new MatrixError('M_MISSING_PARAM', 'm.login.token needs "token".', { status: 400 });
      result = await deps.accounts.loginWithToken(body.token, device);
    } else if (body.type === 'm.login.password' && deps.passwordLoginEnabled) {
      const user = passwordLoginUser(body);
      if (body.password === undefined) throw new MatrixError('M_MISSING_PARAM', 'm.login.password needs "password".');
      result = await deps.accounts.loginWithPassword(user, body.password, device);
    } else {
      throw new MatrixError('M_UNKNOWN', `Unknown or disabled login type "${body.type}"; GET /login lists the offered ones.`);
    }

    return {
      user_id: result.userId,
      access_token: result.accessToken,
      device_id: result.deviceId,
      // Without the trailing slash, matching /.well-known/matrix/client, since clients append paths.
      well_known: { 'm.homeserver': { base_url: deps.publicBaseurl.replace(/\/$/, '') } },
    };
  });

  /** POST /_matrix/client/v3/logout: invalidates the access token and deletes its device. */
  app.post('/_matrix/client/v3/logout', { config: { auth: 'required' } }, async (request) => {
    await deps.accounts.logout(requireSession(request));
    return {};
  });

  /** POST /_matrix/client/v3/logout/all: invalidates every access token of the user. */
  app.post('/_matrix/client/v3/logout/all', { config: { auth: 'required' } }, async (request) => {
    await deps.accounts.logoutAll(requireSession(request).userId);
    return {};
  });

  /** GET /_matrix/client/v3/account/whoami: the owner of the access token. */
  app.get('/_matrix/client/v3/account/whoami', { config: { auth: 'required' } }, async (request) => {
    const session = requireSession(request);
    return { user_id: session.userId, device_id: session.deviceId, is_guest: false };
  });
}

function loginFlows(deps: LoginRouteDeps): object[] {
  const flows: object[] = [];
  if (deps.identityProviders.length > 0) {
    flows.push({
      type: 'm.login.sso',
      identity_providers: deps.identityProviders.map((provider) => ({ id: provider.id, name: provider.name })),
    });
  }
  // m.login.token ends an SSO sign-in and redeems the tokens that POST /login/get_token issues.
  flows.push({ type: 'm.login.token', get_login_token: true });
  if (deps.passwordLoginEnabled) flows.push({ type: 'm.login.password' });
  return flows;
}

function passwordLoginUser(body: LoginBody): string {
  if (body.identifier) {
    if (body.identifier.type !== 'm.id.user') {
      throw new MatrixError('M_UNKNOWN', `Identifier type "${body.identifier.type}" is not supported; use m.id.user.`);
    }
    if (!body.identifier.user) throw new MatrixError('M_MISSING_PARAM', 'identifier.user is required.');
    return body.identifier.user;
  }
  if (body.user) return body.user;
  throw new MatrixError('M_MISSING_PARAM', 'm.login.password needs "identifier".');
}
