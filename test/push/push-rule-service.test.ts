import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { MatrixError } from '../../src/core/errors.js';
import { createLogger } from '../../src/logging.js';
import { evaluatePushRules } from '../../src/push/evaluator.js';
import { PushRuleService } from '../../src/push/push-rule-service.js';
import type { RuleKind, Ruleset } from '../../src/push/types.js';
import { AccountDataStore } from '../../src/storage/account-data.js';
import { migrateToLatest, openDatabase, type Db } from '../../src/storage/database.js';

const SPEC_OVERRIDE_ORDER = [
  '.m.rule.master',
  '.m.rule.suppress_notices',
  '.m.rule.invite_for_me',
  '.m.rule.member_event',
  '.m.rule.is_user_mention',
  '.m.rule.contains_display_name',
  '.m.rule.is_room_mention',
  '.m.rule.roomnotif',
  '.m.rule.tombstone',
  '.m.rule.reaction',
  '.m.rule.room.server_acl',
  '.m.rule.suppress_edits',
];
const SPEC_UNDERRIDE_ORDER = [
  '.m.rule.call',
  '.m.rule.encrypted_room_one_to_one',
  '.m.rule.room_one_to_one',
  '.m.rule.message',
  '.m.rule.encrypted',
];

function ids(ruleset: Ruleset, kind: RuleKind): string[] {
  return ruleset[kind].map((rule) => rule.rule_id);
}

