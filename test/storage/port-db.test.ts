// `lattice port-db`: a SQLite database that a server used is copied into an empty PostgreSQL
// database, a server on PostgreSQL then serves the same users and messages, and a second copy
// into the now non-empty target is rejected.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../ops/cli-process.js';
import { api, passwordLogin } from '../support/client.js';
import { createRoom, createUser, sendText, sync, type TestUser } from '../support/matrix.js';
import { createTestDatabase, testBackend, type TestDatabase } from '../support/postgres.js';
import { TestServer } from '../support/server.js';

const skip = testBackend() === 'postgres' ? false : 'runs in the PostgreSQL pass';

describe('port-db', { skip }, () => {
  let sqliteServer: TestServer;
  let target: TestDatabase;
  let alice: TestUser;
  let roomId: string;
  const sent: string[] = [];

  before(async () => {
    sqliteServer = await TestServer.start({ database: 'sqlite' });
    alice = await createUser(sqliteServer, 'alice');
    await createUser(sqliteServer, 'bob');
    roomId = await createRoom(sqliteServer, alice, { name: 'ported', invite: ['@bob:localhost'] });
    for (let i = 0; i < 30; i += 1) sent.push(await sendText(sqliteServer, alice, roomId, `message ${i}`));
    await api(sqliteServer.baseUrl, 'PUT', `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/account_data/m.ported`, { token: alice.token, body: { ok: true } });
    const reported = await api(sqliteServer.baseUrl, 'POST', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/report/${encodeURIComponent(sent[0]!)}`, { token: alice.token, body: { reason: 'before the move' } });
    assert.equal(reported.status, 200, JSON.stringify(reported.body));
    await sqliteServer.stop();
    target = await createTestDatabase();
  });

  after(async () => {
    await sqliteServer?.dispose();
    await target?.drop();
  });

  test('copies into an empty database', async () => {
    const result = await runCli(['port-db', '--sqlite', join(sqliteServer.dataDir, 'lattice.db'), '--postgres', target.url]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /copied \d+ rows of events/);
    assert.match(result.stdout, /verified row counts/);
    assert.ok(!result.stdout.includes('lattice:lattice@'), 'the password is not printed');
  });

  test('server on the copy serves old data', async () => {
    const server = await TestServer.start({
      database: 'sqlite',
      config: { database: { type: 'postgres', url: target.url, pool: { max: 3 } }, signing_key_path: join(sqliteServer.dataDir, 'signing.key') },
    });
    try {
      const user = await passwordLogin(server.baseUrl, 'alice', 'alice-password');
      const initial = await sync(server, user);
      const timeline = initial.rooms.join[roomId]?.timeline.events.map((event) => event.event_id) ?? [];
      assert.ok(timeline.includes(sent[sent.length - 1]!), 'the newest message is in the first sync');

      const data = await api(server.baseUrl, 'GET', `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/account_data/m.ported`, { token: user.token });
      assert.deepEqual(data.body, { ok: true });

      // The copied report has id 1, so this insert fails unless the id sequence moved past it.
      const reported = await api(server.baseUrl, 'POST', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/report/${encodeURIComponent(sent[1]!)}`, { token: user.token, body: { reason: 'after the move' } });
      assert.equal(reported.status, 200, JSON.stringify(reported.body));

      const after = await sendText(server, user, roomId, 'after the move');
      const next = await sync(server, user, `since=${initial.next_batch}`);
      assert.deepEqual(next.rooms.join[roomId]?.timeline.events.map((event) => event.event_id), [after]);
    } finally {
      await server.dispose();
    }
  });

  test('rejects a non-empty target', async () => {
    const result = await runCli(['port-db', '--sqlite', join(sqliteServer.dataDir, 'lattice.db'), '--postgres', target.url]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /not empty/);
  });

  test('rejects a missing SQLite file', async () => {
    const result = await runCli(['port-db', '--sqlite', '/nonexistent/lattice.db', '--postgres', target.url]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /does not exist/);
  });
});
