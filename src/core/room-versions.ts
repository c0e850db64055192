/**
 * The room versions the spec defines (1 to 12) and the algorithm variants each one selects. The
 * flags are read by the event format, redaction and authorisation code, so one table decides
 * how every version behaves.
 */

/** Event id format of a room version. */
export type EventIdFormat =
  /** `$opaque:domain`, carried in the event's `event_id` field (versions 1 and 2). */
  | 'v1'
  /** `$` + unpadded standard Base64 of the reference hash (version 3). */
  | 'v3'
  /** `$` + unpadded URL-safe Base64 of the reference hash (versions 4 and later). */
  | 'v4';

/** Redaction algorithm, named after the room version that introduced it. */
export type RedactionAlgorithm = 'v1' | 'v6' | 'v8' | 'v9' | 'v11';

export interface RoomVersion {
  id: string;
  eventIdFormat: EventIdFormat;
  redaction: RedactionAlgorithm;
  /** Auth rule for `m.room.aliases` state events (rule 4 in versions 1 to 5). */
  specialCaseAliasesAuth: boolean;
  /** Auth rule 11 of versions 1 and 2: redactions need the redact level or the same domain. */
  redactionAuthRule: boolean;
  /** `notifications` in `m.room.power_levels` is checked like `events` (version 6 on). */
  notificationsInPowerLevelRules: boolean;
  /** The `knock` join rule and membership (version 7 on). */
  knock: boolean;
  /** The `restricted` join rule and `join_authorised_via_users_server` (version 8 on). */
  restrictedJoin: boolean;
  /** The `knock_restricted` join rule (version 10 on). */
  knockRestricted: boolean;
  /** Power level values must be JSON integers; earlier versions accept strings such as `"50"`. */
  integerPowerLevels: boolean;
  /** Power level values may be floats, which are truncated (versions 1 to 5). */
  floatPowerLevels: boolean;
  /** Canonical JSON is strictly enforced on events (version 6 on). */
  strictCanonicalJson: boolean;
  /** The room creator is `content.creator` of `m.room.create` (versions 1 to 10); later it is the `sender`. */
  creatorInContent: boolean;
  /** Room ids are `!` + the create event's reference hash and the create event has no `room_id` (version 12). */
  roomIdFromCreateEvent: boolean;
  /** Creators (sender plus `additional_creators`) have infinite power level (version 12). */
  infiniteCreatorPower: boolean;
  /** The create event is listed in other events' `auth_events` (every version before 12). */
  createEventInAuthEvents: boolean;
  /** The state resolution algorithm (v1 or v2; version 12 runs v2 with its own changes). */
  stateResolution: 'v1' | 'v2' | 'v2.1';
  /** Signing key validity periods are enforced (version 5 on). */
  enforceKeyValidity: boolean;
}

const VERSION_1: RoomVersion = {
  id: '1',
  eventIdFormat: 'v1',
  redaction: 'v1',
  specialCaseAliasesAuth: true,
  redactionAuthRule: true,
  notificationsInPowerLevelRules: false,
  knock: false,
  restrictedJoin: false,
  knockRestricted: false,
  integerPowerLevels: false,
  floatPowerLevels: true,
  strictCanonicalJson: false,
  creatorInContent: true,
  roomIdFromCreateEvent: false,
  infiniteCreatorPower: false,
  createEventInAuthEvents: true,
  stateResolution: 'v1',
  enforceKeyValidity: false,
};

const VERSION_2: RoomVersion = { ...VERSION_1, id: '2', stateResolution: 'v2' };
const VERSION_3: RoomVersion = { ...VERSION_2, id: '3', eventIdFormat: 'v3', redactionAuthRule: false };
const VERSION_4: RoomVersion = { ...VERSION_3, id: '4', eventIdFormat: 'v4' };
const VERSION_5: RoomVersion = { ...VERSION_4, id: '5', enforceKeyValidity: true };
const VERSION_6: RoomVersion = {
  ...VERSION_5,
  id: '6',
  redaction: 'v6',
  specialCaseAliasesAuth: false,
  notificationsInPowerLevelRules: true,
  floatPowerLevels: false,
  strictCanonicalJson: true,
};
const VERSION_7: RoomVersion = { ...VERSION_6, id: '7', knock: true };
const VERSION_8: RoomVersion = { ...VERSION_7, id: '8', redaction: 'v8', restrictedJoin: true };
const VERSION_9: RoomVersion = { ...VERSION_8, id: '9', redaction: 'v9' };
const VERSION_10: RoomVersion = { ...VERSION_9, id: '10', knockRestricted: true, integerPowerLevels: true };
const VERSION_11: RoomVersion = { ...VERSION_10, id: '11', redaction: 'v11', creatorInContent: false };
const VERSION_12: RoomVersion = {
  ...VERSION_11,
  id: '12',
  roomIdFromCreateEvent: true,
  infiniteCreatorPower: true,
  createEventInAuthEvents: false,
  stateResolution: 'v2.1',
};

const ROOM_VERSIONS: ReadonlyMap<string, RoomVersion> = new Map(
  [VERSION_1, VERSION_2, VERSION_3, VERSION_4, VERSION_5, VERSION_6, VERSION_7, VERSION_8, VERSION_9, VERSION_10, VERSION_11, VERSION_12].map(
    (version) => [version.id, Object.freeze(version)],
  ),
);

/** Room version used for new rooms when the request names none. */
export const DEFAULT_ROOM_VERSION = '11';

/** Room versions this server creates rooms in; events of every version in the table can be read. */
export const CREATABLE_ROOM_VERSIONS: readonly string[] = Object.freeze(['10', '11', '12']);

/** Ids of every room version the spec defines, in numeric order. */
export const KNOWN_ROOM_VERSIONS: readonly string[] = Object.freeze([...ROOM_VERSIONS.keys()]);

/** Returns the room version with this id, or undefined when the spec defines none. */
export function getRoomVersion(id: string): RoomVersion | undefined {
  return ROOM_VERSIONS.get(id);
}

/** Returns true when new rooms may be created in this version. */
export function isCreatableRoomVersion(id: string): boolean {
  return CREATABLE_ROOM_VERSIONS.includes(id);
}

/**
 * Returns the `m.room_versions` capability of `GET /capabilities`. Only creatable versions are
 * listed, because clients pick from `available` when creating or upgrading rooms.
 */
export function roomVersionCapabilities(): { default: string; available: Record<string, 'stable' | 'unstable'> } {
  const available: Record<string, 'stable' | 'unstable'> = {};
  for (const id of CREATABLE_ROOM_VERSIONS) available[id] = 'stable';
  return { default: DEFAULT_ROOM_VERSION, available };
}
