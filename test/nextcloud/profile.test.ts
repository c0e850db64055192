import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { NextcloudEmulator, type NewUser } from '../support/nextcloud-emulator.js';
import { DirectoryServer, picture } from './support.js';

const ALICE: NewUser = { id: 'alice', password: 'alice-password-1', displayName: 'Alice Example', email: 'alice@example.test' };
const BOB: NewUser = { id: 'Bob Smith', password: 'bob-password-1', displayName: 'Bob Smith' };
const CAROL: NewUser = { id: 'carol', password: 'carol-password-1', displayName: 'Carol', email: 'Carol@Example.test' };

interface ThreepidList {
  threepids: Array<{ medium: string; address: string; validated_at: number; added_at: number }>;
}

async function downloadMedia(baseUrl: string, mxc: string, token: string): Promise<Buffer> {
  const [serverName, mediaId] = mxc.slice('mxc://'.length).split('/');
  const response = await fetch(`${baseUrl}/_matrix/client/v1/media/download/${serverName}/${mediaId}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200);
  return Buffer.from(await response.arrayBuffer());
}

describe('Nextcloud profile at sign-in', () => {
  let emulator: NextcloudEmulator;
  let lattice: DirectoryServer;

  before(async () => {
    emulator = await NextcloudEmulator.start();
    for (const user of [ALICE, BOB, CAROL]) emulator.addUser(user);
    emulator.setAvatar(ALICE.id, picture(1));
    lattice = await DirectoryServer.start(emulator);
  });

  after(async () => {
    await lattice.dispose();
    await emulator.stop();
  });

  it('imports an avatar once', async () => {
    const first = await lattice.signInAndLogin(ALICE);
    const avatarUrl = (await lattice.userRow(first.userId))?.avatar_url;
    assert.match(String(avatarUrl), /^mxc:\/\/localhost\/[A-Za-z0-9_-]+$/);
    assert.deepEqual(await downloadMedia(lattice.baseUrl, String(avatarUrl), first.token), picture(1));
    const mediaRows = await lattice.count('local_media');

    await lattice.signInAndLogin(ALICE);
    assert.equal((await lattice.userRow(first.userId))?.avatar_url, avatarUrl);
    assert.equal(await lattice.count('local_media'), mediaRows);
  });

  it('updates an avatar after a change', async () => {
    const before = await lattice.signInAndLogin(ALICE);
    const oldUrl = (await lattice.userRow(before.userId))?.avatar_url;
    const room = await api<{ room_id: string }>(lattice.baseUrl, 'POST', '/_matrix/client/v3/createRoom', { token: before.token, body: {} });
    assert.equal(room.status, 200);

    emulator.setAvatar(ALICE.id, picture(2));
    const after = await lattice.signInAndLogin(ALICE);
    const newUrl = (await lattice.userRow(after.userId))?.avatar_url;
    assert.notEqual(newUrl, oldUrl);
    assert.deepEqual(await downloadMedia(lattice.baseUrl, String(newUrl), after.token), picture(2));

    const profile = await api<{ avatar_url?: string }>(lattice.baseUrl, 'GET', `/_matrix/client/v3/profile/${encodeURIComponent(after.userId)}`);
    assert.equal(profile.body.avatar_url, newUrl);
    const member = await lattice.membershipContent(after.token, room.body.room_id, after.userId);
    assert.equal(member?.avatar_url, newUrl);
  });

  it('skips a generated letter avatar', async () => {
    const bob = await lattice.signInAndLogin(BOB);
    assert.equal((await lattice.userRow(bob.userId))?.avatar_url, null);
  });

  it('reads a private avatar with the user token', async () => {
    emulator.setAvatar(CAROL.id, picture(3));
    emulator.setAvatarPrivate(CAROL.id, true);
    const carol = await lattice.signInAndLogin(CAROL);
    const avatarUrl = (await lattice.userRow(carol.userId))?.avatar_url;
    assert.ok(avatarUrl, 'an imported avatar');
    assert.deepEqual(await downloadMedia(lattice.baseUrl, avatarUrl, carol.token), picture(3));
  });

  it('clears an avatar removed in Nextcloud', async () => {
    emulator.setAvatar(BOB.id, picture(4));
    const bob = await lattice.signInAndLogin(BOB);
    assert.ok((await lattice.userRow(bob.userId))?.avatar_url);
    emulator.removeAvatar(BOB.id);
    await lattice.signInAndLogin(BOB);
    assert.equal((await lattice.userRow(bob.userId))?.avatar_url, null);
  });

  it('lists the email in /account/3pid', async () => {
    const alice = await lattice.signInAndLogin(ALICE);
    const response = await api<ThreepidList>(lattice.baseUrl, 'GET', '/_matrix/client/v3/account/3pid', { token: alice.token });
    assert.equal(response.status, 200);
    assert.equal(response.body.threepids.length, 1);
    assert.equal(response.body.threepids[0]?.medium, 'email');
    assert.equal(response.body.threepids[0]?.address, 'alice@example.test');
    assert.equal(typeof response.body.threepids[0]?.validated_at, 'number');
    assert.equal(typeof response.body.threepids[0]?.added_at, 'number');
  });

  it('lists no email without one', async () => {
    const bob = await lattice.signInAndLogin(BOB);
    const response = await api<ThreepidList>(lattice.baseUrl, 'GET', '/_matrix/client/v3/account/3pid', { token: bob.token });
    assert.deepEqual(response.body.threepids, []);
  });

  it('stores the email lower-cased', async () => {
    const carol = await lattice.signInAndLogin(CAROL);
    const response = await api<ThreepidList>(lattice.baseUrl, 'GET', '/_matrix/client/v3/account/3pid', { token: carol.token });
    assert.deepEqual(response.body.threepids.map((threepid) => threepid.address), ['carol@example.test']);
  });
});

describe('Nextcloud profile with sync_profile off', () => {
  it('imports neither avatar, email nor name', async () => {
    const emulator = await NextcloudEmulator.start();
    emulator.addUser(ALICE);
    emulator.setAvatar(ALICE.id, picture(5));
    const lattice = await DirectoryServer.start(emulator, { provider: { sync_profile: { displayname: false, avatar: false, email: false } } });
    try {
      const alice = await lattice.signInAndLogin(ALICE);
      const row = await lattice.userRow(alice.userId);
      assert.equal(row?.avatar_url, null);
      assert.equal(row?.displayname, null);
      const response = await api<ThreepidList>(lattice.baseUrl, 'GET', '/_matrix/client/v3/account/3pid', { token: alice.token });
      assert.deepEqual(response.body.threepids, []);
      assert.equal(emulator.requests.some((request) => request.path.startsWith('/index.php/avatar/')), false);
    } finally {
      await lattice.dispose();
      await emulator.stop();
    }
  });
});
