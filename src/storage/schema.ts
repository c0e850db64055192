import type { Generated } from 'kysely';

/**
 * Table types for Kysely. JSON columns are stored as TEXT and parsed by the store that owns them.
 * Timestamps are milliseconds since the Unix epoch; positions come from the one stream counter.
 */
export interface DatabaseSchema {
  server_meta: { key: string; value: string };
  stream_counter: { name: string; position: number };
  users: UsersTable;
  user_external_ids: { provider_id: string; subject: string; user_id: string; created_ts: number };
  devices: DevicesTable;
  access_tokens: { token_hash: string; user_id: string; device_id: string; created_ts: number };
  login_tokens: { token_hash: string; user_id: string; expires_ts: number };
  rooms: RoomsTable;
  events: EventsTable;
  room_forward_extremities: { room_id: string; event_id: string; depth: number };
  current_state: { room_id: string; type: string; state_key: string; event_id: string; stream_ordering: number };
  room_memberships: RoomMembershipsTable;
  event_transactions: { user_id: string; device_id: string; txn_id: string; event_id: string; created_ts: number };
  account_data: AccountDataTable;
  filters: { user_id: string; filter_id: number; filter_json: string };
  room_aliases: { alias: string; room_id: string; creator: string; created_ts: number };
  receipts: ReceiptsTable;
  user_threepids: UserThreepidsTable;
  user_directory_state: UserDirectoryStateTable;
  content_reports: ContentReportsTable;
  openid_tokens: { token_hash: string; user_id: string; expires_ts: number };
  pushers: PushersTable;
}

export interface UsersTable {
  user_id: string;
  localpart: string;
  password_hash: string | null;
  is_admin: number;
  deactivated: number;
  displayname: string | null;
  avatar_url: string | null;
  created_ts: number;
  /** 1 while the account is locked because its Nextcloud account is disabled or outside `allowed_groups`. */
  locked: Generated<number>;
  /** 1 while a Nextcloud admin group makes the user a server admin. */
  group_admin: Generated<number>;
}

export interface UserThreepidsTable {
  user_id: string;
  medium: string;
  address: string;
  /** The identity provider that set the row. */
  source: string;
  validated_ts: number;
  added_ts: number;
}

export interface PushersTable {
  user_id: string;
  app_id: string;
  pushkey: string;
  kind: string;
  app_display_name: string;
  device_display_name: string;
  profile_tag: string | null;
  lang: string;
  /** The pusher's `data` object as JSON, `url` included. */
  data_json: string;
  /** The device whose session set the pusher; deleting the device deletes the pusher. */
  device_id: string;
  /** When the pushkey was last set, in milliseconds. */
  pushkey_ts: number;
}

export interface UserDirectoryStateTable {
  provider_id: string;
  user_id: string;
  groups_json: string | null;
  avatar_etag: string | null;
  avatar_sha256: string | null;
  /** The mxc URI of the last avatar imported from the provider. */
  avatar_url: string | null;
  updated_ts: number;
}

export interface DevicesTable {
  user_id: string;
  device_id: string;
  display_name: string | null;
  created_ts: number;
  last_seen_ts: number | null;
  last_seen_ip: string | null;
}

export interface RoomsTable {
  room_id: string;
  room_version: string;
  creator: string;
  is_public: number;
  created_ts: number;
}

export interface EventsTable {
  stream_ordering: number;
  event_id: string;
  room_id: string;
  type: string;
  state_key: string | null;
  sender: string;
  depth: number;
  origin_server_ts: number;
  /** The event as signed, before any redaction; clients receive the redacted form once redacted_by is set. */
  event_json: string;
  redacted_by: string | null;
  /** `m.relates_to.rel_type` and `event_id` of the content, for relations and aggregations. */
  relates_to_id: string | null;
  rel_type: string | null;
}

export interface RoomMembershipsTable {
  room_id: string;
  user_id: string;
  membership: string;
  event_id: string;
  stream_ordering: number;
}

export interface AccountDataTable {
  user_id: string;
  /** Empty string for global account data. */
  room_id: string;
  type: string;
  content_json: string;
  stream_position: number;
}

export interface ReceiptsTable {
  room_id: string;
  user_id: string;
  receipt_type: string;
  /** Empty string for an unthreaded receipt. */
  thread_id: string;
  event_id: string;
  ts: number;
  stream_position: number;
}


export interface ContentReportsTable {
  id: Generated<number>;
  /** `event`, `room` or `user`. */
  kind: string;
  reporter_id: string;
  room_id: string | null;
  event_id: string | null;
  target_user_id: string | null;
  reason: string | null;
  /** The score of an event report, from -100 (most offensive) to 0, when the client sent one. */
  score: number | null;
  received_ts: number;
}
