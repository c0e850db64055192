import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MatrixError } from '../core/errors.js';
import type { AccountService, Session } from '../identity/accounts.js';

/** Whether a route needs an access token: `required`, `optional`, or `none` (the default). */
export type AuthMode = 'required' | 'optional' | 'none';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthMode;
  }
  interface FastifyRequest {
    session: Session | null;
  }
}

/** Resolves the access token before the body is read, so an unauthenticated request costs little. */
export function registerAuthHook(app: FastifyInstance, accounts: AccountService): void {
  app.decorateRequest('session', null);
  app.addHook('onRequest', async (request) => {
    const mode = request.routeOptions.config?.auth ?? 'none';
    if (mode === 'none') return;
    const token = extractAccessToken(request);
    if (token === undefined) {
      if (mode === 'required') throw new MatrixError('M_MISSING_TOKEN', 'An access token is required; send it as "Authorization: Bearer <token>".');
      return;
    }
    request.session = await accounts.authenticate(token);
  });
}

/** Returns the session of an authenticated route; the auth hook guarantees it is set there. */
export function requireSession(request: FastifyRequest): Session {
  if (!request.session) throw new MatrixError('M_MISSING_TOKEN', 'An access token is required.');
  return request.session;
}

function extractAccessToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw new MatrixError('M_MISSING_TOKEN', 'The Authorization header must be "Bearer <token>".');
    return match[1];
  }
  // The query parameter is deprecated in the spec but still sent by older clients.
  const query = request.query as Record<string, unknown> | undefined;
  const fromQuery = query?.access_token;
  return typeof fromQuery === 'string' && fromQuery !== '' ? fromQuery : undefined;
}
