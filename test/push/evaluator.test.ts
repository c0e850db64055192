import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverDefaultRules } from '../../src/push/default-rules.js';
import { evaluatePushRules, findMatchingRule, type PushContext, type PushEvent } from '../../src/push/evaluator.js';
import type { Ruleset } from '../../src/push/types.js';

const ALICE = '@alice:localhost';
const BOB = '@bob:localhost';
const ROOM = '!room:localhost';

const GROUP: PushContext = { userId: ALICE, displayName: 'Alice Liddell', memberCount: 5 };
const ONE_TO_ONE: PushContext = { ...GROUP, memberCount: 2 };

function message(body: string, extra: Record<string, unknown> = {}): PushEvent {
  return { type: 'm.room.message', sender: BOB, room_id: ROOM, content: { msgtype: 'm.text', body, ...extra } };
}

function ruleIdFor(event: PushEvent, context: PushContext, ruleset: Ruleset = serverDefaultRules(ALICE)): string | undefined {
  return findMatchingRule(ruleset, event, context)?.rule_id;
}

describe('evaluatePushRules with default rules', () => {
  const rules = serverDefaultRules(ALICE);

  it('highlights the display name', () => {
    const outcome = evaluatePushRules(rules, message('hi Alice Liddell, lunch?'), GROUP);
    assert.deepEqual(outcome, { notify: true, highlight: true, sound: 'default' });
    assert.equal(ruleIdFor(message('hi Alice Liddell, lunch?'), GROUP), '.m.rule.contains_display_name');
  });

  it('matches the display name case-insensitively', () => {
    assert.equal(evaluatePushRules(rules, message('ALICE LIDDELL!'), GROUP).highlight, true);
  });

  it('ignores the display name inside a word', () => {
    const outcome = evaluatePushRules(rules, message('xAlice Liddelly'), GROUP);
    assert.deepEqual(outcome, { notify: true, highlight: false });
  });

  it('highlights the localpart', () => {
    const event = message('ping alice');
    assert.equal(ruleIdFor(event, { ...GROUP, displayName: undefined }), '.m.rule.contains_user_name');
    assert.equal(evaluatePushRules(rules, event, { ...GROUP, displayName: undefined }).highlight, true);
  });

  it('highlights m.mentions.user_ids', () => {
    const event = message('hello', { 'm.mentions': { user_ids: [ALICE] } });
    assert.deepEqual(evaluatePushRules(rules, event, GROUP), { notify: true, highlight: true, sound: 'default' });
    assert.equal(ruleIdFor(event, GROUP), '.m.rule.is_user_mention');
  });

  it('skips body mentions when m.mentions is present', () => {
    const event = message('Alice Liddell, see this', { 'm.mentions': {} });
    assert.equal(ruleIdFor(event, GROUP), '.m.rule.message');
    assert.deepEqual(evaluatePushRules(rules, event, GROUP), { notify: true, highlight: false });
  });

  it('notifies a 1:1 message with sound', () => {
    assert.deepEqual(evaluatePushRules(rules, message('hey'), ONE_TO_ONE), { notify: true, highlight: false, sound: 'default' });
    assert.equal(ruleIdFor(message('hey'), ONE_TO_ONE), '.m.rule.room_one_to_one');
  });

  it('notifies a group message silently', () => {
    assert.deepEqual(evaluatePushRules(rules, message('hey'), GROUP), { notify: true, highlight: false });
  });

  it('suppresses m.notice', () => {
    const event = message('build finished', { msgtype: 'm.notice' });
    assert.equal(evaluatePushRules(rules, event, ONE_TO_ONE).notify, false);
    assert.equal(ruleIdFor(event, ONE_TO_ONE), '.m.rule.suppress_notices');
  });

  it('suppresses reactions', () => {
    const reaction: PushEvent = {
      type: 'm.reaction', sender: BOB, room_id: ROOM,
      content: { 'm.relates_to': { rel_type: 'm.annotation', event_id: '$target', key: '👍' } },
    };
    assert.equal(evaluatePushRules(rules, reaction, ONE_TO_ONE).notify, false);
    assert.equal(ruleIdFor(reaction, ONE_TO_ONE), '.m.rule.reaction');
  });

  it('suppresses edits', () => {
    const edit = message('* fixed', { 'm.relates_to': { rel_type: 'm.replace', event_id: '$original' } });
    assert.equal(evaluatePushRules(rules, edit, ONE_TO_ONE).notify, false);
  });

  it('never notifies own events', () => {
    const own = { ...message('Alice Liddell'), sender: ALICE };
    assert.equal(evaluatePushRules(rules, own, ONE_TO_ONE).notify, false);
  });

  it('notifies an invite for the user', () => {
    const invite: PushEvent = { type: 'm.room.member', sender: BOB, room_id: ROOM, state_key: ALICE, content: { membership: 'invite' } };
    assert.deepEqual(evaluatePushRules(rules, invite, GROUP), { notify: true, highlight: false, sound: 'default' });
  });

  it('does not notify other member events', () => {
    const join: PushEvent = { type: 'm.room.member', sender: BOB, room_id: ROOM, state_key: BOB, content: { membership: 'join' } };
    assert.equal(evaluatePushRules(rules, join, GROUP).notify, false);
  });

  it('rings for calls', () => {
    const call: PushEvent = { type: 'm.call.invite', sender: BOB, room_id: ROOM, content: { call_id: 'c1' } };
    assert.deepEqual(evaluatePushRules(rules, call, GROUP), { notify: true, highlight: false, sound: 'ring' });
  });

  it('notifies encrypted events', () => {
    const encrypted: PushEvent = { type: 'm.room.encrypted', sender: BOB, room_id: ROOM, content: { algorithm: 'm.megolm.v1.aes-sha2' } };
    assert.equal(ruleIdFor(encrypted, ONE_TO_ONE), '.m.rule.encrypted_room_one_to_one');
    assert.equal(ruleIdFor(encrypted, GROUP), '.m.rule.encrypted');
  });

  it('highlights a room tombstone', () => {
    const tombstone: PushEvent = { type: 'm.room.tombstone', sender: BOB, room_id: ROOM, state_key: '', content: { replacement_room: '!new:localhost' } };
    assert.deepEqual(evaluatePushRules(rules, tombstone, GROUP), { notify: true, highlight: true });
  });

  it('ignores unmatched event types', () => {
    const topic: PushEvent = { type: 'm.room.topic', sender: BOB, room_id: ROOM, state_key: '', content: { topic: 'x' } };
    assert.deepEqual(evaluatePushRules(rules, topic, GROUP), { notify: false, highlight: false });
  });

  it('silences everything with the master rule', () => {
    const silenced = serverDefaultRules(ALICE);
    const master = silenced.override[0];
    assert.equal(master?.rule_id, '.m.rule.master');
    if (master) master.enabled = true;
    const event = message('hi', { 'm.mentions': { user_ids: [ALICE] } });
    assert.equal(evaluatePushRules(silenced, event, ONE_TO_ONE).notify, false);
  });
});

