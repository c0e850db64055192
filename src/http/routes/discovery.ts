import type { FastifyInstance } from 'fastify';
import type { SupportConfig } from '../../config/support.js';
import { MatrixError } from '../../core/errors.js';

export interface DiscoveryRouteDeps {
  serverName: string;
  publicBaseurl: string;
  /** Host and port other servers use for federation, as `/.well-known/matrix/server` publishes it. */
  federationAuthority: string;
  support: SupportConfig | undefined;
}

/**
 * Spec versions whose client-server changes this server implements. Endpoints that the spec
 * marks optional may still be missing, and clients detect those through the capabilities API.
 */
const SUPPORTED_VERSIONS = ['v1.1', 'v1.2', 'v1.3', 'v1.4', 'v1.5', 'v1.6', 'v1.7', 'v1.8', 'v1.9', 'v1.10', 'v1.11'];

export function registerDiscoveryRoutes(app: FastifyInstance, deps: DiscoveryRouteDeps): void {
  /** GET /_matrix/client/versions: the spec versions and unstable features this server supports. */
  app.get('/_matrix/client/versions', async () => ({
    versions: SUPPORTED_VERSIONS,
    // Cross-signing, key backup and the rest of end-to-end encryption work, so Element runs its
    // key-setup screen at first login.
    unstable_features: { 'org.matrix.e2e_cross_signing': true },
  }));

  /** GET /.well-known/matrix/client: gives clients the address of the client-server API. */
  app.get('/.well-known/matrix/client', async () => ({
    'm.homeserver': { base_url: deps.publicBaseurl.replace(/\/$/, '') },
  }));

  /** GET /.well-known/matrix/server: gives other servers the address for federation traffic. */
  app.get('/.well-known/matrix/server', async () => ({ 'm.server': deps.federationAuthority }));

  /** GET /.well-known/matrix/support: the administrators' contacts and support page, when configured. */
  app.get('/.well-known/matrix/support', async () => {
    if (!deps.support) throw new MatrixError('M_NOT_FOUND', 'No support information is configured on this server.');
    const { contacts, support_page: supportPage } = deps.support;
    return { ...(contacts.length > 0 ? { contacts } : {}), ...(supportPage === undefined ? {} : { support_page: supportPage }) };
  });
}
