import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { NextcloudEmulator, type NewUser } from '../support/nextcloud-emulator.js';
import { TestServer } from '../support/server.js';
import { signInThroughNextcloud, SsoBrowser } from '../support/sso-browser.js';
import { CALLBACK_PATH, CLIENT_ORIGIN, CLIENT_URL, signIn, startSsoServer, startUrl } from '../identity/sso-support.js';

const DORA: NewUser = { id: 'dora', password: 'dora-password-1', displayName: 'Dora' };

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Header names as sent, once per header line, lower-cased. */
  headerNames: string[];
  body: string;
}

/** Sends a GET with exactly the given headers, Host included, as a reverse proxy would forward it. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'GET', headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        headerNames: response.rawHeaders.filter((_value, index) => index % 2 === 0).map((name) => name.toLowerCase()),
        body,
      }));
    });
    request.on('error', reject);
    request.end();
  });
}

function countHeader(response: RawResponse, name: string): number {
  return response.headerNames.filter((header) => header === name).length;
}

describe('SSO page headers', () => {
  let emulator: NextcloudEmulator;
  let framed: TestServer;
  let unframed: TestServer;

  before(async () => {
    emulator = await NextcloudEmulator.start();
    emulator.addUser(DORA);
    const providers = [{ id: 'cloud-a', emulator }, { id: 'cloud-b', emulator }];
    unframed = await startSsoServer({ providers });
    framed = await startSsoServer({ providers, sso: { frame_ancestors: ['https://cloud.example.test', 'https://intranet.example.test'] } });
  });
  after(async () => {
    await Promise.all([framed.dispose(), unframed.dispose()]);
    await emulator.stop();
  });

  it('picker forbids frames by default', async () => {
    const response = await rawGet(startUrl(unframed));
    assert.equal(response.status, 200);
    assert.equal(countHeader(response, 'content-security-policy'), 1);
    assert.match(String(response.headers['content-security-policy']), /(^|; )frame-ancestors 'none'(;|$)/);
    assert.equal(response.headers['x-frame-options'], 'DENY');
  });

  it('picker allows configured frame ancestors', async () => {
    const response = await rawGet(startUrl(framed));
    assert.equal(response.status, 200);
    assert.equal(countHeader(response, 'content-security-policy'), 1);
    assert.match(String(response.headers['content-security-policy']), /(^|; )frame-ancestors https:\/\/cloud\.example\.test https:\/\/intranet\.example\.test(;|$)/);
    assert.equal(response.headers['x-frame-options'], undefined);
  });

  it('failure page has one policy', async () => {
    // A provider reply without the state cookie, as when the sign-in began in another browser.
    const response = await rawGet(`${framed.baseUrl}${CALLBACK_PATH}?state=unknown&code=unknown`);
    assert.ok(response.status >= 400, String(response.status));
    assert.match(response.body, /Sign-in failed/);
    assert.equal(countHeader(response, 'content-security-policy'), 1);
    assert.match(String(response.headers['content-security-policy']), /frame-ancestors https:\/\/cloud\.example\.test/);
  });

  it('confirmation page names the target', async () => {
    const result = await signIn(new SsoBrowser(), framed, DORA, { redirectUrl: 'http://localhost:9/elsewhere/', providerId: 'cloud-a' });
    assert.equal(result.status, 200);
    assert.match(result.body, /<title>Continue to localhost:9\?<\/title>/);
    assert.match(result.body, /href="http:\/\/localhost:9\/elsewhere\/\?loginToken=/);
  });
});

describe('SSO behind a proxy without X-Forwarded-Proto', () => {
  const PUBLIC_BASEURL = 'https://matrix.example.test/';
  const PUBLIC_HOST = 'matrix.example.test';
  let emulator: NextcloudEmulator;
  let server: TestServer;

  before(async () => {
    emulator = await NextcloudEmulator.start();
    emulator.addUser(DORA);
    const client = emulator.addClient({ name: 'Lattice', redirectUri: `${PUBLIC_BASEURL}_synapse/client/oidc/callback` });
    server = await TestServer.start({
      config: {
        public_baseurl: PUBLIC_BASEURL,
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

  it('builds every URL from public_baseurl', async () => {
    // The proxy terminates TLS and forwards plain HTTP with the public Host but no X-Forwarded-Proto.
    // The second variant also carries headers that claim another scheme and host.
    const variants: Array<Record<string, string>> = [{ host: PUBLIC_HOST }, { host: PUBLIC_HOST, 'x-forwarded-proto': 'http', 'x-forwarded-host': 'other.example.test' }];
    for (const headers of variants) {
      const start = await rawGet(startUrl(server), headers);
      assert.equal(start.status, 302);
      const authorize = new URL(String(start.headers.location));
      assert.equal(authorize.origin, emulator.baseUrl);
      assert.equal(authorize.searchParams.get('redirect_uri'), `${PUBLIC_BASEURL}_synapse/client/oidc/callback`);
      assert.match(String(start.headers['set-cookie']), /; Secure/);

      const wellKnown = await rawGet(`${server.baseUrl}/.well-known/matrix/client`, headers);
      assert.deepEqual(JSON.parse(wellKnown.body), { 'm.homeserver': { base_url: 'https://matrix.example.test' } });
      const root = await rawGet(`${server.baseUrl}/`, headers);
      assert.equal(root.status, 200);
      assert.ok(root.body.includes(`${PUBLIC_BASEURL}_matrix/client/`));
    }
  });

  it('sign-in completes without redirect loops', async () => {
    const start = await rawGet(startUrl(server), { host: PUBLIC_HOST });
    assert.equal(start.status, 302);
    const stateCookie = String(start.headers['set-cookie']).split(';')[0] ?? '';

    const browser = new SsoBrowser();
    const toCallback = await signInThroughNextcloud(browser, String(start.headers.location), { user: DORA.id, password: DORA.password }, { stopAtOrigin: PUBLIC_BASEURL });
    const callback = new URL(toCallback.finalUrl);
    assert.equal(callback.origin, 'https://matrix.example.test');

    // The proxy forwards the browser's request for the public callback URL as plain HTTP.
    const finish = await rawGet(`${server.baseUrl}${callback.pathname}${callback.search}`, { host: PUBLIC_HOST, cookie: stateCookie });
    assert.equal(finish.status, 302, finish.body);
    const location = String(finish.headers.location);
    assert.ok(location.startsWith(`${CLIENT_URL}?loginToken=`), location);
  });
});
