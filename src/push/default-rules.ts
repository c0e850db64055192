/**
 * The server-default push rules, in the order the spec lists them. Each user gets a copy with
 * their own Matrix ID and localpart filled in.
 */
import { parseUserId } from '../core/identifiers.js';
import type { PushAction, PushCondition, PushRule, Ruleset } from './types.js';

export const MASTER_RULE_ID = '.m.rule.master';

/**
 * Rules that look for mentions in `content.body`. The spec removed them in v1.17, but clients
 * that do not send `m.mentions` still depend on them, so they stay here and are skipped for
 * events whose content has an `m.mentions` property, as the spec required before v1.17.
 */
export const LEGACY_MENTION_RULE_IDS: ReadonlySet<string> = new Set([
  '.m.rule.contains_display_name',
  '.m.rule.contains_user_name',
  '.m.rule.roomnotif',
]);

const SOUND_DEFAULT: PushAction = { set_tweak: 'sound', value: 'default' };
const HIGHLIGHT: PushAction = { set_tweak: 'highlight' };

function rule(ruleId: string, conditions: PushCondition[], actions: PushAction[], enabled = true): PushRule {
  return { rule_id: ruleId, default: true, enabled, conditions, actions };
}

function eventMatch(key: string, pattern: string): PushCondition {
  return { kind: 'event_match', key, pattern };
}

function overrideRules(userId: string): PushRule[] {
  return [
    rule(MASTER_RULE_ID, [], [], false),
    rule('.m.rule.suppress_notices', [eventMatch('content.msgtype', 'm.notice')], []),
    rule('.m.rule.invite_for_me', [
      eventMatch('type', 'm.room.member'),
      eventMatch('content.membership', 'invite'),
      eventMatch('state_key', userId),
    ], ['notify', SOUND_DEFAULT]),
    rule('.m.rule.member_event', [eventMatch('type', 'm.room.member')], []),
    rule('.m.rule.is_user_mention', [
      { kind: 'event_property_contains', key: 'content.m\\.mentions.user_ids', value: userId },
    ], ['notify', SOUND_DEFAULT, HIGHLIGHT]),
    rule('.m.rule.contains_display_name', [{ kind: 'contains_display_name' }], ['notify', SOUND_DEFAULT, HIGHLIGHT]),
    rule('.m.rule.is_room_mention', [
      { kind: 'event_property_is', key: 'content.m\\.mentions.room', value: true },
      { kind: 'sender_notification_permission', key: 'room' },
    ], ['notify', HIGHLIGHT]),
    rule('.m.rule.roomnotif', [
      eventMatch('content.body', '@room'),
      { kind: 'sender_notification_permission', key: 'room' },
    ], ['notify', HIGHLIGHT]),
    rule('.m.rule.tombstone', [eventMatch('type', 'm.room.tombstone'), eventMatch('state_key', '')], ['notify', HIGHLIGHT]),
    rule('.m.rule.reaction', [eventMatch('type', 'm.reaction')], []),
    rule('.m.rule.room.server_acl', [eventMatch('type', 'm.room.server_acl'), eventMatch('state_key', '')], []),
    rule('.m.rule.suppress_edits', [
      { kind: 'event_property_is', key: 'content.m\\.relates_to.rel_type', value: 'm.replace' },
    ], []),
  ];
}

function contentRules(userId: string): PushRule[] {
  const localpart = parseUserId(userId)?.localpart ?? userId.slice(1);
  return [
    {
      rule_id: '.m.rule.contains_user_name',
      default: true,
      enabled: true,
      pattern: localpart,
      actions: ['notify', SOUND_DEFAULT, HIGHLIGHT],
    },
  ];
}

function underrideRules(): PushRule[] {
  return [
    rule('.m.rule.call', [eventMatch('type', 'm.call.invite')], ['notify', { set_tweak: 'sound', value: 'ring' }]),
    rule('.m.rule.encrypted_room_one_to_one', [
      { kind: 'room_member_count', is: '2' },
      eventMatch('type', 'm.room.encrypted'),
    ], ['notify', SOUND_DEFAULT]),
    rule('.m.rule.room_one_to_one', [
      { kind: 'room_member_count', is: '2' },
      eventMatch('type', 'm.room.message'),
    ], ['notify', SOUND_DEFAULT]),
    rule('.m.rule.message', [eventMatch('type', 'm.room.message')], ['notify']),
    rule('.m.rule.encrypted', [eventMatch('type', 'm.room.encrypted')], ['notify']),
  ];
}

/** Returns fresh copies of the server-default rules for one user, so callers may change them. */
export function serverDefaultRules(userId: string): Ruleset {
  return structuredClone({
    override: overrideRules(userId),
    content: contentRules(userId),
    room: [],
    sender: [],
    underride: underrideRules(),
  });
}
