import { forbidden, MatrixError } from '../core/errors.js';
import type { Logger } from '../logging.js';
import { hashToken, randomToken } from './secrets.js';

/** Seconds an OpenID token stays valid; one hour, as Synapse's fixed `EXPIRES_MS` in synapse/rest/client/openid.py. */
export const OPENID_TOKEN_LIFETIME_SECONDS = 3600;

/** The spec's OpenIdCredentials object that `request_token` returns. */
export interface OpenIdToken {
  access_token: string;
  token_type: 'Bearer';
  matrix_server_name: string;
  expires_in: number;
}

export interface OpenIdTokenDeps {
  store: {
    create(tokenHash: string, userId: string, expiresAt: number, now: number): Promise<void>;
    findUser(tokenHash: string, now: number): Promise<string | undefined>;
  };
  users: { get(userId: string): Promise<{ deactivated: boolean; locked: boolean } | undefined> };
  serverName: string;
  logger: Logger;
  now?: () => number;
}

/**
 * OpenID tokens: a user proves its Matrix id to an integration (a widget, Element Call) by handing
 * it a token, which the integration exchanges at the federation userinfo endpoint. The tokens
 * live in the database, so any process sharing it can validate them.
 */
export class OpenIdTokenService {
  private readonly now: () => number;

  constructor(private readonly deps: OpenIdTokenDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Issues a token for `userId`; throws 403 when the requester names another user. */
  async issue(requesterId: string, userId: string): Promise<OpenIdToken> {
    if (requesterId !== userId) throw forbidden(`You can only request OpenID tokens for your own user id, ${requesterId}.`);
    const token = randomToken(32);
    const now = this.now();
    await this.deps.store.create(hashToken(token), userId, now + OPENID_TOKEN_LIFETIME_SECONDS * 1000, now);
    this.deps.logger.debug({ userId }, 'OpenID token issued');
    return { access_token: token, token_type: 'Bearer', matrix_server_name: this.deps.serverName, expires_in: OPENID_TOKEN_LIFETIME_SECONDS };
  }

  /**
   * Returns the user id behind a token. Throws 401 M_UNKNOWN_TOKEN when the token is unknown or
   * expired, or its account was deactivated or locked since.
   */
  async userInfo(token: string): Promise<{ sub: string }> {
    const userId = await this.deps.store.findUser(hashToken(token), this.now());
    const record = userId === undefined ? undefined : await this.deps.users.get(userId);
    if (userId === undefined || !record || record.deactivated || record.locked) {
      throw new MatrixError('M_UNKNOWN_TOKEN', 'The OpenID token is unknown or has expired; request a new one.');
    }
    return { sub: userId };
  }
}
