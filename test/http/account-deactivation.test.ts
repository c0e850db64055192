// POST /account/deactivate with user-interactive auth, and the `erase` flag of spec v1.10.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { createRoom, createUser, room, type TestUser } from '../support/matrix.js';
import { assertNoViolations, loadSpecValidator, validatingFetch, type Violation } from '../support/openapi.js';
import { TestServer } from '../support/server.js';

type Json = Record<string, any>;

describe('account deactivation', () => {
  const violations: Violation[] = [];
  let specFetch: typeof fetch = fetch;
  let server: TestServer;
  let owner: TestUser;

  const deactivate = async (user: TestUser, body: unknown = {}): Promise<{ status: number; body: Json }> => {
    const response = await specFetch(`${server.baseUrl}/_matrix/client/v3/account/deactivate`, {
      method: 'POST', headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const passwordAuth = (localpart: string, session: string, password = `${localpart}-password`) => ({
    type: 'm.login.password', session, identifier: { type: 'm.id.user', user: localpart }, password,
  });
  const deactivateWithPassword = async (user: TestUser, localpart: string, extra: Json = {}) => {
    const challenge = await deactivate(user, extra);
    assert.equal(challenge.status, 401);
    return deactivate(user, { ...extra, auth: passwordAuth(localpart, challenge.body.session) });
  };
  const erasureLogs = (userId: string) => server.logs.filter((line) => line.includes('erased at deactivation') && line.includes(userId));
  // The server's standard output reaches the test through a pipe, so a line can arrive after the response.
  const waitForErasureLog = async (userId: string): Promise<string | undefined> => {
    for (let attempt = 0; attempt < 50 && erasureLogs(userId).length === 0; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    return erasureLogs(userId)[0];
  };

  before(async () => {
    specFetch = validatingFetch(await loadSpecValidator(), violations);
    server = await TestServer.start();
    owner = await createUser(server, 'owner');
  });
  after(async () => server.dispose());

  it('first attempt gets a UIA challenge', async () => {
    const user = await createUser(server, 'challenged');
    const { status, body } = await deactivate(user);
    assert.equal(status, 401);
    assert.deepEqual(body.flows, [{ stages: ['m.login.password'] }]);
    assert.equal(typeof body.session, 'string');
  });

  it('wrong password keeps the account', async () => {
    const user = await createUser(server, 'careful');
    const challenge = await deactivate(user);
    const { status, body } = await deactivate(user, { auth: passwordAuth('careful', challenge.body.session, 'wrong') });
    assert.equal(status, 401);
    assert.equal(body.errcode, 'M_FORBIDDEN');
    const whoami = await api(server.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { token: user.token });
    assert.equal(whoami.status, 200);
  });

  it('deactivation ends sessions and rooms', async () => {
    const user = await createUser(server, 'leaving');
    const roomId = await createRoom(server, owner, { preset: 'public_chat' });
    assert.equal((await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: user.token, body: {} })).status, 200);

    const { status, body } = await deactivateWithPassword(user, 'leaving');
    assert.equal(status, 200);
    assert.deepEqual(body, { id_server_unbind_result: 'success' });

    const whoami = await api<Json>(server.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { token: user.token });
    assert.equal(whoami.status, 401);
    assert.equal(whoami.body.errcode, 'M_UNKNOWN_TOKEN');

    const login = await api<Json>(server.baseUrl, 'POST', '/_matrix/client/v3/login', {
      body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'leaving' }, password: 'leaving-password' },
    });
    assert.equal(login.status, 403);
    assert.equal(login.body.errcode, 'M_USER_DEACTIVATED');

    const member = await api<Json>(server.baseUrl, 'GET', `${room(roomId)}/state/m.room.member/${encodeURIComponent(user.userId)}`, { token: owner.token });
    assert.equal(member.body.membership, 'leave');
    assert.deepEqual(erasureLogs(user.userId), [], 'nothing is erased without erase');
  });

  it('erase deletes account data', async () => {
    const user = await createUser(server, 'erased');
    const roomId = await createRoom(server, user);
    const path = `/_matrix/client/v3/user/${encodeURIComponent(user.userId)}`;
    assert.equal((await api(server.baseUrl, 'PUT', `${path}/account_data/org.example.setting`, { token: user.token, body: { on: true } })).status, 200);
    assert.equal((await api(server.baseUrl, 'PUT', `${path}/rooms/${encodeURIComponent(roomId)}/account_data/org.example.note`, { token: user.token, body: { text: 'x' } })).status, 200);

    const { status } = await deactivateWithPassword(user, 'erased', { erase: true });
    assert.equal(status, 200);
    const logged = await waitForErasureLog(user.userId);
    assert.ok(logged, 'the erasure is logged');
    assert.equal(JSON.parse(logged).accountData, 2);
  });

  it('non-boolean erase is M_INVALID_PARAM', async () => {
    const user = await createUser(server, 'typo');
    const response = await api<Json>(server.baseUrl, 'POST', '/_matrix/client/v3/account/deactivate', { token: user.token, body: { erase: 'yes' } });
    assert.equal(response.status, 400);
    assert.equal(response.body.errcode, 'M_INVALID_PARAM');
  });

  it('responses follow the spec', async (t) => {
    await assertNoViolations(t, violations);
  });
});