describe('room mentions and sender power', () => {
  const rules = serverDefaultRules(ALICE);
  const roomMention = message('everyone!', { 'm.mentions': { room: true } });
  const legacyRoomMention = message('@room meeting now');

  it('highlights a room mention from a moderator', () => {
    const context = { ...GROUP, powerLevels: { users: { [BOB]: 50 } } };
    assert.deepEqual(evaluatePushRules(rules, roomMention, context), { notify: true, highlight: true });
  });

  it('ignores a room mention from a regular user', () => {
    const context = { ...GROUP, powerLevels: { users: { [BOB]: 0 } } };
    assert.deepEqual(evaluatePushRules(rules, roomMention, context), { notify: true, highlight: false });
  });

  it('reads notifications.room from power levels', () => {
    const context = { ...GROUP, powerLevels: { users_default: 10, notifications: { room: 10 } } };
    assert.equal(evaluatePushRules(rules, roomMention, context).highlight, true);
  });

  it('accepts string levels in old room versions', () => {
    const powerLevels = { users: { [BOB]: '50' } };
    assert.equal(evaluatePushRules(rules, roomMention, { ...GROUP, powerLevels, roomVersion: '9' }).highlight, true);
    assert.equal(evaluatePushRules(rules, roomMention, { ...GROUP, powerLevels, roomVersion: '11' }).highlight, false);
  });

  it('gives the creator 100 without power levels', () => {
    assert.equal(evaluatePushRules(rules, roomMention, { ...GROUP, roomCreators: [BOB], roomVersion: '11' }).highlight, true);
    assert.equal(evaluatePushRules(rules, roomMention, { ...GROUP, roomVersion: '11' }).highlight, false);
  });

  it('gives creators infinite power in version 12', () => {
    const context = { ...GROUP, roomVersion: '12', roomCreators: [BOB], powerLevels: { users: { [BOB]: 0 } } };
    assert.equal(evaluatePushRules(rules, roomMention, context).highlight, true);
  });

  it('highlights a legacy @room from a moderator', () => {
    const context = { ...GROUP, powerLevels: { users: { [BOB]: 100 } } };
    assert.equal(ruleIdFor(legacyRoomMention, context), '.m.rule.roomnotif');
    assert.equal(evaluatePushRules(rules, legacyRoomMention, context).highlight, true);
  });
});