/** Runs the call and returns the MatrixError it throws. */
async function matrixErrorOf(call: () => Promise<unknown>): Promise<MatrixError> {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof MatrixError, `expected a MatrixError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to throw');
}

describe('PushRuleService', () => {
  let dataDir: string;
  let db: Db;
  let accountData: AccountDataStore;
  let service: PushRuleService;
  let notifications: Array<{ userId: string; position: number }>;
  let userNumber = 0;
  let alice: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lattice-push-rules-'));
    db = await openDatabase({ type: 'sqlite', path: join(dataDir, 'lattice.db') });
    await migrateToLatest(db, createLogger({ level: 'silent' }));
    accountData = new AccountDataStore(db);
  });

  after(async () => {
    await db.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    notifications = [];
    service = new PushRuleService(accountData, (userId, position) => notifications.push({ userId, position }));
    userNumber++;
    alice = `@alice${userNumber}:localhost`;
  });

  it('returns every default rule in spec order', async () => {
    const { global } = await service.getRules(alice);
    assert.deepEqual(ids(global, 'override'), SPEC_OVERRIDE_ORDER);
    assert.deepEqual(ids(global, 'content'), ['.m.rule.contains_user_name']);
    assert.deepEqual(ids(global, 'underride'), SPEC_UNDERRIDE_ORDER);
    assert.deepEqual(global.room, []);
    assert.deepEqual(global.sender, []);
  });

  it('fills the user into default rules', async () => {
    const { global } = await service.getRules(alice);
    assert.equal(global.content[0]?.pattern, `alice${userNumber}`);
    const mention = global.override.find((rule) => rule.rule_id === '.m.rule.is_user_mention');
    assert.deepEqual(mention?.conditions, [{ kind: 'event_property_contains', key: 'content.m\\.mentions.user_ids', value: alice }]);
    const invite = global.override.find((rule) => rule.rule_id === '.m.rule.invite_for_me');
    assert.deepEqual(invite?.conditions?.at(-1), { kind: 'event_match', key: 'state_key', pattern: alice });
  });

  it('disables only the master rule by default', async () => {
    const { global } = await service.getRules(alice);
    const disabled = Object.values(global).flat().filter((rule) => !rule.enabled).map((rule) => rule.rule_id);
    assert.deepEqual(disabled, ['.m.rule.master']);
    assert.ok(Object.values(global).flat().every((rule) => rule.default));
  });

  it('reads without writing account data', async () => {
    await service.getRules(alice);
    assert.equal(await accountData.get(alice, '', 'm.push_rules'), undefined);
    assert.deepEqual(notifications, []);
  });

  it('creates a content rule', async () => {
    await service.putRule(alice, 'content', 'nocake', { pattern: 'cake*lie', actions: ['notify'] });
    assert.deepEqual(await service.getRule(alice, 'content', 'nocake'), {
      rule_id: 'nocake', default: false, enabled: true, actions: ['notify'], pattern: 'cake*lie',
    });
    const { global } = await service.getRules(alice);
    assert.deepEqual(ids(global, 'content'), ['nocake', '.m.rule.contains_user_name']);
  });

  it('stores the ruleset and notifies sync', async () => {
    await service.putRule(alice, 'room', '!quiet:localhost', { actions: [] });
    assert.equal(notifications.length, 1);
    assert.equal(notifications[0]?.userId, alice);

    const changes = await accountData.changedSince(alice, 0);
    assert.equal(changes.length, 1);
    assert.equal(changes[0]?.type, 'm.push_rules');
    assert.equal(changes[0]?.streamPosition, notifications[0]?.position);
    assert.deepEqual(changes[0]?.content, await service.getRules(alice));
  });

  it('places new override rules after master', async () => {
    await service.putRule(alice, 'override', 'first', { actions: ['notify'], conditions: [{ kind: 'event_match', key: 'type', pattern: 'm.x' }] });
    await service.putRule(alice, 'override', 'second', { actions: [] });
    const { global } = await service.getRules(alice);
    assert.deepEqual(ids(global, 'override').slice(0, 4), ['.m.rule.master', 'second', 'first', '.m.rule.suppress_notices']);
    assert.deepEqual(global.override[2]?.conditions, [{ kind: 'event_match', key: 'type', pattern: 'm.x' }]);
    assert.deepEqual(global.override[1]?.conditions, []);
  });

  it('places rules with before and after', async () => {
    await service.putRule(alice, 'underride', 'a', { actions: [] });
    await service.putRule(alice, 'underride', 'c', { actions: [] }, { after: 'a' });
    await service.putRule(alice, 'underride', 'b', { actions: [] }, { before: 'c' });
    await service.putRule(alice, 'underride', 'top', { actions: [] }, { before: 'a', after: 'c' });
    const { global } = await service.getRules(alice);
    assert.deepEqual(ids(global, 'underride'), ['top', 'a', 'b', 'c', ...SPEC_UNDERRIDE_ORDER]);
  });

  it('moves an existing rule with before', async () => {
    await service.putRule(alice, 'sender', '@a:localhost', { actions: [] });
    await service.putRule(alice, 'sender', '@b:localhost', { actions: [] });
    await service.putRule(alice, 'sender', '@a:localhost', { actions: ['notify'] }, { before: '@b:localhost' });
    const { global } = await service.getRules(alice);
    assert.deepEqual(ids(global, 'sender'), ['@a:localhost', '@b:localhost']);
    assert.deepEqual(global.sender[0]?.actions, ['notify']);
  });

  it('updates in place and keeps enabled', async () => {
    await service.putRule(alice, 'room', '!one:localhost', { actions: [] });
    await service.putRule(alice, 'room', '!two:localhost', { actions: [] });
    await service.setEnabled(alice, 'room', '!one:localhost', false);
    await service.putRule(alice, 'room', '!one:localhost', { actions: ['notify'] });
    const { global } = await service.getRules(alice);
    assert.deepEqual(ids(global, 'room'), ['!two:localhost', '!one:localhost']);
    assert.equal(global.room[1]?.enabled, false);
    assert.deepEqual(global.room[1]?.actions, ['notify']);
  });

  it('rejects an unknown before rule', async () => {
    const error = await matrixErrorOf(() => service.putRule(alice, 'room', '!r:localhost', { actions: [] }, { before: 'missing' }));
    assert.equal(error.errcode, 'M_UNKNOWN');
    assert.equal(error.status, 400);
    assert.equal(await accountData.get(alice, '', 'm.push_rules'), undefined);
  });

  it('rejects placement next to defaults', async () => {
    const error = await matrixErrorOf(() => service.putRule(alice, 'underride', 'x', { actions: [] }, { after: '.m.rule.message' }));
    assert.equal(error.errcode, 'M_UNKNOWN');
    assert.equal(error.status, 400);
  });

  it('rejects rule ids starting with a dot', async () => {
    const created = await matrixErrorOf(() => service.putRule(alice, 'override', '.m.rule.mine', { actions: [] }));
    assert.equal(created.errcode, 'M_INVALID_PARAM');
    assert.equal(created.status, 400);
    const replaced = await matrixErrorOf(() => service.putRule(alice, 'override', '.m.rule.master', { actions: [] }));
    assert.equal(replaced.errcode, 'M_INVALID_PARAM');
    const deleted = await matrixErrorOf(() => service.deleteRule(alice, 'override', '.m.rule.master'));
    assert.equal(deleted.errcode, 'M_INVALID_PARAM');
    assert.equal(deleted.status, 400);
  });

  it('rejects slashes in rule ids', async () => {
    for (const ruleId of ['a/b', 'a\\b', '']) {
      const error = await matrixErrorOf(() => service.putRule(alice, 'override', ruleId, { actions: [] }));
      assert.equal(error.errcode, 'M_INVALID_PARAM', `rule id ${JSON.stringify(ruleId)}`);
    }
  });

  it('requires a pattern for content rules', async () => {
    const error = await matrixErrorOf(() => service.putRule(alice, 'content', 'nopattern', { actions: ['notify'] }));
    assert.equal(error.errcode, 'M_BAD_JSON');
    assert.equal(error.status, 400);
  });

  it('rejects unknown actions', async () => {
    for (const actions of [['explode'], [{ value: 'x' }], [{ set_tweak: 5 }]]) {
      const error = await matrixErrorOf(() => service.putRule(alice, 'room', '!r:localhost', { actions }));
      assert.equal(error.errcode, 'M_BAD_JSON', `actions ${JSON.stringify(actions)}`);
    }
  });

  it('strips historical actions', async () => {
    await service.putRule(alice, 'sender', '@spam:localhost', { actions: ['dont_notify', 'coalesce'] });
    assert.deepEqual(await service.getActions(alice, 'sender', '@spam:localhost'), []);
  });

  it('deletes a user rule', async () => {
    await service.putRule(alice, 'sender', '@spam:localhost', { actions: [] });
    await service.deleteRule(alice, 'sender', '@spam:localhost');
    assert.deepEqual((await service.getRules(alice)).global.sender, []);
    assert.equal(notifications.length, 2);
  });

  it('returns M_NOT_FOUND for unknown rules', async () => {
    const calls: Array<() => Promise<unknown>> = [
      () => service.getRule(alice, 'room', '!missing:localhost'),
      () => service.deleteRule(alice, 'room', '!missing:localhost'),
      () => service.getEnabled(alice, 'override', 'missing'),
      () => service.setEnabled(alice, 'override', 'missing', false),
      () => service.getActions(alice, 'underride', 'missing'),
      () => service.setActions(alice, 'underride', 'missing', []),
      () => service.getRule(alice, 'underride', '.m.rule.master'),
    ];
    for (const call of calls) {
      const error = await matrixErrorOf(call);
      assert.equal(error.errcode, 'M_NOT_FOUND');
      assert.equal(error.status, 404);
    }
    assert.deepEqual(notifications, []);
  });

  it('enables the master rule', async () => {
    assert.equal(await service.getEnabled(alice, 'override', '.m.rule.master'), false);
    await service.setEnabled(alice, 'override', '.m.rule.master', true);
    assert.equal(await service.getEnabled(alice, 'override', '.m.rule.master'), true);
    const { global } = await service.getRules(alice);
    assert.equal(global.override[0]?.rule_id, '.m.rule.master');
    assert.equal(global.override[0]?.default, true);
  });

  it('changes actions of a default rule', async () => {
    const actions = ['notify', { set_tweak: 'sound', value: 'bing' }];
    await service.setActions(alice, 'underride', '.m.rule.message', actions);
    assert.deepEqual(await service.getActions(alice, 'underride', '.m.rule.message'), actions);
    const rule = await service.getRule(alice, 'underride', '.m.rule.message');
    assert.deepEqual(rule.conditions, [{ kind: 'event_match', key: 'type', pattern: 'm.room.message' }]);
  });

  it('keeps changes across service instances', async () => {
    await service.setEnabled(alice, 'override', '.m.rule.suppress_notices', false);
    await service.putRule(alice, 'content', 'tea', { pattern: 'tea', actions: ['notify', { set_tweak: 'highlight' }] });
    const restarted = new PushRuleService(accountData, () => undefined);
    const { global } = await restarted.getRules(alice);
    assert.equal(global.override.find((rule) => rule.rule_id === '.m.rule.suppress_notices')?.enabled, false);
    assert.deepEqual(ids(global, 'content'), ['tea', '.m.rule.contains_user_name']);
  });

  it('keeps both of two concurrent changes', async () => {
    await Promise.all([
      service.putRule(alice, 'room', '!one:localhost', { actions: [] }),
      service.putRule(alice, 'room', '!two:localhost', { actions: [] }),
      service.setEnabled(alice, 'override', '.m.rule.master', true),
    ]);
    const { global } = await service.getRules(alice);
    assert.deepEqual(ids(global, 'room').sort(), ['!one:localhost', '!two:localhost']);
    assert.equal(global.override[0]?.enabled, true);
  });

  it('ignores malformed stored entries', async () => {
    await accountData.set(alice, '', 'm.push_rules', {
      global: {
        override: [{ rule_id: 'broken' }, { rule_id: 'bad-conditions', actions: [], conditions: [{}] }],
        content: [{ rule_id: 'nopattern', actions: [] }, { rule_id: 'kept', pattern: 'x', actions: ['notify', 7] }],
        room: 'not a list',
        underride: [{ rule_id: '.m.rule.gone', default: true, enabled: false, actions: [] }],
      },
    });
    const { global } = await service.getRules(alice);
    assert.deepEqual(ids(global, 'override'), SPEC_OVERRIDE_ORDER);
    assert.deepEqual(ids(global, 'content'), ['kept', '.m.rule.contains_user_name']);
    assert.deepEqual(global.content[0]?.actions, ['notify']);
    assert.deepEqual(global.room, []);
    assert.deepEqual(ids(global, 'underride'), SPEC_UNDERRIDE_ORDER);
  });

  it('feeds the evaluator', async () => {
    await service.putRule(alice, 'sender', '@spam:localhost', { actions: [] });
    const { global } = await service.getRules(alice);
    const event = { type: 'm.room.message', sender: '@spam:localhost', room_id: '!r:localhost', content: { msgtype: 'm.text', body: 'buy now' } };
    assert.equal(evaluatePushRules(global, event, { userId: alice, displayName: 'Alice', memberCount: 2 }).notify, false);
  });
});
