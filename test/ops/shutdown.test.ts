import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { api } from '../support/client.js';
import { createRoom, createUser, sendText, sync, type SyncBody, type TestUser } from '../support/matrix.js';
import { freePort, TestServer } from '../support/server.js';
import { LatticeProcess } from './cli-process.js';
import { waitForMetric } from './metrics-support.js';

describe('SIGTERM', () => {
  let server: TestServer;
  let lattice: LatticeProcess | undefined;
  let metricsUrl: string;
  let alice: TestUser;
  let roomId: string;

  before(async () => {
    server = await TestServer.start();
    alice = await createUser(server, 'alice');
    roomId = await createRoom(server, alice);
    await server.stop();
    // The same config with metrics on, so the test can see when the long-poll is waiting.
    const metricsPort = await freePort();
    const config = parseYaml(readFileSync(server.configPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(server.configPath, toYaml({ ...config, metrics: { enabled: true, host: '127.0.0.1', port: metricsPort } }));
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  });
  after(async () => {
    lattice?.kill();
    await server.dispose();
  });

  // Without the release of long-polls at shutdown this test waits for the ten-minute /sync
  // timeout and fails on the test timeout instead.
  it('releases /sync, keeps writes and exits 0', { timeout: 120_000 }, async () => {
    lattice = LatticeProcess.spawn(server.configPath);
    await lattice.waitForLine('"lattice started"');
    await sendText(server, alice, roomId, 'written before the restart');
    const { next_batch: since } = await sync(server, alice);
    const longPoll = api<SyncBody>(server.baseUrl, 'GET', `/_matrix/client/v3/sync?since=${since}&timeout=600000`, { token: alice.token });
    await waitForMetric(metricsUrl, 'lattice_sync_active', 1);

    lattice.signal('SIGTERM');
    const released = await longPoll;
    const code = await lattice.exitCode();

    assert.equal(released.status, 200);
    assert.equal(code, 0);
    assert.ok(lattice.lines.some((line) => line.includes('"lattice stopped"')));

    await server.restart();
    const fresh = await sync(server, alice);
    const bodies = fresh.rooms.join[roomId]?.timeline.events.map((event) => event.content.body);
    assert.ok(bodies?.includes('written before the restart'));
  });
});