describe('conditions', () => {
  function overrideWith(conditions: Array<Record<string, unknown>>): Ruleset {
    const rule = { rule_id: 'test', default: false, enabled: true, conditions: conditions as never, actions: ['notify'] };
    return { override: [rule], content: [], room: [], sender: [], underride: [] };
  }
  const matches = (conditions: Array<Record<string, unknown>>, event: PushEvent, context: PushContext = GROUP): boolean =>
    evaluatePushRules(overrideWith(conditions), event, context).notify;

  it('event_match matches the whole value', () => {
    const topic: PushEvent = { type: 'm.room.topic', sender: BOB, state_key: '', content: { topic: 'Lunch plans' } };
    assert.equal(matches([{ kind: 'event_match', key: 'content.topic', pattern: 'lunc?*' }], topic), true);
    assert.equal(matches([{ kind: 'event_match', key: 'content.topic', pattern: 'lunch' }], topic), false);
    assert.equal(matches([{ kind: 'event_match', key: 'content.topic', pattern: 'lunc' }], topic), false);
  });

  it('event_match needs a string value', () => {
    const event: PushEvent = { type: 'x', sender: BOB, content: { topic: null, count: 3 } };
    assert.equal(matches([{ kind: 'event_match', key: 'content.topic', pattern: '*' }], event), false);
    assert.equal(matches([{ kind: 'event_match', key: 'content.count', pattern: '*' }], event), false);
    assert.equal(matches([{ kind: 'event_match', key: 'content.absent', pattern: '*' }], event), false);
  });

  it('event_match on body uses word boundaries', () => {
    const condition = [{ kind: 'event_match', key: 'content.body', pattern: 'ex*ple' }];
    assert.equal(matches(condition, message('An example event.')), true);
    assert.equal(matches(condition, message('exple')), true);
    assert.equal(matches(condition, message('An exciting triple-whammy')), true);
    assert.equal(matches(condition, message('examples')), false);
    assert.equal(matches(condition, message('reexample')), false);
  });

  it('event_property_is compares exactly', () => {
    const event: PushEvent = { type: 'm.room.create', sender: BOB, state_key: '', content: { 'm.federate': true, version: 1 } };
    assert.equal(matches([{ kind: 'event_property_is', key: 'content.m\\.federate', value: true }], event), true);
    assert.equal(matches([{ kind: 'event_property_is', key: 'content.m\\.federate', value: 'true' }], event), false);
    assert.equal(matches([{ kind: 'event_property_is', key: 'content.version', value: 1 }], event), true);
    assert.equal(matches([{ kind: 'event_property_is', key: 'content.version', value: true }], event), false);
  });

  it('event_property_is matches null', () => {
    const event: PushEvent = { type: 'x', sender: BOB, content: { reason: null } };
    assert.equal(matches([{ kind: 'event_property_is', key: 'content.reason', value: null }], event), true);
    assert.equal(matches([{ kind: 'event_property_is', key: 'content.absent', value: null }], event), false);
  });

  it('event_property_contains needs an exact element', () => {
    const event: PushEvent = {
      type: 'm.room.canonical_alias', sender: BOB, state_key: '',
      content: { alt_aliases: ['#somewhere:example.org', '#myroom:example.com'] },
    };
    assert.equal(matches([{ kind: 'event_property_contains', key: 'content.alt_aliases', value: '#myroom:example.com' }], event), true);
    assert.equal(matches([{ kind: 'event_property_contains', key: 'content.alt_aliases', value: ':example.com' }], event), false);
    assert.equal(matches([{ kind: 'event_property_contains', key: 'content.absent', value: 'x' }], event), false);
  });

  it('room_member_count compares counts', () => {
    const cases: Array<[string, number, boolean]> = [
      ['2', 2, true], ['2', 3, false], ['==3', 3, true], ['<3', 2, true], ['<3', 3, false],
      ['>3', 4, true], ['>=3', 3, true], ['<=10', 10, true], ['<=10', 11, false], ['=3', 3, false], ['x', 3, false],
    ];
    for (const [is, memberCount, expected] of cases) {
      assert.equal(matches([{ kind: 'room_member_count', is }], message('hi'), { ...GROUP, memberCount }), expected, `is ${is}, count ${memberCount}`);
    }
  });

  it('unknown condition kinds never match', () => {
    assert.equal(matches([{ kind: 'org.example.unknown' }], message('hi')), false);
  });

  it('empty conditions always match', () => {
    assert.equal(matches([], message('hi')), true);
  });
});

