import type { Kysely } from 'kysely';

/**
 * End-to-end encryption: device and cross-signing keys with their signatures, one-time and
 * fallback keys, the per-user device-list change stream, to-device inboxes and key backups.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createKeyTables(db);
  await createDeviceListAndInboxTables(db);
  await createKeyBackupTables(db);
}

async function createKeyTables(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('e2e_device_keys')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('key_json', 'text', (c) => c.notNull())
    .addColumn('updated_ts', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('e2e_device_keys_pk', ['user_id', 'device_id'])
    .execute();

  await db.schema.createTable('e2e_one_time_keys')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('key_json', 'text', (c) => c.notNull())
    .addColumn('uploaded_ts', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('e2e_one_time_keys_pk', ['user_id', 'device_id', 'algorithm', 'key_id'])
    .execute();
  await db.schema.createIndex('e2e_one_time_keys_claim').on('e2e_one_time_keys')
    .columns(['user_id', 'device_id', 'algorithm', 'uploaded_ts']).execute();

  await db.schema.createTable('e2e_fallback_keys')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('key_json', 'text', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('e2e_fallback_keys_pk', ['user_id', 'device_id', 'algorithm'])
    .execute();

  await db.schema.createTable('e2e_cross_signing_keys')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('key_type', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('key_json', 'text', (c) => c.notNull())
    .addColumn('updated_ts', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('e2e_cross_signing_keys_pk', ['user_id', 'key_type'])
    .execute();

  await db.schema.createTable('e2e_key_signatures')
    .addColumn('signer_user_id', 'text', (c) => c.notNull())
    .addColumn('signer_key_id', 'text', (c) => c.notNull())
    .addColumn('target_user_id', 'text', (c) => c.notNull())
    .addColumn('target_key_id', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('e2e_key_signatures_pk', ['target_user_id', 'target_key_id', 'signer_user_id', 'signer_key_id'])
    .execute();
}

async function createDeviceListAndInboxTables(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('e2e_device_list_changes')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('stream_position', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('e2e_device_list_changes_stream').on('e2e_device_list_changes').column('stream_position').execute();

  await db.schema.createTable('e2e_to_device_inbox')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('stream_position', 'bigint', (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('content_json', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('e2e_to_device_inbox_pk', ['user_id', 'device_id', 'stream_position'])
    .execute();

  await db.schema.createTable('e2e_to_device_transactions')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('txn_id', 'text', (c) => c.notNull())
    .addColumn('created_ts', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('e2e_to_device_transactions_pk', ['user_id', 'device_id', 'txn_id'])
    .execute();
}

async function createKeyBackupTables(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('e2e_room_key_backup_versions')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('auth_data_json', 'text', (c) => c.notNull())
    .addColumn('etag', 'bigint', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('e2e_room_key_backup_versions_pk', ['user_id', 'version'])
    .execute();

  await db.schema.createTable('e2e_room_key_backup_keys')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('first_message_index', 'bigint', (c) => c.notNull())
    .addColumn('forwarded_count', 'bigint', (c) => c.notNull())
    .addColumn('is_verified', 'integer', (c) => c.notNull())
    .addColumn('session_data_json', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('e2e_room_key_backup_keys_pk', ['user_id', 'version', 'room_id', 'session_id'])
    .execute();
}
