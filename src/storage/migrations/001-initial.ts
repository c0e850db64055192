import { sql, type Kysely } from 'kysely';

/** Creates the first schema: accounts, rooms and events, and the per-user data that /sync returns. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('server_meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('stream_counter')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO stream_counter (name, position) VALUES ('main', 0)`.execute(db);

  await db.schema.createTable('users')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('localpart', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text')
    .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deactivated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('displayname', 'text')
    .addColumn('avatar_url', 'text')
    .addColumn('created_ts', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema.createTable('user_external_ids')
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('created_ts', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_external_ids_pk', ['provider_id', 'subject'])
    .execute();

  await db.schema.createTable('devices')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('created_ts', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_ts', 'bigint')
    .addColumn('last_seen_ip', 'text')
    .addPrimaryKeyConstraint('devices_pk', ['user_id', 'device_id'])
    .execute();

  await db.schema.createTable('access_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('created_ts', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('access_tokens_device').on('access_tokens').columns(['user_id', 'device_id']).execute();

  await db.schema.createTable('login_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('expires_ts', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema.createTable('rooms')
    .addColumn('room_id', 'text', (c) => c.primaryKey())
    .addColumn('room_version', 'text', (c) => c.notNull())
    .addColumn('creator', 'text', (c) => c.notNull())
    .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_ts', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema.createTable('events')
    .addColumn('stream_ordering', 'bigint', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull().unique())
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('state_key', 'text')
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('depth', 'bigint', (c) => c.notNull())
    .addColumn('origin_server_ts', 'bigint', (c) => c.notNull())
    .addColumn('event_json', 'text', (c) => c.notNull())
    .addColumn('redacted_by', 'text')
    .addColumn('relates_to_id', 'text')
    .addColumn('rel_type', 'text')
    .execute();
  await db.schema.createIndex('events_room_stream').on('events').columns(['room_id', 'stream_ordering']).execute();
  await db.schema.createIndex('events_room_state').on('events').columns(['room_id', 'type', 'state_key', 'stream_ordering']).execute();
  await db.schema.createIndex('events_relates_to').on('events').columns(['relates_to_id', 'rel_type']).execute();

  await db.schema.createTable('room_forward_extremities')
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('depth', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('room_forward_extremities_pk', ['room_id', 'event_id'])
    .execute();

  await db.schema.createTable('current_state')
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('state_key', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('stream_ordering', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('current_state_pk', ['room_id', 'type', 'state_key'])
    .execute();

  await db.schema.createTable('room_memberships')
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('membership', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('stream_ordering', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('room_memberships_pk', ['room_id', 'user_id'])
    .execute();
  await db.schema.createIndex('room_memberships_user').on('room_memberships').columns(['user_id', 'membership']).execute();

  await db.schema.createTable('event_transactions')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('txn_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('created_ts', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('event_transactions_pk', ['user_id', 'device_id', 'txn_id'])
    .execute();

  await db.schema.createTable('account_data')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('content_json', 'text', (c) => c.notNull())
    .addColumn('stream_position', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('account_data_pk', ['user_id', 'room_id', 'type'])
    .execute();
  await db.schema.createIndex('account_data_stream').on('account_data').columns(['user_id', 'stream_position']).execute();

  await db.schema.createTable('filters')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('filter_id', 'integer', (c) => c.notNull())
    .addColumn('filter_json', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('filters_pk', ['user_id', 'filter_id'])
    .execute();

  await db.schema.createTable('room_aliases')
    .addColumn('alias', 'text', (c) => c.primaryKey())
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('creator', 'text', (c) => c.notNull())
    .addColumn('created_ts', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('room_aliases_room').on('room_aliases').column('room_id').execute();

  await db.schema.createTable('receipts')
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('receipt_type', 'text', (c) => c.notNull())
    .addColumn('thread_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('stream_position', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('receipts_pk', ['room_id', 'user_id', 'receipt_type', 'thread_id'])
    .execute();
  await db.schema.createIndex('receipts_room_stream').on('receipts').columns(['room_id', 'stream_position']).execute();
}
