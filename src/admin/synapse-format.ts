/**
 * Shapes Lattice's records into the JSON bodies of Synapse's admin API, field for field where
 * Lattice has the data, so synadm and synapse-admin read them unchanged.
 */
import type { DeviceRecord } from '../storage/devices.js';
import type { RoomSummary } from '../storage/room-admin.js';
import type { UserRecord } from '../storage/users.js';
import type { RoomDeletion } from './room-admin.js';

/** An entry of `GET /_synapse/admin/v2/users`; `creation_ts` is in milliseconds there. */
export function userListEntry(user: UserRecord, admin: boolean): Record<string, unknown> {
  return {
    name: user.userId,
    user_type: null,
    is_guest: false,
    admin,
    deactivated: user.deactivated,
    erased: false,
    shadow_banned: false,
    locked: false,
    approved: true,
    displayname: user.displayname,
    avatar_url: user.avatarUrl,
    creation_ts: user.createdTs,
    last_seen_ts: null,
  };
}

/** The body of `GET /_synapse/admin/v2/users/{userId}`; `creation_ts` is in seconds there. */
export function userDetails(user: UserRecord, admin: boolean, externalIds: Array<{ providerId: string; subject: string }>): Record<string, unknown> {
  return {
    ...userListEntry(user, admin),
    creation_ts: Math.floor(user.createdTs / 1000),
    threepids: [],
    appservice_id: null,
    consent_server_notice_sent: null,
    consent_version: null,
    consent_ts: null,
    external_ids: externalIds.map((entry) => ({ auth_provider: entry.providerId, external_id: entry.subject })),
    password_hash_set: user.passwordHash !== null,
  };
}

/** The body of `GET /_synapse/admin/v1/whois/{userId}`, one session per device. */
export function whois(userId: string, devices: DeviceRecord[]): Record<string, unknown> {
  const byDevice: Record<string, unknown> = {};
  for (const device of devices) {
    byDevice[device.deviceId] = {
      sessions: [{ connections: [{ ip: device.lastSeenIp, last_seen: device.lastSeenTs, user_agent: null }] }],
    };
  }
  return { user_id: userId, devices: byDevice };
}

/** An entry of `GET /_synapse/admin/v2/users/{userId}/devices`. */
export function device(record: DeviceRecord): Record<string, unknown> {
  return {
    device_id: record.deviceId,
    display_name: record.displayName,
    last_seen_ip: record.lastSeenIp,
    last_seen_ts: record.lastSeenTs,
    last_seen_user_agent: null,
    user_id: record.userId,
  };
}

/** An entry of `GET /_synapse/admin/v1/rooms`. */
export function roomListEntry(room: RoomSummary): Record<string, unknown> {
  const state = room.state;
  return {
    room_id: room.roomId,
    name: stringField(state['m.room.name'], 'name'),
    canonical_alias: stringField(state['m.room.canonical_alias'], 'alias'),
    joined_members: room.joinedMembers,
    joined_local_members: room.joinedMembers,
    version: room.roomVersion,
    creator: room.creator,
    encryption: stringField(state['m.room.encryption'], 'algorithm'),
    federatable: state['m.room.create']?.['m.federate'] !== false,
    public: room.isPublic,
    join_rules: stringField(state['m.room.join_rules'], 'join_rule'),
    guest_access: stringField(state['m.room.guest_access'], 'guest_access'),
    history_visibility: stringField(state['m.room.history_visibility'], 'history_visibility'),
    state_events: room.stateEvents,
    room_type: stringField(state['m.room.create'], 'type'),
  };
}

/** The body of `GET /_synapse/admin/v1/rooms/{roomId}`. */
export function roomDetails(room: RoomSummary): Record<string, unknown> {
  return {
    ...roomListEntry(room),
    topic: stringField(room.state['m.room.topic'], 'topic'),
    avatar: stringField(room.state['m.room.avatar'], 'url'),
    joined_local_devices: null,
    forgotten: false,
  };
}

/** A deletion as the delete-status endpoints report it. */
export function deletionStatus(deletion: RoomDeletion): Record<string, unknown> {
  return {
    delete_id: deletion.deleteId,
    status: deletion.status,
    shutdown_room: {
      kicked_users: deletion.kickedUsers,
      failed_to_kick_users: deletion.failedToKickUsers,
      local_aliases: deletion.localAliases,
      new_room_id: null,
    },
  };
}

function stringField(content: Record<string, unknown> | undefined, key: string): string | null {
  const value = content?.[key];
  return typeof value === 'string' ? value : null;
}
