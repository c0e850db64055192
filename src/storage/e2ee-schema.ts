import type { Kysely } from 'kysely';
import type { Db } from './database.js';
import type { DatabaseSchema } from './schema.js';

/**
 * Table types of the end-to-end encryption stores (migration 002-e2ee). JSON columns hold the
 * objects exactly as clients uploaded them; signatures made later are kept in e2e_key_signatures.
 */
// A type alias, not an interface: Kysely's withTables needs an index-signature-compatible type.
export type E2eeSchema = {
  e2e_device_keys: { user_id: string; device_id: string; key_json: string; updated_ts: number };
  e2e_one_time_keys: { user_id: string; device_id: string; algorithm: string; key_id: string; key_json: string; uploaded_ts: number };
  e2e_fallback_keys: { user_id: string; device_id: string; algorithm: string; key_id: string; key_json: string; used: number };
  /** `key_type` is `master`, `self_signing` or `user_signing`; `public_key` is the unpadded Base64 ed25519 key. */
  e2e_cross_signing_keys: { user_id: string; key_type: string; public_key: string; key_json: string; updated_ts: number };
  /** A signature by `signer_key_id` (e.g. `ed25519:<public key>`) over a device (`target_key_id` = device id) or a master key (its public key). */
  e2e_key_signatures: { signer_user_id: string; signer_key_id: string; target_user_id: string; target_key_id: string; signature: string };
  /** The newest stream position at which the user's devices or cross-signing keys changed. */
  e2e_device_list_changes: { user_id: string; stream_position: number };
  e2e_to_device_inbox: { user_id: string; device_id: string; stream_position: number; sender: string; type: string; content_json: string };
  e2e_to_device_transactions: { user_id: string; device_id: string; txn_id: string; created_ts: number };
  e2e_room_key_backup_versions: { user_id: string; version: number; algorithm: string; auth_data_json: string; etag: number; deleted: number };
  e2e_room_key_backup_keys: {
    user_id: string; version: number; room_id: string; session_id: string;
    first_message_index: number; forwarded_count: number; is_verified: number; session_data_json: string;
  };
};

export type E2eeDb = Kysely<DatabaseSchema & E2eeSchema>;

/** The same connection, typed with the end-to-end encryption tables as well. */
export function withE2eeTables(db: Db): E2eeDb {
  return db.withTables<E2eeSchema>();
}
