import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, passwordLogin } from '../support/client.js';
import { NextcloudEmulator, type NewUser } from '../support/nextcloud-emulator.js';
import { freePort, registerUser } from '../support/server.js';
import { SsoBrowser } from '../support/sso-browser.js';
import { signIn } from '../identity/sso-support.js';
import { DirectoryServer, picture, waitFor } from './support.js';

const ADMIN: NewUser = { id: 'admin', password: 'admin-password-1', displayName: 'Admin', groups: ['admin'] };
const ALICE: NewUser = { id: 'alice', password: 'alice-password-1', displayName: 'Alice Example', email: 'alice@example.test', groups: ['staff'] };
const BOB: NewUser = { id: 'Bob Smith', password: 'bob-password-1', displayName: 'Bob Smith', groups: ['staff'] };
const CAROL: NewUser = { id: 'carol', password: 'carol-password-1', displayName: 'Carol Throwaway' };
const DAVE: NewUser = { id: 'dave', password: 'dave-password-1', displayName: 'Dave', enabled: false };

const STAFF = '#staff:localhost';

async function whoami(baseUrl: string, token: string): Promise<number> {
  return (await api(baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { token })).status;
}

describe('directory sync with lattice sync-directory', () => {
  let emulator: NextcloudEmulator;
  let lattice: DirectoryServer;

  before(async () => {
    emulator = await NextcloudEmulator.start();
    for (const user of [ADMIN, ALICE, BOB, CAROL, DAVE]) emulator.addUser(user);
    lattice = await DirectoryServer.start(emulator, {
      provisioningAdmin: ADMIN.id,
      provider: { group_rooms: { staff: [STAFF] } },
      sso: { update_profile_on_login: true },
    });
  });

  after(async () => {
    await lattice.dispose();
    await emulator.stop();
  });

  it('creates nothing for a disabled user', async () => {
    const result = await signIn(new SsoBrowser(), lattice.server, DAVE);
    assert.equal(new URL(result.finalUrl).origin, emulator.baseUrl, 'the sign-in stops at Nextcloud');
    assert.equal(await lattice.userRow('@dave:localhost'), undefined);
    assert.equal(await lattice.count('login_tokens'), 0);
  });

  it('locks a disabled user and unlocks again', async () => {
    const alice = await lattice.signInAndLogin(ALICE);
    emulator.disableUser(ALICE.id);

    const locked = await lattice.syncDirectory();
    assert.equal(locked.code, 0, locked.stderr);
    assert.match(locked.stdout, /@alice:localhost \(nextcloud\): locked/);
    assert.equal((await lattice.userRow(alice.userId))?.locked, 1);
    await waitFor(() => whoami(lattice.baseUrl, alice.token), 401, 'whoami with the old token');
    assert.equal(await lattice.count('access_tokens WHERE user_id = ?', [alice.userId]), 0);

    const refused = await signIn(new SsoBrowser(), lattice.server, ALICE);
    assert.notEqual(refused.status, 302, 'a disabled account gets no login token');
    assert.equal(new URL(refused.finalUrl).searchParams.get('loginToken'), null);

    emulator.enableUser(ALICE.id);
    const unlocked = await lattice.syncDirectory();
    assert.equal(unlocked.code, 0, unlocked.stderr);
    assert.match(unlocked.stdout, /@alice:localhost \(nextcloud\): unlocked/);
    assert.equal((await lattice.userRow(alice.userId))?.locked, 0);
    const again = await lattice.signInAndLogin(ALICE);
    assert.equal(await whoami(lattice.baseUrl, again.token), 200);
  });

  it('rejects a locked user at sign-in', async () => {
    const alice = await lattice.signInAndLogin(ALICE);
    emulator.disableUser(ALICE.id);
    assert.equal((await lattice.syncDirectory()).code, 0);
    // Re-enabled in Nextcloud, but the sync has not run since: Lattice still holds the lock.
    emulator.enableUser(ALICE.id);

    const refused = await signIn(new SsoBrowser(), lattice.server, ALICE);
    assert.equal(refused.status, 403);
    assert.match(refused.body, /locked/);

    assert.equal((await lattice.syncDirectory()).code, 0);
    assert.equal((await lattice.userRow(alice.userId))?.locked, 0);
  });

  it('returns M_USER_LOCKED at login', async () => {
    const result = await signIn(new SsoBrowser(), lattice.server, ALICE);
    const loginToken = new URL(result.finalUrl).searchParams.get('loginToken');
    assert.ok(loginToken);
    emulator.disableUser(ALICE.id);
    assert.equal((await lattice.syncDirectory()).code, 0);

    const login = await api<{ errcode: string; soft_logout: boolean }>(lattice.baseUrl, 'POST', '/_matrix/client/v3/login', { body: { type: 'm.login.token', token: loginToken } });
    assert.equal(login.status, 401);
    assert.equal(login.body.errcode, 'M_USER_LOCKED');
    assert.equal(login.body.soft_logout, true);
    emulator.enableUser(ALICE.id);
    assert.equal((await lattice.syncDirectory()).code, 0);
  });

  it('deactivates a deleted user', async () => {
    const carol = await lattice.signInAndLogin(CAROL);
    emulator.deleteUser(CAROL.id);
    const result = await lattice.syncDirectory();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /@carol:localhost \(nextcloud\): deactivated/);
    assert.equal((await lattice.userRow(carol.userId))?.deactivated, 1);
    assert.equal(await whoami(lattice.baseUrl, carol.token), 401);
  });

  it('applies group and profile changes', async () => {
    await registerUser(lattice.server, 'roomadmin', 'roomadmin-password-1');
    const adminToken = (await passwordLogin(lattice.baseUrl, 'roomadmin', 'roomadmin-password-1')).token;
    const created = await api<{ room_id: string }>(lattice.baseUrl, 'POST', '/_matrix/client/v3/createRoom', {
      token: adminToken, body: { preset: 'private_chat', room_alias_name: 'staff' },
    });
    const bob = await lattice.signInAndLogin(BOB);
    assert.equal(await lattice.membership(adminToken, created.body.room_id, bob.userId), 'join');

    emulator.removeUserFromGroup(BOB.id, 'staff');
    emulator.setDisplayName(BOB.id, 'Robert Smith');
    emulator.setAvatar(BOB.id, picture(7));
    const result = await lattice.syncDirectory();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /@bob=20smith:localhost \(nextcloud\): left #staff:localhost/);
    assert.match(result.stdout, /@bob=20smith:localhost \(nextcloud\): display name updated/);
    assert.match(result.stdout, /@bob=20smith:localhost \(nextcloud\): avatar updated/);
    assert.equal(await lattice.membership(adminToken, created.body.room_id, bob.userId), 'leave');
    assert.equal((await lattice.userRow(bob.userId))?.displayname, 'Robert Smith');
    assert.match(String((await lattice.userRow(bob.userId))?.avatar_url), /^mxc:\/\//);

    const quiet = await lattice.syncDirectory();
    assert.doesNotMatch(quiet.stdout, /bob/);
  });
});

