import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { NextcloudEmulator, type NewUser } from '../support/nextcloud-emulator.js';
import { freePort, TestServer } from '../support/server.js';
import { SsoBrowser } from '../support/sso-browser.js';
import { CALLBACK_PATH, CLIENT_ORIGIN, loginTokenOf, signIn } from '../identity/sso-support.js';

const FIRST: NewUser = { id: 'first', password: 'first-password-1', displayName: 'First Person' };
const NAMED: NewUser = { id: 'named', password: 'named-password-1', displayName: 'Named Admin' };

describe('server admins signing in with SSO', () => {
  let emulator: NextcloudEmulator;
  let server: TestServer;

  before(async () => {
    emulator = await NextcloudEmulator.start();
    emulator.addUser(FIRST);
    emulator.addUser(NAMED);
    const port = await freePort();
    const client = emulator.addClient({ name: 'Lattice', redirectUri: `http://127.0.0.1:${port}${CALLBACK_PATH}` });
    server = await TestServer.start({
      port,
      config: {
        admins: ['@named:localhost'],
        sso: {
          providers: [{ id: 'nextcloud', type: 'nextcloud', url: emulator.baseUrl, client_id: client.clientId, client_secret: client.clientSecret }],
          client_allowlist: [`${CLIENT_ORIGIN}/`],
        },
      },
    });
  });

  after(async () => {
    await server.dispose();
    await emulator.stop();
  });

  async function signInAndGetToken(user: NewUser): Promise<string> {
    const result = await signIn(new SsoBrowser(), server, user);
    const login = await api<{ access_token: string }>(server.baseUrl, 'POST', '/_matrix/client/v3/login', {
      body: { type: 'm.login.token', token: loginTokenOf(result) },
    });
    assert.equal(login.status, 200);
    return login.body.access_token;
  }

  it('does not make the first user admin', async () => {
    const token = await signInAndGetToken(FIRST);
    const response = await api<{ errcode: string }>(server.baseUrl, 'GET', '/_synapse/admin/v2/users', { token });
    assert.equal(response.status, 403);
    assert.equal(response.body.errcode, 'M_FORBIDDEN');
  });

  it('makes a configured SSO user admin', async () => {
    const token = await signInAndGetToken(NAMED);
    const response = await api<{ users: Array<{ name: string; admin: boolean }> }>(server.baseUrl, 'GET', '/_synapse/admin/v2/users', { token });
    assert.equal(response.status, 200);
    const admins = response.body.users.filter((user) => user.admin).map((user) => user.name);
    assert.deepEqual(admins, ['@named:localhost']);
  });
});
