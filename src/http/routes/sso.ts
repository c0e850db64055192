import type { FastifyInstance } from 'fastify';
import type { SsoService } from '../../identity/sso/service.js';

export interface SsoRouteDeps {
  sso: SsoService;
}

export function registerSsoRoutes(_app: FastifyInstance, _deps: SsoRouteDeps): void {
  // TODO: the SSO redirect and callback routes are not registered yet.
}
