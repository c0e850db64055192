// The stores behind account self-service on the backend under test: OpenID tokens with their
// expiry.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { openTestDb, type TestDb } from './support.js';

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;

describe(`account stores on ${process.env.LATTICE_TEST_DATABASE ?? 'sqlite'}`, () => {
  let testDb: TestDb;
  let storage: Storage;

  before(async () => {
    testDb = await openTestDb();
    storage = openStorage(testDb.db);
  });
  after(() => testDb.dispose());

  test('OpenID token valid until expiry', async () => {
    await storage.openidTokens.create('hash-a', '@alice:test', NOW + HOUR, NOW);
    assert.equal(await storage.openidTokens.findUser('hash-a', NOW), '@alice:test');
    assert.equal(await storage.openidTokens.findUser('hash-a', NOW + HOUR - 1), '@alice:test');
    assert.equal(await storage.openidTokens.findUser('hash-a', NOW + HOUR), undefined);
    assert.equal(await storage.openidTokens.findUser('hash-unknown', NOW), undefined);
  });

  test('OpenID create purges expired tokens', async () => {
    await storage.openidTokens.create('hash-old', '@bob:test', NOW + HOUR, NOW);
    await storage.openidTokens.create('hash-new', '@bob:test', NOW + 3 * HOUR, NOW + 2 * HOUR);
    const rows = await testDb.db.selectFrom('openid_tokens').select('token_hash').where('user_id', '=', '@bob:test').execute();
    assert.deepEqual(rows.map((row) => row.token_hash), ['hash-new']);
  });
});
