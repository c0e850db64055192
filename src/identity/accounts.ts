import { randomInt } from 'node:crypto';
import { MatrixError } from '../core/errors.js';
import { isValidLocalpart, makeUserId, parseUserId } from '../core/identifiers.js';
import type { Logger } from '../logging.js';
import type { DeviceStore } from '../storage/devices.js';
import type { UserStore } from '../storage/users.js';
import { hashPassword, hashToken, randomToken, verifyPassword } from './secrets.js';
import { TokenCache } from './token-cache.js';

/** The owner of a request's access token. */
export interface Session {
  userId: string;
  deviceId: string;
}

export interface LoginResult {
  userId: string;
  accessToken: string;
  deviceId: string;
}

export interface DeviceRequest {
  deviceId?: string;
  displayName?: string;
}

export interface AccountServiceDeps {
  users: UserStore;
  devices: DeviceStore;
  serverName: string;
  logger: Logger;
  now?: () => number;
}

// Login tokens are valid for two minutes, as Synapse's are: long enough for the redirect, short
// enough that a token leaked through a browser history is useless.
export const LOGIN_TOKEN_LIFETIME_MS = 2 * 60 * 1000;
const TOKEN_CACHE_TTL_MS = 30 * 1000;

/** Accounts, devices and access tokens: everything between a credential and a Session. */
export class AccountService {
  private readonly tokenCache = new TokenCache<Session>(TOKEN_CACHE_TTL_MS);
  private readonly revocationListeners: Array<(tokenHashes: string[]) => void> = [];
  private readonly now: () => number;

  constructor(private readonly deps: AccountServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  async authenticate(accessToken: string): Promise<Session> {
    const tokenHash = hashToken(accessToken);
    const cached = this.tokenCache.get(tokenHash, this.now());
    if (cached) return cached;
    const session = await this.deps.devices.findAccessToken(tokenHash);
    if (!session) throw new MatrixError('M_UNKNOWN_TOKEN', 'The access token is not recognised; log in again.', { extra: { soft_logout: false } });
    this.tokenCache.set(tokenHash, session, this.now());
    return session;
  }

  async loginWithPassword(user: string, password: string, device: DeviceRequest): Promise<LoginResult> {
    const userId = this.resolveLoginUser(user);
    const record = await this.deps.users.get(userId);
    const valid = record?.passwordHash ? await verifyPassword(password, record.passwordHash) : false;
    if (!record || !valid) {
      this.deps.logger.info({ userId }, 'password login rejected');
      throw new MatrixError('M_FORBIDDEN', 'Invalid username or password.');
    }
    return this.completeLogin(record.userId, device, 'password');
  }

  async loginWithToken(loginToken: string, device: DeviceRequest): Promise<LoginResult> {
    const userId = await this.deps.devices.consumeLoginToken(hashToken(loginToken), this.now());
    if (!userId) throw new MatrixError('M_FORBIDDEN', 'The login token is invalid, expired or already used; sign in again.');
    return this.completeLogin(userId, device, 'token');
  }

  /** Creates a single-use token that `m.login.token` exchanges for an access token. */
  async issueLoginToken(userId: string): Promise<string> {
    const token = randomToken(32);
    await this.deps.devices.createLoginToken(hashToken(token), userId, this.now() + LOGIN_TOKEN_LIFETIME_MS);
    return token;
  }

  async logout(session: Session): Promise<void> {
    const removed = await this.deps.devices.deleteDevice(session.userId, session.deviceId);
    this.revokeCached(removed);
    this.deps.logger.info({ userId: session.userId, deviceId: session.deviceId }, 'device logged out');
  }

  async logoutAll(userId: string): Promise<void> {
    const removed = await this.deps.devices.deleteAllDevices(userId);
    this.revokeCached(removed);
    this.deps.logger.info({ userId, devices: removed.length }, 'all devices logged out');
  }

  async deleteDevice(userId: string, deviceId: string): Promise<void> {
    const removed = await this.deps.devices.deleteDevice(userId, deviceId);
    this.revokeCached(removed);
  }

  /** Calls `listener` with the hashes of the tokens each logout in this process deleted. */
  onTokensRevoked(listener: (tokenHashes: string[]) => void): void {
    this.revocationListeners.push(listener);
  }

  /** Drops cached sessions of tokens that another process deleted. */
  forgetCachedTokens(tokenHashes: readonly string[]): void {
    tokenHashes.forEach((hash) => this.tokenCache.delete(hash));
  }

  /** Drops every cached session, for when revocations from other processes may have been missed. */
  clearTokenCache(): void {
    this.tokenCache.clear();
  }

  private revokeCached(tokenHashes: string[]): void {
    this.forgetCachedTokens(tokenHashes);
    if (tokenHashes.length > 0) this.revocationListeners.forEach((listener) => listener(tokenHashes));
  }

  /** Creates a local password account, as `lattice register-user` does. */
  async registerLocalUser(localpart: string, password: string, isAdmin: boolean): Promise<string> {
    if (!isValidLocalpart(localpart)) {
      throw new MatrixError('M_INVALID_USERNAME', `"${localpart}" is not a valid user name; use only a-z, 0-9 and . _ = - / +.`);
    }
    const userId = makeUserId(localpart, this.deps.serverName);
    const created = await this.deps.users.create(
      { userId, localpart, passwordHash: await hashPassword(password), isAdmin, displayname: localpart },
      this.now(),
    );
    if (!created) throw new MatrixError('M_USER_IN_USE', `The user ${userId} already exists.`);
    this.deps.logger.info({ userId, isAdmin }, 'local user registered');
    return userId;
  }

  private async completeLogin(userId: string, device: DeviceRequest, method: string): Promise<LoginResult> {
    const record = await this.deps.users.get(userId);
    if (!record) throw new MatrixError('M_FORBIDDEN', 'The account does not exist.');
    if (record.deactivated) throw new MatrixError('M_USER_DEACTIVATED', 'This account has been deactivated.');
    if (record.locked) {
      throw new MatrixError('M_USER_LOCKED', 'This account is locked because its Nextcloud account is disabled or outside the allowed groups; ask the server administrator.', {
        status: 401, extra: { soft_logout: true },
      });
    }

    const deviceId = device.deviceId || generateDeviceId();
    const accessToken = `lat_${randomToken(40)}`;
    await this.deps.devices.createDeviceWithToken(userId, deviceId, device.displayName ?? null, hashToken(accessToken), this.now());
    this.deps.logger.info({ userId, deviceId, method }, 'login succeeded');
    return { userId, accessToken, deviceId };
  }

  /** Accepts a bare localpart or a full user id of this server, case-insensitively as Synapse does. */
  private resolveLoginUser(user: string): string {
    const trimmed = user.trim();
    if (!trimmed.startsWith('@')) return makeUserId(trimmed.toLowerCase(), this.deps.serverName);
    const parsed = parseUserId(trimmed);
    if (!parsed || parsed.serverName !== this.deps.serverName) {
      throw new MatrixError('M_FORBIDDEN', 'Invalid username or password.');
    }
    return makeUserId(parsed.localpart.toLowerCase(), this.deps.serverName);
  }
}

function generateDeviceId(): string {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return Array.from({ length: 10 }, () => letters[randomInt(letters.length)]).join('');
}
