import type { FastifyInstance } from 'fastify';
import type { LatticeConfig } from '../../config/schema.js';
import type { Services } from '../../services.js';
import { registerDiscoveryRoutes } from './discovery.js';
import { registerLoginRoutes } from './login.js';
import { registerSsoRoutes } from './sso.js';

export interface ApiContext {
  config: LatticeConfig;
  services: Services;
}

/** The flat list of route modules, each given only the services it uses. */
export function registerApiRoutes(app: FastifyInstance, { config, services }: ApiContext): void {
  registerDiscoveryRoutes(app, {
    serverName: config.server_name,
    publicBaseurl: config.public_baseurl,
    federationAuthority: federationAuthority(config.server_name),
  });
  registerLoginRoutes(app, {
    accounts: services.accounts,
    passwordLoginEnabled: config.password_config.enabled,
    identityProviders: config.sso.providers.map((provider) => ({ id: provider.id, name: provider.name })),
    publicBaseurl: config.public_baseurl,
  });
  registerSsoRoutes(app, { sso: services.sso });
}

/** Federation goes to port 8448 unless the server name already names a port. */
function federationAuthority(serverName: string): string {
  return /:\d+$/.test(serverName) ? serverName : `${serverName}:8448`;
}
