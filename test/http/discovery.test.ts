// /versions and the /.well-known/matrix/* documents, over HTTP and checked against the spec.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, type TestUser } from '../support/matrix.js';
import { assertNoViolations, loadSpecValidator, validatingFetch, type Violation } from '../support/openapi.js';
import { TestServer } from '../support/server.js';

type Json = Record<string, any>;

const SUPPORT = {
  contacts: [
    { matrix_id: '@admin:localhost', email_address: 'admin@example.org', role: 'm.role.admin' },
    { email_address: 'security@example.org', role: 'm.role.security' },
  ],
  support_page: 'https://example.org/help',
};

describe('discovery endpoints', () => {
  const violations: Violation[] = [];
  let specFetch: typeof fetch = fetch;
  let configured: TestServer;
  let bare: TestServer;
  let alice: TestUser;

  const get = async (server: TestServer, path: string, token?: string): Promise<{ status: number; body: Json }> => {
    const response = await specFetch(`${server.baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: response.status, body: (await response.json()) as Json };
  };

  before(async () => {
    specFetch = validatingFetch(await loadSpecValidator(), violations);
    [configured, bare] = await Promise.all([TestServer.start({ config: { support: SUPPORT } }), TestServer.start()]);
    alice = await createUser(configured, 'alice');
  });
  after(async () => Promise.all([configured?.dispose(), bare?.dispose()]));

  it('versions lists v1.1 to v1.11', async () => {
    const { status, body } = await get(configured, '/_matrix/client/versions');
    assert.equal(status, 200);
    for (const version of ['v1.1', 'v1.2', 'v1.3', 'v1.4', 'v1.5', 'v1.6', 'v1.7', 'v1.8', 'v1.9', 'v1.10', 'v1.11']) {
      assert.ok(body.versions.includes(version), `${version} is missing from ${JSON.stringify(body.versions)}`);
    }
  });

  it('versions accepts an access token', async () => {
    const anonymous = await get(configured, '/_matrix/client/versions');
    const signedIn = await get(configured, '/_matrix/client/versions', alice.token);
    assert.equal(signedIn.status, 200);
    assert.deepEqual(signedIn.body, anonymous.body);
  });

  it('unstable features are only booleans', async () => {
    const { body } = await get(configured, '/_matrix/client/versions');
    for (const [feature, enabled] of Object.entries(body.unstable_features as Json)) {
      assert.equal(typeof enabled, 'boolean', feature);
    }
  });

  it('support lists configured contacts', async () => {
    const { status, body } = await get(configured, '/.well-known/matrix/support');
    assert.equal(status, 200);
    assert.deepEqual(body.contacts, SUPPORT.contacts);
    assert.equal(body.support_page, SUPPORT.support_page);
  });

  it('support without config is 404', async () => {
    const { status, body } = await get(bare, '/.well-known/matrix/support');
    assert.equal(status, 404);
    assert.equal(body.errcode, 'M_NOT_FOUND');
  });

  it('responses follow the spec', async (t) => {
    await assertNoViolations(t, violations);
  });
});
