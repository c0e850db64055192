import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OFFLINE_AFTER_MS, PresenceService } from '../../src/ephemeral/presence.js';

/** Creates a presence service over a fake clock and stream, in which everyone shares a room with everyone. */
function createService(enabled = true) {
  const clock = { now: 1_000_000 };
  let position = 0;
  const notified: Array<{ userId: string; position: number }> = [];
  const service = new PresenceService({
    enabled,
    allocatePosition: async () => (position += 1),
    notifyPresence: async (userId, at) => void notified.push({ userId, position: at }),
    usersSharingRooms: async () => new Set(['@alice:test', '@bob:test']),
    onError: (error) => assert.fail(String(error)),
    sweepIntervalMs: 0,
    now: () => clock.now,
  });
  return { service, clock, notified, position: () => position };
}

describe('PresenceService', () => {
  it('sync marks a new user online', async () => {
    const { service, notified } = createService();
    await service.markSyncing('@alice:test', undefined);
    assert.equal(service.getPresence('@alice:test').presence, 'online');
    assert.equal(service.getPresence('@alice:test').currently_active, true);
    assert.deepEqual(notified, [{ userId: '@alice:test', position: 1 }]);
  });

  it('sync keeps a chosen unavailable', async () => {
    const { service } = createService();
    await service.setPresence('@alice:test', 'unavailable', 'away');
    await service.markSyncing('@alice:test', undefined);
    assert.equal(service.getPresence('@alice:test').presence, 'unavailable');
    assert.equal(service.getPresence('@alice:test').status_msg, 'away');
  });

  it('unchanged presence allocates nothing', async () => {
    const { service, position } = createService();
    await service.markSyncing('@alice:test', undefined);
    await service.markSyncing('@alice:test', undefined);
    await service.setPresence('@alice:test', 'online', undefined);
    assert.equal(position(), 1);
  });

  it('set_presence offline changes nothing', async () => {
    const { service, position } = createService();
    await service.markSyncing('@alice:test', 'offline');
    assert.equal(position(), 0);
    assert.deepEqual(service.getPresence('@alice:test'), { presence: 'offline' });
  });

  it('events respect the since token', async () => {
    const { service } = createService();
    await service.setPresence('@alice:test', 'online', undefined);
    await service.setPresence('@bob:test', 'unavailable', undefined);
    assert.deepEqual((await service.eventsFor('@alice:test', undefined, 10)).map((event) => event.sender).sort(), ['@alice:test', '@bob:test']);
    assert.deepEqual((await service.eventsFor('@alice:test', 1, 10)).map((event) => event.sender), ['@bob:test']);
    assert.deepEqual(await service.eventsFor('@alice:test', 2, 10), []);
    assert.deepEqual(await service.eventsFor('@alice:test', 0, 1).then((events) => events.map((event) => event.sender)), ['@alice:test']);
  });

  it('sweep marks silent users offline', async () => {
    const { service, clock } = createService();
    await service.setPresence('@alice:test', 'online', 'coding');
    await service.setPresence('@bob:test', 'online', undefined);
    clock.now += OFFLINE_AFTER_MS - 1;
    await service.markSyncing('@bob:test', undefined);
    clock.now += 2;
    await service.sweep();
    assert.equal(service.getPresence('@alice:test').presence, 'offline');
    assert.equal(service.getPresence('@alice:test').status_msg, 'coding');
    assert.equal(service.getPresence('@alice:test').last_active_ago, OFFLINE_AFTER_MS + 1);
    assert.equal(service.getPresence('@bob:test').presence, 'online');
  });

  it('unknown presence is rejected', async () => {
    const { service } = createService();
    await assert.rejects(service.setPresence('@alice:test', 'asleep', undefined), { errcode: 'M_INVALID_PARAM' });
  });

  it('disabled presence reads offline', async () => {
    const { service, position } = createService(false);
    await service.setPresence('@alice:test', 'online', 'here');
    await service.markSyncing('@alice:test', undefined);
    assert.deepEqual(service.getPresence('@alice:test'), { presence: 'offline' });
    assert.deepEqual(await service.eventsFor('@alice:test', undefined, 10), []);
    assert.equal(position(), 0);
  });
});
