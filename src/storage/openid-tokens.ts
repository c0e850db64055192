import type { Db } from './database.js';

/** The OpenID tokens that integrations exchange for a user id, stored by hash. */
export class OpenIdTokenStore {
  constructor(private readonly db: Db) {}

  /** Stores a token hash for the user, first deleting tokens that expired before `now`. */
  async create(tokenHash: string, userId: string, expiresAt: number, now: number): Promise<void> {
    await this.db.deleteFrom('openid_tokens').where('expires_ts', '<=', now).execute();
    await this.db.insertInto('openid_tokens').values({ token_hash: tokenHash, user_id: userId, expires_ts: expiresAt }).execute();
  }

  /** Returns the user of a token that has not expired at `now`, or undefined for an unknown or expired one. */
  async findUser(tokenHash: string, now: number): Promise<string | undefined> {
    const row = await this.db.selectFrom('openid_tokens').select('user_id')
      .where('token_hash', '=', tokenHash).where('expires_ts', '>', now).executeTakeFirst();
    return row?.user_id;
  }
}
