import type { FastifyInstance } from 'fastify';
import { roomVersionCapabilities } from '../../core/index.js';

/** GET /_matrix/client/v3/capabilities: what this server lets clients change. */
export function registerCapabilityRoutes(app: FastifyInstance): void {
  app.get('/_matrix/client/v3/capabilities', { config: { auth: 'required' } }, async () => ({
    capabilities: {
      'm.room_versions': roomVersionCapabilities(),
      // Passwords of SSO users live in Nextcloud; local accounts change theirs with the CLI for now.
      'm.change_password': { enabled: false },
      'm.set_displayname': { enabled: true },
      'm.set_avatar_url': { enabled: true },
      'm.3pid_changes': { enabled: false },
      'm.get_login_token': { enabled: true },
    },
  }));
}
