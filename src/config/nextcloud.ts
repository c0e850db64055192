import { readFileSync } from 'node:fs';
import { isValidRoomAlias, isValidRoomId } from '../core/identifiers.js';
import { ConfigError } from './errors.js';
import { Fields } from './fields.js';
import type { NextcloudDirectoryConfig, NextcloudProviderConfig, ProvisioningConfig, SyncProfileConfig } from './schema.js';

/** Keys of a Nextcloud provider beyond sign-in, read by `readNextcloudDirectory`. */
export const NEXTCLOUD_DIRECTORY_KEYS = ['sync_profile', 'allowed_groups', 'group_rooms', 'group_rooms_mode', 'admin_groups', 'provisioning'];

/** Fifteen minutes: a disabled Nextcloud account keeps its Matrix sessions at most this long. */
const DEFAULT_SYNC_INTERVAL_SECONDS = 900;

/**
 * Reads how a Nextcloud provider's accounts carry over. Defaults:
 * - `sync_profile`: `{displayname: true, avatar: true, email: true}`. The display name is copied at
 *   account creation; later changes follow only when `sso.update_profile_on_login` is also true.
 *   The avatar and the email follow at every sign-in and directory sync.
 * - `allowed_groups`: unset, so every Nextcloud account may sign in.
 * - `group_rooms`: `{}`; `group_rooms_mode`: `join`.
 * - `admin_groups`: `[]`, so no group makes anyone a server admin.
 * - `provisioning`: unset, so no directory sync runs.
 */
export function readNextcloudDirectory(fields: Fields, resolvePath: (value: string) => string): NextcloudDirectoryConfig {
  return {
    sync_profile: readSyncProfile(fields.child('sync_profile')),
    allowed_groups: fields.has('allowed_groups') ? fields.stringList('allowed_groups', []) : undefined,
    group_rooms: readGroupRooms(fields),
    group_rooms_mode: readGroupRoomsMode(fields),
    admin_groups: fields.stringList('admin_groups', []),
    provisioning: fields.has('provisioning') ? readProvisioning(fields.child('provisioning'), resolvePath) : undefined,
  };
}

/** The provider's directory settings, with the defaults for keys a config built in code left out. */
export function nextcloudDirectory(provider: NextcloudProviderConfig): NextcloudDirectoryConfig {
  const defaults = readNextcloudDirectory(Fields.of({}, ''), (value) => value);
  const set = Object.fromEntries(Object.entries(provider).filter(([key, value]) => NEXTCLOUD_DIRECTORY_KEYS.includes(key) && value !== undefined));
  return { ...defaults, ...set };
}

function readSyncProfile(fields: Fields): SyncProfileConfig {
  fields.rejectUnknown(['displayname', 'avatar', 'email']);
  return {
    displayname: fields.boolean('displayname', true),
    avatar: fields.boolean('avatar', true),
    email: fields.boolean('email', true),
  };
}

function readGroupRooms(fields: Fields): Record<string, string[]> {
  const raw = fields.get('group_rooms');
  if (raw === undefined || raw === null) return {};
  const groups = Fields.of(raw, fields.path('group_rooms'));
  const result: Record<string, string[]> = {};
  for (const group of Object.keys(raw as Record<string, unknown>)) {
    const rooms = groups.stringList(group, []);
    rooms.forEach((room, index) => {
      if (!isValidRoomId(room) && !isValidRoomAlias(room)) {
        throw new ConfigError(`${groups.path(group)}[${index}]`, room, 'Use a room id (!abc:example.com) or a room alias (#team:example.com).');
      }
    });
    result[group] = rooms;
  }
  return result;
}

function readGroupRoomsMode(fields: Fields): 'join' | 'invite' {
  const mode = fields.string('group_rooms_mode', 'join');
  if (mode !== 'join' && mode !== 'invite') {
    throw new ConfigError(fields.path('group_rooms_mode'), mode, 'Use "join" to put members in the rooms or "invite" to invite them.');
  }
  return mode;
}

function readProvisioning(fields: Fields, resolvePath: (value: string) => string): ProvisioningConfig {
  fields.rejectUnknown(['admin_user', 'app_password_path', 'interval_seconds']);
  const path = resolvePath(fields.string('app_password_path'));
  let password: string;
  try {
    password = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(fields.path('app_password_path'), path, `The file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path and its permissions.`);
  }
  if (password === '') {
    throw new ConfigError(fields.path('app_password_path'), path, 'The file is empty; put an app password of the Nextcloud admin in it (occ user:auth-tokens:add).');
  }
  return {
    admin_user: fields.string('admin_user'),
    app_password: password,
    interval_seconds: fields.integer('interval_seconds', DEFAULT_SYNC_INTERVAL_SECONDS, { min: 1, max: 7 * 24 * 3600 }),
  };
}
