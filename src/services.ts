import { hkdfSync } from 'node:crypto';
import type { LatticeConfig } from './config/schema.js';
import type { SigningKey } from './core/signing-key.js';
import { AccountService } from './identity/accounts.js';
import { SsoService } from './identity/sso/service.js';
import type { Logger } from './logging.js';
import type { Storage } from './storage/index.js';

export interface ServiceContext {
  config: LatticeConfig;
  storage: Storage;
  signingKey: SigningKey;
  logger: Logger;
}

export interface Services {
  accounts: AccountService;
  sso: SsoService;
  close(): void;
}

/** Builds every service with the narrow dependencies it needs, passed in explicitly. */
export function createServices(context: ServiceContext): Services {
  const { config, storage, logger } = context;
  const accounts = new AccountService({ users: storage.users, devices: storage.devices, serverName: config.server_name, logger });
  const sso = new SsoService({
    config,
    users: storage.users,
    accounts,
    profiles: { setDisplayName: (userId, name) => storage.users.setDisplayname(userId, name) },
    logger: logger.child({ component: 'sso' }),
    cookieSecret: deriveSecret(context.signingKey, 'sso-state-cookie'),
  });
  return {
    accounts,
    sso,
    close() {},
  };
}

/** Derives a purpose-bound secret from the signing key, so operators have one secret to keep. */
function deriveSecret(signingKey: SigningKey, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', signingKey.seed, Buffer.from('lattice'), Buffer.from(purpose), 32));
}
