import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { OpenIdToken } from '../../identity/openid-tokens.js';
import { requireSession } from '../auth.js';

export interface OpenIdRouteDeps {
  openid: {
    issue(requesterId: string, userId: string): Promise<OpenIdToken>;
    userInfo(token: string): Promise<{ sub: string }>;
  };
}

const UserParams = Type.Object({ userId: Type.String({ minLength: 1 }) });
const RequestTokenBody = Type.Object({});
const UserInfoQuery = Type.Object({ access_token: Type.String() });

/** OpenID tokens, which widgets and Element Call use to learn who the user is. */
export function registerOpenIdRoutes(app: FastifyInstance, deps: OpenIdRouteDeps): void {
  /** POST /_matrix/client/v3/user/{userId}/openid/request_token: a one-hour token for the caller's own user id. */
  app.post<{ Params: Static<typeof UserParams>; Body: Static<typeof RequestTokenBody> }>(
    '/_matrix/client/v3/user/:userId/openid/request_token',
    { config: { auth: 'required' }, schema: { params: UserParams, body: RequestTokenBody } },
    async (request) => deps.openid.issue(requireSession(request).userId, request.params.userId),
  );

  /**
   * GET /_matrix/federation/v1/openid/userinfo: exchanges a token for `{"sub": userId}`. It takes
   * no request signature, because integrations that are not homeservers call it. The query's
   * `access_token` is the OpenID token, so the client auth hook stays off here.
   * NOTE: integrations find this endpoint through `/.well-known/matrix/server`, which names port
   * 8448 by default, and the nginx site that `generate-config --nginx` writes listens on 443 only.
   */
  app.get<{ Querystring: Static<typeof UserInfoQuery> }>(
    '/_matrix/federation/v1/openid/userinfo', { schema: { querystring: UserInfoQuery } },
    async (request) => deps.openid.userInfo(request.query.access_token),
  );
}