describe('directory sync while Nextcloud is down', () => {
  it('locks nobody', async () => {
    const emulator = await NextcloudEmulator.start();
    for (const user of [ADMIN, ALICE]) emulator.addUser(user);
    const lattice = await DirectoryServer.start(emulator, { provisioningAdmin: ADMIN.id });
    try {
      const alice = await lattice.signInAndLogin(ALICE);
      await emulator.stop();

      const result = await lattice.syncDirectory();
      assert.equal(result.code, 2, result.stdout + result.stderr);
      assert.match(result.stdout, /0 changes, 1 not readable/);
      assert.equal((await lattice.userRow(alice.userId))?.locked, 0);
      assert.equal((await lattice.userRow(alice.userId))?.deactivated, 0);
      assert.equal(await whoami(lattice.baseUrl, alice.token), 200);
    } finally {
      await lattice.dispose();
    }
  });

  it('locks nobody on a closed port', async () => {
    const emulator = await NextcloudEmulator.start();
    for (const user of [ADMIN, ALICE]) emulator.addUser(user);
    const lattice = await DirectoryServer.start(emulator, { provisioningAdmin: ADMIN.id });
    try {
      const alice = await lattice.signInAndLogin(ALICE);
      emulator.disableUser(ALICE.id);
      const result = await lattice.syncDirectory({ url: `http://127.0.0.1:${await freePort()}` });
      assert.equal(result.code, 2, result.stdout + result.stderr);
      assert.equal((await lattice.userRow(alice.userId))?.locked, 0);
      assert.equal(await whoami(lattice.baseUrl, alice.token), 200);
    } finally {
      await lattice.dispose();
      await emulator.stop();
    }
  });
});

