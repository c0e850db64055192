import type { Kysely } from 'kysely';

/**
 * Creates `openid_tokens`: the tokens that `POST /user/{userId}/openid/request_token` issues and
 * that integrations (widgets, Element Call) exchange for the user id at
 * `/_matrix/federation/v1/openid/userinfo`. Only the SHA-256 hash of each token is stored, as for
 * access tokens. The index on `expires_ts` keeps the purge of expired rows cheap.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('openid_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('expires_ts', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('openid_tokens_expires').on('openid_tokens').column('expires_ts').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('openid_tokens').execute();
}
