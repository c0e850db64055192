import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, passwordLogin } from '../support/client.js';
import { createRoom, createUser, room, type TestUser } from '../support/matrix.js';
import { registerUser, TestServer } from '../support/server.js';
import { enc, waitForLogLine } from './admin-support.js';

interface UserList {
  users: Array<{ name: string; admin: boolean; deactivated: boolean; displayname: string | null }>;
  total: number;
  next_token?: string;
}

describe('admin API: users', () => {
  let server: TestServer;
  let admin: TestUser;
  let member: TestUser;

  before(async () => {
    server = await TestServer.start({ config: { admins: ['@configured:localhost'] } });
    // The first user is an ordinary user: being first grants nothing.
    member = await createUser(server, 'member');
    await registerUser(server, 'boss', 'boss-password', true);
    admin = await passwordLogin(server.baseUrl, 'boss', 'boss-password');
  });
  after(() => server.dispose());

  const asAdmin = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    api<T>(server.baseUrl, method, path, { token: admin.token, body });

  it('rejects a non-admin with M_FORBIDDEN', async () => {
    const paths = ['/_synapse/admin/v2/users', `/_synapse/admin/v2/users/${enc(admin.userId)}`, '/_synapse/admin/v1/rooms'];
    for (const path of paths) {
      const response = await api<{ errcode: string }>(server.baseUrl, 'GET', path, { token: member.token });
      assert.equal(response.status, 403, path);
      assert.equal(response.body.errcode, 'M_FORBIDDEN', path);
    }
    await waitForLogLine(server, 'admin API request by a non-admin rejected', member.userId);
  });

  it('rejects a request without a token', async () => {
    const response = await api<{ errcode: string }>(server.baseUrl, 'GET', '/_synapse/admin/v2/users');
    assert.equal(response.status, 401);
    assert.equal(response.body.errcode, 'M_MISSING_TOKEN');
  });

  it('makes config admins admin', async () => {
    const configured = await createUser(server, 'configured');
    const response = await api<UserList>(server.baseUrl, 'GET', '/_synapse/admin/v2/users', { token: configured.token });
    assert.equal(response.status, 200);

    const details = await asAdmin<{ admin: boolean }>('GET', `/_synapse/admin/v2/users/${enc(configured.userId)}`);
    assert.equal(details.body.admin, true);
  });

  it('lists users in pages', async () => {
    const first = await asAdmin<UserList>('GET', '/_synapse/admin/v2/users?limit=2');
    assert.equal(first.status, 200);
    assert.equal(first.body.users.length, 2);
    assert.ok(first.body.total >= 3);
    assert.equal(first.body.next_token, '2');

    const second = await asAdmin<UserList>('GET', `/_synapse/admin/v2/users?limit=2&from=${first.body.next_token}`);
    const names = [...first.body.users, ...second.body.users].map((user) => user.name);
    assert.equal(new Set(names).size, names.length);
    assert.ok(names.includes('@boss:localhost'));
    const boss = first.body.users.concat(second.body.users).find((user) => user.name === '@boss:localhost');
    assert.equal(boss?.admin, true);
  });

  it('filters the list by name', async () => {
    const response = await asAdmin<UserList>('GET', '/_synapse/admin/v2/users?name=memb&guests=false');
    assert.deepEqual(response.body.users.map((user) => user.name), ['@member:localhost']);
    assert.equal(response.body.total, 1);
  });

  it('rejects a bad limit', async () => {
    const response = await asAdmin<{ errcode: string }>('GET', '/_synapse/admin/v2/users?limit=abc');
    assert.equal(response.status, 400);
    assert.equal(response.body.errcode, 'M_INVALID_PARAM');
  });

  it('returns 404 for an unknown user', async () => {
    const response = await asAdmin<{ errcode: string }>('GET', `/_synapse/admin/v2/users/${enc('@nobody:localhost')}`);
    assert.equal(response.status, 404);
    assert.equal(response.body.errcode, 'M_NOT_FOUND');
  });

  it('creates then modifies a user', async () => {
    const path = `/_synapse/admin/v2/users/${enc('@carol:localhost')}`;
    const created = await asAdmin<{ name: string; displayname: string; admin: boolean }>('PUT', path, { password: 'carol-password-1', displayname: 'Carol C' });
    assert.equal(created.status, 201);
    assert.equal(created.body.name, '@carol:localhost');
    assert.equal(created.body.displayname, 'Carol C');
    assert.equal(created.body.admin, false);
    const carol = await passwordLogin(server.baseUrl, 'carol', 'carol-password-1');

    const modified = await asAdmin<{ admin: boolean; displayname: string }>('PUT', path, { admin: true, displayname: 'Carol' });
    assert.equal(modified.status, 200);
    assert.equal(modified.body.admin, true);
    assert.equal(modified.body.displayname, 'Carol');
    const listed = await api(server.baseUrl, 'GET', '/_synapse/admin/v2/users', { token: carol.token });
    assert.equal(listed.status, 200);

    await waitForLogLine(server, '"action":"modify_user"', '"adminUserId":"@boss:localhost"', '"target":"@carol:localhost"');
  });

  it('changes a password and signs out devices', async () => {
    const path = `/_synapse/admin/v2/users/${enc('@dave:localhost')}`;
    await asAdmin('PUT', path, { password: 'dave-password-1' });
    const dave = await passwordLogin(server.baseUrl, 'dave', 'dave-password-1');

    const changed = await asAdmin('PUT', path, { password: 'dave-password-2' });
    assert.equal(changed.status, 200);
    const whoami = await api<{ errcode: string }>(server.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { token: dave.token });
    assert.equal(whoami.body.errcode, 'M_UNKNOWN_TOKEN');
    await passwordLogin(server.baseUrl, 'dave', 'dave-password-2');
    assert.ok(!server.logs.some((line) => line.includes('dave-password-2')));
  });

  it('rejects a user of another server', async () => {
    const response = await asAdmin<{ errcode: string }>('PUT', `/_synapse/admin/v2/users/${enc('@eve:elsewhere.test')}`, { password: 'eve-password-1' });
    assert.equal(response.status, 400);
    assert.equal(response.body.errcode, 'M_INVALID_PARAM');
  });

  it('keeps config admins admin', async () => {
    const response = await asAdmin<{ errcode: string; error: string }>('PUT', `/_synapse/admin/v2/users/${enc('@configured:localhost')}`, { admin: false });
    assert.equal(response.status, 400);
    assert.match(response.body.error, /admins/);
  });

  it('shows devices through whois', async () => {
    const response = await asAdmin<{ user_id: string; devices: Record<string, { sessions: unknown[] }> }>('GET', `/_synapse/admin/v1/whois/${enc(member.userId)}`);
    assert.equal(response.status, 200);
    assert.equal(response.body.user_id, member.userId);
    assert.ok(response.body.devices[member.deviceId]);

    const self = await api(server.baseUrl, 'GET', `/_matrix/client/v3/admin/whois/${enc(member.userId)}`, { token: member.token });
    assert.equal(self.status, 200);
  });

  it('lists devices and joined rooms', async () => {
    const roomId = await createRoom(server, member);

    const devices = await asAdmin<{ devices: Array<{ device_id: string; user_id: string }>; total: number }>('GET', `/_synapse/admin/v2/users/${enc(member.userId)}/devices`);
    assert.equal(devices.status, 200);
    assert.deepEqual(devices.body.devices.map((device) => device.device_id), [member.deviceId]);
    assert.equal(devices.body.devices[0]?.user_id, member.userId);
    assert.equal(devices.body.total, 1);

    const rooms = await asAdmin<{ joined_rooms: string[]; total: number }>('GET', `/_synapse/admin/v1/users/${enc(member.userId)}/joined_rooms`);
    assert.equal(rooms.status, 200);
    assert.ok(rooms.body.joined_rooms.includes(roomId));
    assert.equal(rooms.body.total, rooms.body.joined_rooms.length);
  });

  it('deactivates a user completely', async () => {
    const frank = await createUser(server, 'frank');
    const roomId = await createRoom(server, admin);
    await api(server.baseUrl, 'POST', `${room(roomId)}/invite`, { token: admin.token, body: { user_id: frank.userId } });
    await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: frank.token, body: {} });

    const response = await asAdmin('POST', `/_synapse/admin/v1/deactivate/${enc(frank.userId)}`, { erase: false });
    assert.equal(response.status, 200);

    const whoami = await api<{ errcode: string }>(server.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { token: frank.token });
    assert.equal(whoami.status, 401);
    assert.equal(whoami.body.errcode, 'M_UNKNOWN_TOKEN');
    const login = await api<{ errcode: string }>(server.baseUrl, 'POST', '/_matrix/client/v3/login', {
      body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'frank' }, password: 'frank-password' },
    });
    assert.equal(login.status, 403);
    assert.equal(login.body.errcode, 'M_USER_DEACTIVATED');
    const profile = await api(server.baseUrl, 'GET', `/_matrix/client/v3/profile/${enc(frank.userId)}`);
    assert.equal(profile.status, 404);
    const member = await api<{ membership: string }>(server.baseUrl, 'GET', `${room(roomId)}/state/m.room.member/${enc(frank.userId)}`, { token: admin.token });
    assert.equal(member.body.membership, 'leave');

    const hidden = await asAdmin<UserList>('GET', '/_synapse/admin/v2/users?name=frank');
    assert.equal(hidden.body.total, 0);
    const shown = await asAdmin<UserList>('GET', '/_synapse/admin/v2/users?name=frank&deactivated=true');
    assert.equal(shown.body.users[0]?.deactivated, true);
    await waitForLogLine(server, '"action":"deactivate_user"', `"target":"${frank.userId}"`);
  });

  it('deactivates through PUT deactivated', async () => {
    const grace = await createUser(server, 'grace');
    const response = await asAdmin<{ deactivated: boolean }>('PUT', `/_synapse/admin/v2/users/${enc(grace.userId)}`, { deactivated: true });
    assert.equal(response.status, 200);
    assert.equal(response.body.deactivated, true);
    const whoami = await api(server.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { token: grace.token });
    assert.equal(whoami.status, 401);
  });
});
