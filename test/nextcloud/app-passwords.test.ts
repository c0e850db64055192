import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NextcloudEmulator, type NewUser } from '../support/nextcloud-emulator.js';
import { RewritingProxy, waitForLogEvent } from '../identity/sso-support.js';
import { DirectoryServer } from './support.js';

const ALICE: NewUser = { id: 'alice', password: 'alice-password-1', displayName: 'Alice Example', email: 'alice@example.test' };

describe('Nextcloud app passwords after sign-in', () => {
  let emulator: NextcloudEmulator;
  let lattice: DirectoryServer;

  before(async () => {
    emulator = await NextcloudEmulator.start();
    emulator.addUser(ALICE);
    lattice = await DirectoryServer.start(emulator);
  });

  after(async () => {
    await lattice.dispose();
    await emulator.stop();
  });

  it('keeps the count flat across sign-ins', async () => {
    const before = emulator.appPasswordCount(ALICE.id);
    for (let signIns = 1; signIns <= 3; signIns += 1) {
      await lattice.signInAndLogin(ALICE);
      assert.equal(emulator.appPasswordCount(ALICE.id), before, `after sign-in ${signIns}`);
    }
  });

  it('revokes with Bearer, OCS-APIRequest and no cookies', async () => {
    const first = emulator.requests.length;
    await lattice.signInAndLogin(ALICE);
    const requests = emulator.requests.slice(first);
    const revoke = requests.find((request) => request.method === 'DELETE');
    assert.ok(revoke, 'a DELETE request');
    assert.equal(revoke.path, '/ocs/v2.php/core/apppassword?format=json');
    assert.match(String(revoke.headers.authorization), /^Bearer [A-Za-z0-9]{72}$/);
    assert.equal(revoke.headers['ocs-apirequest'], 'true');
    assert.equal(revoke.headers.cookie, undefined);

    const ocs = requests.findIndex((request) => request.path.startsWith('/ocs/v2.php/cloud/user'));
    const avatar = requests.findIndex((request) => request.path.startsWith('/index.php/avatar/'));
    const deleted = requests.indexOf(revoke);
    assert.ok(ocs >= 0 && ocs < deleted, 'profile read before the revocation');
    assert.ok(avatar >= 0 && avatar < deleted, 'avatar read before the revocation');
  });
});

describe('Nextcloud app password revocation failing', () => {
  it('logs it and signs in anyway', async () => {
    const emulator = await NextcloudEmulator.start();
    emulator.addUser(ALICE);
    // A reply without an OCS envelope stands for any revocation reply other than success.
    const proxy = await RewritingProxy.start(
      emulator.baseUrl,
      (path) => (path.startsWith('/ocs/v2.php/core/apppassword') ? 'not an OCS reply' : undefined),
    );
    const lattice = await DirectoryServer.start(emulator, { url: proxy.baseUrl });
    try {
      const first = emulator.requests.length;
      const session = await lattice.signInAndLogin(ALICE);
      assert.equal(session.userId, '@alice:localhost');

      const line = await waitForLogEvent(lattice.server, 'revoking the Nextcloud app password failed', 0);
      assert.equal(line.provider, 'nextcloud');
      assert.equal(line.subject, 'alice');
      assert.equal(line.status, 200);
      const revoke = emulator.requests.slice(first).find((request) => request.method === 'DELETE');
      const token = String(revoke?.headers.authorization).slice('Bearer '.length);
      assert.equal(token.length, 72);
      assert.deepEqual(lattice.server.logsContaining(token), []);
    } finally {
      await lattice.dispose();
      await proxy.stop();
      await emulator.stop();
    }
  });
});