describe('directory sync with a rejected admin credential', () => {
  it('locks nobody', async () => {
    const emulator = await NextcloudEmulator.start();
    for (const user of [ADMIN, ALICE]) emulator.addUser(user);
    const lattice = await DirectoryServer.start(emulator, { provisioningAdmin: ADMIN.id });
    const dir = mkdtempSync(join(tmpdir(), 'lattice-wrong-password-'));
    try {
      const alice = await lattice.signInAndLogin(ALICE);
      emulator.disableUser(ALICE.id);
      const wrongPassword = join(dir, 'app-password');
      writeFileSync(wrongPassword, 'NotTheAdminAppPassword\n');

      // Nextcloud answers a wrong app password with HTTP 401 and statuscode 997.
      const result = await lattice.syncDirectory({ provisioning: { admin_user: ADMIN.id, app_password_path: wrongPassword } });
      assert.equal(result.code, 2, result.stdout + result.stderr);
      assert.match(result.stdout, /0 changes, 1 not readable/);
      assert.equal((await lattice.userRow(alice.userId))?.locked, 0);
      assert.equal((await lattice.userRow(alice.userId))?.deactivated, 0);
      assert.equal(await whoami(lattice.baseUrl, alice.token), 200);
      assert.equal(result.stdout.includes('NotTheAdminAppPassword') || result.stderr.includes('NotTheAdminAppPassword'), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await lattice.dispose();
      await emulator.stop();
    }
  });
});

describe('directory sync on an interval', () => {
  it('locks and unlocks in the background', async () => {
    const emulator = await NextcloudEmulator.start();
    for (const user of [ADMIN, ALICE]) emulator.addUser(user);
    const lattice = await DirectoryServer.start(emulator, { provisioningAdmin: ADMIN.id, intervalSeconds: 1 });
    try {
      const alice = await lattice.signInAndLogin(ALICE);
      emulator.disableUser(ALICE.id);
      await waitFor(async () => (await lattice.userRow(alice.userId))?.locked, 1, 'locked flag');
      await waitFor(() => whoami(lattice.baseUrl, alice.token), 401, 'whoami with the old token');
      emulator.enableUser(ALICE.id);
      await waitFor(async () => (await lattice.userRow(alice.userId))?.locked, 0, 'locked flag');
    } finally {
      await lattice.dispose();
      await emulator.stop();
    }
  });

  it('keeps users while Nextcloud fails', async () => {
    const emulator = await NextcloudEmulator.start();
    for (const user of [ADMIN, ALICE]) emulator.addUser(user);
    const lattice = await DirectoryServer.start(emulator, { provisioningAdmin: ADMIN.id, intervalSeconds: 1 });
    try {
      const alice = await lattice.signInAndLogin(ALICE);
      await emulator.stop();
      await waitFor(() => lattice.server.logsContaining('reading a Nextcloud account failed').length >= 2, true, 'two failed passes');
      assert.equal((await lattice.userRow(alice.userId))?.locked, 0);
      assert.equal(await whoami(lattice.baseUrl, alice.token), 200);
    } finally {
      await lattice.dispose();
    }
  });
});