describe('user rule kinds', () => {
  function rulesetWith(kind: 'room' | 'sender' | 'content', ruleId: string, pattern?: string): Ruleset {
    const ruleset = serverDefaultRules(ALICE);
    ruleset[kind].unshift({ rule_id: ruleId, default: false, enabled: true, actions: [], ...(pattern ? { pattern } : {}) });
    return ruleset;
  }

  it('room rule mutes a room', () => {
    assert.equal(evaluatePushRules(rulesetWith('room', ROOM), message('hi'), ONE_TO_ONE).notify, false);
    assert.equal(evaluatePushRules(rulesetWith('room', '!other:localhost'), message('hi'), ONE_TO_ONE).notify, true);
  });

  it('sender rule mutes a sender', () => {
    assert.equal(evaluatePushRules(rulesetWith('sender', BOB), message('hi'), ONE_TO_ONE).notify, false);
  });

  it('content rule matches a word', () => {
    assert.equal(evaluatePushRules(rulesetWith('content', 'nocake', 'cake*lie'), message('the cake is a lie'), ONE_TO_ONE).notify, false);
    assert.equal(evaluatePushRules(rulesetWith('content', 'nocake', 'cake*lie'), message('cakes lie'), ONE_TO_ONE).notify, false);
    assert.equal(evaluatePushRules(rulesetWith('content', 'nocake', 'cake*lie'), message('pancake lies'), ONE_TO_ONE).notify, true);
  });

  it('disabled rules are skipped', () => {
    const ruleset = rulesetWith('sender', BOB);
    const rule = ruleset.sender[0];
    if (rule) rule.enabled = false;
    assert.equal(evaluatePushRules(ruleset, message('hi'), ONE_TO_ONE).notify, true);
  });
});
