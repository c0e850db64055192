import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, passwordLogin } from '../support/client.js';
import { NextcloudEmulator, type NewUser } from '../support/nextcloud-emulator.js';
import { registerUser } from '../support/server.js';
import { SsoBrowser } from '../support/sso-browser.js';
import { signIn, userRows } from '../identity/sso-support.js';
import { DirectoryServer } from './support.js';

const ALICE: NewUser = { id: 'alice', password: 'alice-password-1', displayName: 'Alice Example', groups: ['staff'] };
const BOB: NewUser = { id: 'Bob Smith', password: 'bob-password-1', displayName: 'Bob Smith', groups: ['guests'] };
const CAROL: NewUser = { id: 'carol', password: 'carol-password-1', displayName: 'Carol', groups: ['staff', 'ops'] };
const DAVE: NewUser = { id: 'dave', password: 'dave-password-1', displayName: 'Dave', groups: ['staff'] };

const LOBBY = '#lobby:localhost';
const STAFF = '#staff:localhost';
const OPS = '#ops:localhost';

/** Creates a room as the local `roomadmin` account; a `private_chat` room is invite-only. */
async function createRoom(baseUrl: string, token: string, aliasName: string, preset: 'public_chat' | 'private_chat'): Promise<string> {
  const response = await api<{ room_id: string }>(baseUrl, 'POST', '/_matrix/client/v3/createRoom', { token, body: { preset, room_alias_name: aliasName } });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.room_id;
}

describe('Nextcloud groups at sign-in', () => {
  let emulator: NextcloudEmulator;
  let lattice: DirectoryServer;
  let adminToken: string;
  const rooms: Record<string, string> = {};

  before(async () => {
    emulator = await NextcloudEmulator.start();
    for (const user of [ALICE, BOB, CAROL, DAVE]) emulator.addUser(user);
    lattice = await DirectoryServer.start(emulator, {
      provider: {
        allowed_groups: ['staff', 'ops'],
        group_rooms: { staff: [LOBBY, STAFF], ops: [OPS] },
        admin_groups: ['ops'],
      },
    });
    await registerUser(lattice.server, 'roomadmin', 'roomadmin-password-1');
    adminToken = (await passwordLogin(lattice.baseUrl, 'roomadmin', 'roomadmin-password-1')).token;
    rooms[LOBBY] = await createRoom(lattice.baseUrl, adminToken, 'lobby', 'public_chat');
    rooms[STAFF] = await createRoom(lattice.baseUrl, adminToken, 'staff', 'private_chat');
    rooms[OPS] = await createRoom(lattice.baseUrl, adminToken, 'ops', 'private_chat');
  });

  after(async () => {
    await lattice.dispose();
    await emulator.stop();
  });

  it('rejects a member of no allowed group', async () => {
    const usersBefore = (await userRows(lattice.server)).length;
    const result = await signIn(new SsoBrowser(), lattice.server, BOB);
    assert.equal(result.status, 403);
    assert.match(result.body, /not allowed on this chat server/);
    assert.equal((await userRows(lattice.server)).length, usersBefore);
    assert.equal(await lattice.count('login_tokens'), 0);
  });

  it('joins public and invite-only group rooms', async () => {
    const alice = await lattice.signInAndLogin(ALICE);
    assert.equal(await lattice.membership(adminToken, rooms[LOBBY] ?? '', alice.userId), 'join');
    assert.equal(await lattice.membership(adminToken, rooms[STAFF] ?? '', alice.userId), 'join');
    assert.equal(await lattice.membership(adminToken, rooms[OPS] ?? '', alice.userId), undefined);
  });

  it('leaves rooms of a removed group', async () => {
    const carol = await lattice.signInAndLogin(CAROL);
    assert.equal(await lattice.membership(adminToken, rooms[OPS] ?? '', carol.userId), 'join');
    assert.equal(await lattice.membership(adminToken, rooms[STAFF] ?? '', carol.userId), 'join');

    emulator.removeUserFromGroup(CAROL.id, 'ops');
    await lattice.signInAndLogin(CAROL);
    assert.equal(await lattice.membership(adminToken, rooms[OPS] ?? '', carol.userId), 'leave');
    assert.equal(await lattice.membership(adminToken, rooms[STAFF] ?? '', carol.userId), 'join');
    emulator.addUserToGroup(CAROL.id, 'ops');
  });

  it('grants and revokes admin by group', async () => {
    const carol = await lattice.signInAndLogin(CAROL);
    const granted = await api(lattice.baseUrl, 'GET', '/_synapse/admin/v2/users', { token: carol.token });
    assert.equal(granted.status, 200);

    emulator.removeUserFromGroup(CAROL.id, 'ops');
    const again = await lattice.signInAndLogin(CAROL);
    const revoked = await api<{ errcode: string }>(lattice.baseUrl, 'GET', '/_synapse/admin/v2/users', { token: again.token });
    assert.equal(revoked.status, 403);
    assert.equal(revoked.body.errcode, 'M_FORBIDDEN');
    assert.equal((await lattice.userRow(carol.userId))?.group_admin, 0);
    emulator.addUserToGroup(CAROL.id, 'ops');
  });

  it('shows a group admin in the admin API', async () => {
    const carol = await lattice.signInAndLogin(CAROL);
    const dave = await lattice.signInAndLogin(DAVE);
    const users = await api<{ users: Array<{ name: string; admin: boolean }> }>(lattice.baseUrl, 'GET', '/_synapse/admin/v2/users', { token: carol.token });
    const admins = users.body.users.filter((user) => user.admin).map((user) => user.name);
    assert.ok(admins.includes(carol.userId), JSON.stringify(admins));
    assert.equal(admins.includes(dave.userId), false);
  });
});

describe('Nextcloud group rooms by invitation', () => {
  it('invites instead of joining', async () => {
    const emulator = await NextcloudEmulator.start();
    emulator.addUser(ALICE);
    const lattice = await DirectoryServer.start(emulator, { provider: { group_rooms: { staff: [STAFF] }, group_rooms_mode: 'invite' } });
    try {
      await registerUser(lattice.server, 'roomadmin', 'roomadmin-password-1');
      const adminToken = (await passwordLogin(lattice.baseUrl, 'roomadmin', 'roomadmin-password-1')).token;
      const roomId = await createRoom(lattice.baseUrl, adminToken, 'staff', 'private_chat');

      const alice = await lattice.signInAndLogin(ALICE);
      assert.equal(await lattice.membership(adminToken, roomId, alice.userId), 'invite');
      await lattice.signInAndLogin(ALICE);
      assert.equal(await lattice.membership(adminToken, roomId, alice.userId), 'invite');
    } finally {
      await lattice.dispose();
      await emulator.stop();
    }
  });
});
