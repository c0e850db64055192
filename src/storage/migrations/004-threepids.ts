import type { Kysely } from 'kysely';

/**
 * Creates `user_threepids`: the third-party ids bound to each account (email addresses, medium
 * `email`), as `GET /account/3pid` lists them. `source` names the identity provider that set the
 * row, so a sign-in replaces only what that provider set.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('user_threepids')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('medium', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('validated_ts', 'bigint', (c) => c.notNull())
    .addColumn('added_ts', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_threepids_pk', ['user_id', 'medium', 'address'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('user_threepids').execute();
}
