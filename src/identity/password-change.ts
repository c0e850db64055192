import { forbidden } from '../core/errors.js';
import type { Logger } from '../logging.js';
import { requireAcceptablePassword } from './password-policy.js';
import { hashPassword } from './secrets.js';

/** User-interactive auth as the password change uses it; throws until `auth` completes a flow. */
export interface PasswordChangeAuth {
  require(userId: string, purpose: string, auth: Record<string, unknown> | undefined): Promise<void>;
}

export interface PasswordChangeDeps {
  /** Mirrors `password_config.enabled`: when false, no password can be changed. */
  enabled: boolean;
  users: {
    get(userId: string): Promise<{ passwordHash: string | null } | undefined>;
    setPasswordHash(userId: string, passwordHash: string): Promise<void>;
  };
  listDeviceIds(userId: string): Promise<string[]>;
  /** Deletes the device and its access tokens, as a logout does. */
  deleteDevice(userId: string, deviceId: string): Promise<void>;
  uia: PasswordChangeAuth;
  logger: Logger;
}

export interface PasswordChangeRequest {
  userId: string;
  /** The device whose access token made the request; it stays signed in, because the spec says its token should not be revoked. */
  deviceId: string;
  newPassword: string;
  /** Whether to sign out the user's other devices; the spec's default is true. */
  logoutDevices: boolean;
  auth: Record<string, unknown> | undefined;
}

/** `POST /account/password` for local password accounts. */
export class PasswordChangeService {
  constructor(private readonly deps: PasswordChangeDeps) {}

  /**
   * Sets a new password after user-interactive auth with the current one. Rejects with 403 when
   * password sign-in is disabled or the account has no password (it signs in through SSO), and
   * with 400 M_WEAK_PASSWORD before asking for auth, so the user does not authenticate in vain.
   */
  async change(request: PasswordChangeRequest): Promise<void> {
    const { userId, deviceId } = request;
    if (!this.deps.enabled) throw forbidden('Password changes are disabled on this server (password_config.enabled is false).');
    const record = await this.deps.users.get(userId);
    if (!record?.passwordHash) {
      throw forbidden('This account signs in through single sign-on and has no password here; change your password at your identity provider (Nextcloud or OpenID Connect).');
    }
    requireAcceptablePassword(request.newPassword);

    await this.deps.uia.require(userId, 'change-password', request.auth);

    await this.deps.users.setPasswordHash(userId, await hashPassword(request.newPassword));
    const signedOut = request.logoutDevices ? await this.logoutOtherDevices(userId, deviceId) : 0;
    this.deps.logger.info({ userId, deviceId, signedOutDevices: signedOut }, 'password changed');
  }

  private async logoutOtherDevices(userId: string, keepDeviceId: string): Promise<number> {
    const others = (await this.deps.listDeviceIds(userId)).filter((deviceId) => deviceId !== keepDeviceId);
    for (const deviceId of others) await this.deps.deleteDevice(userId, deviceId);
    return others.length;
  }
}
