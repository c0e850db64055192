import type { Logger } from '../logging.js';
import type { Storage } from '../storage/index.js';
import { OpenIdTokenService } from './openid-tokens.js';
import { PasswordChangeService, type PasswordChangeAuth } from './password-change.js';

/**
 * Services for a user's own account: password change, and OpenID tokens that prove the user id
 * to integrations. Deactivation lives in account-deactivation.ts.
 */
export interface AccountManagement {
  passwords: PasswordChangeService;
  openid: OpenIdTokenService;
}

export interface AccountManagementDeps {
  storage: Pick<Storage, 'users' | 'devices' | 'openidTokens'>;
  serverName: string;
  /** `password_config.enabled`. */
  passwordsEnabled: boolean;
  uia: PasswordChangeAuth;
  /** Deletes a device and its access tokens and drops them from the token cache. */
  deleteDevice(userId: string, deviceId: string): Promise<void>;
  logger: Logger;
}

export function createAccountManagement(deps: AccountManagementDeps): AccountManagement {
  const { storage, logger } = deps;
  return {
    passwords: new PasswordChangeService({
      enabled: deps.passwordsEnabled,
      users: storage.users,
      listDeviceIds: async (userId) => (await storage.devices.listDevices(userId)).map((device) => device.deviceId),
      deleteDevice: deps.deleteDevice,
      uia: deps.uia,
      logger,
    }),
    openid: new OpenIdTokenService({ store: storage.openidTokens, users: storage.users, serverName: deps.serverName, logger }),
  };
}
