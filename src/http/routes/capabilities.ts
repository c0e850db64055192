import type { FastifyInstance } from 'fastify';
import { roomVersionCapabilities } from '../../core/index.js';

export interface CapabilityRouteDeps {
  /** `password_config.enabled`. */
  passwordChangesEnabled: boolean;
}

/** GET /_matrix/client/v3/capabilities: what this server lets clients change. */
export function registerCapabilityRoutes(app: FastifyInstance, deps: CapabilityRouteDeps): void {
  app.get('/_matrix/client/v3/capabilities', { config: { auth: 'required' } }, async () => ({
    capabilities: {
      'm.room_versions': roomVersionCapabilities(),
      // Follows password_config.enabled for the whole server, as Synapse's
      // AuthHandler.can_change_password() follows its password login settings, not whether this
      // user has a password. Synapse lets SSO accounts add one; Lattice rejects them with 403,
      // because their password lives at the identity provider.
      'm.change_password': { enabled: deps.passwordChangesEnabled },
      'm.set_displayname': { enabled: true },
      'm.set_avatar_url': { enabled: true },
      'm.3pid_changes': { enabled: false },
      'm.get_login_token': { enabled: true },
    },
  }));
}
