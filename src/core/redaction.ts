/**
 * The redaction algorithms of every room version. Redaction strips an event to the keys that
 * authorisation and hashing depend on; signatures and reference hashes cover the redacted form.
 */
import type { RedactionAlgorithm, RoomVersion } from './room-versions.js';

/** Top-level keys kept by the algorithms of room versions 1 to 10. */
const KEYS_BEFORE_V11 = [
  'event_id', 'type', 'room_id', 'sender', 'state_key', 'content', 'hashes', 'signatures', 'depth',
  'prev_events', 'prev_state', 'auth_events', 'origin', 'origin_server_ts', 'membership',
] as const;

/** Top-level keys kept from room version 11 on, which no longer keeps `origin`, `membership` and `prev_state`. */
const KEYS_FROM_V11 = [
  'event_id', 'type', 'room_id', 'sender', 'state_key', 'content', 'hashes', 'signatures', 'depth',
  'prev_events', 'auth_events', 'origin_server_ts',
] as const;

const POWER_LEVEL_KEYS = ['ban', 'events', 'events_default', 'kick', 'redact', 'state_default', 'users', 'users_default'];

/** Content keys kept per event type; `'all'` keeps the whole content. */
type ContentRule = readonly string[] | 'all';

const CONTENT_RULES: Record<RedactionAlgorithm, Record<string, ContentRule>> = {
  v1: {
    'm.room.member': ['membership'],
    'm.room.create': ['creator'],
    'm.room.join_rules': ['join_rule'],
    'm.room.power_levels': POWER_LEVEL_KEYS,
    'm.room.aliases': ['aliases'],
    'm.room.history_visibility': ['history_visibility'],
  },
  // Version 6 removed the special meaning of m.room.aliases.
  v6: {
    'm.room.member': ['membership'],
    'm.room.create': ['creator'],
    'm.room.join_rules': ['join_rule'],
    'm.room.power_levels': POWER_LEVEL_KEYS,
    'm.room.history_visibility': ['history_visibility'],
  },
  // Version 8 keeps the restricted join rule's `allow` list.
  v8: {
    'm.room.member': ['membership'],
    'm.room.create': ['creator'],
    'm.room.join_rules': ['join_rule', 'allow'],
    'm.room.power_levels': POWER_LEVEL_KEYS,
    'm.room.history_visibility': ['history_visibility'],
  },
  // Version 9 keeps `join_authorised_via_users_server`, without which redacted joins fail auth.
  v9: {
    'm.room.member': ['membership', 'join_authorised_via_users_server'],
    'm.room.create': ['creator'],
    'm.room.join_rules': ['join_rule', 'allow'],
    'm.room.power_levels': POWER_LEVEL_KEYS,
    'm.room.history_visibility': ['history_visibility'],
  },
  // The `signed` part of a member event's `third_party_invite` is handled in redactContent.
  v11: {
    'm.room.member': ['membership', 'join_authorised_via_users_server'],
    'm.room.create': 'all',
    'm.room.join_rules': ['join_rule', 'allow'],
    'm.room.power_levels': [...POWER_LEVEL_KEYS, 'invite'],
    'm.room.history_visibility': ['history_visibility'],
    'm.room.redaction': ['redacts'],
  },
};

function pick(source: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const key of keys) {
    if (Object.hasOwn(source, key)) result[key] = source[key];
  }
  return result;
}

function redactContent(type: string, content: Record<string, unknown>, algorithm: RedactionAlgorithm): Record<string, unknown> {
  const rule = CONTENT_RULES[algorithm][type];
  if (rule === undefined) return {};
  if (rule === 'all') return { ...content };
  const keptContent = pick(content, rule);
  if (algorithm === 'v11' && type === 'm.room.member') {
    const invite = content['third_party_invite'];
    if (typeof invite === 'object' && invite !== null && Object.hasOwn(invite, 'signed')) {
      keptContent['third_party_invite'] = { signed: (invite as Record<string, unknown>)['signed'] };
    }
  }
  return keptContent;
}

/**
 * Returns the redacted copy of an event under the room version's redaction algorithm. The input
 * is not modified. A missing or non-object `content` becomes `{}`.
 */
export function redactEvent<T extends object>(event: T, version: RoomVersion): Record<string, unknown> {
  const source = event as Record<string, unknown>;
  const topLevelKeys = version.redaction === 'v11' ? KEYS_FROM_V11 : KEYS_BEFORE_V11;
  const redacted = pick(source, topLevelKeys);
  const content = source['content'];
  const type = typeof source['type'] === 'string' ? source['type'] : '';
  const contentObject = typeof content === 'object' && content !== null && !Array.isArray(content) ? (content as Record<string, unknown>) : {};
  redacted['content'] = redactContent(type, contentObject, version.redaction);
  return redacted;
}
