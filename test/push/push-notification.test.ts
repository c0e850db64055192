// The notify body for one pusher: full and event_id_only formats, tweaks, priority and counts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildNotifyBody, pushkeyRef, tweaksOf, type PushedEvent } from '../../src/push/push-notification.js';
import type { Pusher } from '../../src/storage/pushers.js';

const event: PushedEvent = {
  eventId: '$event', roomId: '!room:test', type: 'm.room.message', sender: '@alice:test', stateKey: null,
  content: { msgtype: 'm.text', body: 'hi' }, senderDisplayName: 'Alice', roomName: 'Lobby',
};

function pusher(data: Record<string, unknown>): Pusher {
  return {
    userId: '@bob:test', appId: 'org.example', pushkey: 'key', kind: 'http', appDisplayName: 'App', deviceDisplayName: 'Phone',
    profileTag: null, lang: 'en', data: { url: 'https://push.test/_matrix/push/v1/notify', ...data }, deviceId: 'D', pushkeyTs: 1_700_000_000_999,
  };
}

describe('buildNotifyBody', () => {
  it('full format carries event details', () => {
    const body = buildNotifyBody(event, { userId: '@bob:test', actions: ['notify', { set_tweak: 'sound', value: 'default' }], unread: 3 }, pusher({ extra: true }));
    assert.deepEqual(body, {
      notification: {
        event_id: '$event', room_id: '!room:test', prio: 'high', counts: { unread: 3 },
        devices: [{ app_id: 'org.example', pushkey: 'key', pushkey_ts: 1_700_000_000, data: { extra: true }, tweaks: { sound: 'default' } }],
        type: 'm.room.message', sender: '@alice:test', sender_display_name: 'Alice', room_name: 'Lobby',
        content: { msgtype: 'm.text', body: 'hi' },
      },
    });
  });

  it('event_id_only leaves out details', () => {
    const body = buildNotifyBody(event, { userId: '@bob:test', actions: ['notify'], unread: 0 }, pusher({ format: 'event_id_only' }));
    assert.deepEqual(body, {
      notification: {
        event_id: '$event', room_id: '!room:test', prio: 'low', counts: {},
        devices: [{ app_id: 'org.example', pushkey: 'key', pushkey_ts: 1_700_000_000, data: { format: 'event_id_only' }, tweaks: {} }],
      },
    });
  });

  it('encrypted events are high priority', () => {
    const body = buildNotifyBody({ ...event, type: 'm.room.encrypted' }, { userId: '@bob:test', actions: ['notify'], unread: 1 }, pusher({}));
    assert.equal(body.notification['prio'], 'high');
  });

  it('member events say whether the user is the target', () => {
    const member = { ...event, type: 'm.room.member', stateKey: '@bob:test', content: { membership: 'invite' } };
    assert.equal(buildNotifyBody(member, { userId: '@bob:test', actions: ['notify'], unread: 1 }, pusher({})).notification['user_is_target'], true);
    assert.equal(buildNotifyBody(member, { userId: '@carol:test', actions: ['notify'], unread: 1 }, pusher({})).notification['user_is_target'], false);
  });
});

describe('tweaksOf', () => {
  it('highlight without value is true', () => {
    assert.deepEqual(tweaksOf(['notify', { set_tweak: 'highlight' }, { set_tweak: 'sound', value: 'ping' }]), { highlight: true, sound: 'ping' });
  });

  it('explicit false highlight stays false', () => {
    assert.deepEqual(tweaksOf([{ set_tweak: 'highlight', value: false }]), { highlight: false });
  });
});

describe('pushkeyRef', () => {
  it('hides the pushkey', () => {
    const reference = pushkeyRef('secret-device-token');
    assert.match(reference, /^[0-9a-f]{8}$/);
    assert.ok(!reference.includes('secret'));
    assert.equal(pushkeyRef('secret-device-token'), reference);
  });
});
