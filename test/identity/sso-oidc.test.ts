// OIDC sign-in against panva's oidc-provider, a certified OpenID Provider, run in this process on
// a loopback port. Its development login and consent pages are driven with the scripted browser.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Provider, { type Account } from 'oidc-provider';
import { api } from '../support/client.js';
import { freePort, TestServer } from '../support/server.js';
import { SsoBrowser, type BrowserResponse } from '../support/sso-browser.js';
import { CALLBACK_PATH, CLIENT_ORIGIN, CLIENT_URL, logEventCount, RewritingProxy, userRows, waitForLogEvent } from './sso-support.js';

const CLIENT_ID = 'lattice';
const CLIENT_SECRET = 'lattice-client-secret-0123456789abcdef';
/** Lifetime of id_tokens issued by the test provider, in seconds. */
const ID_TOKEN_TTL = 60;
const ACCOUNTS: Record<string, Record<string, unknown>> = {
  'user-42': { preferred_username: 'Grace.Hopper', name: 'Grace Hopper', email: 'grace@example.test', email_verified: true },
};

/** Shifts the clock of this test process, which the provider uses to stamp tokens; Lattice runs in its own process. */
const realNow = Date.now.bind(Date);
let providerClockOffsetMs = 0;
Date.now = () => realNow() + providerClockOffsetMs;

interface OidcTestProvider {
  issuer: string;
  requests: string[];
  close(): Promise<void>;
}

async function startProvider(redirectUris: string[]): Promise<OidcTestProvider> {
  const requests: string[] = [];
  let handler: ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    async findAccount(_ctx: unknown, sub: string): Promise<Account | undefined> {
      const claims = ACCOUNTS[sub];
      return claims && { accountId: sub, claims: async () => ({ sub, ...claims }) };
    },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'] },
    cookies: { keys: ['oidc-test-cookie-key-0123456789'] },
    pkce: { required: () => true },
    ttl: { IdToken: ID_TOKEN_TTL, AccessToken: 600, AuthorizationCode: 600, Interaction: 3600, Session: 3600, Grant: 3600 },
    features: { devInteractions: { enabled: true } },
  });
  handler = provider.callback();
  return {
    issuer,
    requests,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function decodeEntities(html: string): string {
  return html.replaceAll('&#39;', "'").replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/** Collects a form's action and hidden inputs from one of oidc-provider's development pages. */
function readForm(html: string): { action: string; fields: Record<string, string> } | undefined {
  const action = /<form[^>]*action="([^"]+)"[^>]*method="post"/.exec(html)?.[1];
  if (action === undefined) return undefined;
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/?>/g)) {
    fields[decodeEntities(match[1] ?? '')] = decodeEntities(match[2] ?? '');
  }
  return { action: decodeEntities(action), fields };
}

/**
 * Walks a sign-in through the provider's login and consent pages, following redirects, until the
 * next redirect leaves for the client app or a page without a form is reached.
 */
async function signInWithOidc(browser: SsoBrowser, server: TestServer, accountId: string): Promise<BrowserResponse & { finalUrl: string }> {
  let response = await browser.get(`${server.baseUrl}/_matrix/client/v3/login/sso/redirect/oidc?redirectUrl=${encodeURIComponent(CLIENT_URL)}`);
  for (let step = 0; step < 20; step++) {
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, response.url);
      if (next.origin === CLIENT_ORIGIN) return { ...response, finalUrl: next.href };
      response = await browser.get(next);
      continue;
    }
    const form = response.status === 200 ? readForm(response.body) : undefined;
    if (!form) break;
    const fields = form.fields.prompt === 'login' ? { ...form.fields, login: accountId, password: 'any-password' } : form.fields;
    response = await browser.postForm(new URL(form.action, response.url), fields, new URL(response.url).origin);
  }
  return { ...response, finalUrl: response.url };
}

/**
 * Fronts the provider as one whose discovery document names another issuer (a trailing slash) and
 * that does not send the RFC 9207 `iss` authorization response parameter, like providers that predate it.
 * Only the id_token's `iss` claim then shows the mismatch.
 */
async function startMismatchedIssuerProxy(issuer: string): Promise<RewritingProxy> {
  let proxyBase = '';
  const proxy = await RewritingProxy.start(issuer, (path, body) => {
    if (path !== '/.well-known/openid-configuration') return undefined;
    const metadata = JSON.parse(body) as Record<string, unknown>;
    delete metadata.authorization_response_iss_parameter_supported;
    return JSON.stringify({ ...metadata, issuer: `${issuer}/`, authorization_endpoint: `${proxyBase}/auth` });
  }, (location) => {
    if (!location.includes(CALLBACK_PATH)) return undefined;
    const url = new URL(location);
    url.searchParams.delete('iss');
    return url.href;
  });
  proxyBase = proxy.baseUrl;
  return proxy;
}

async function startLattice(port: number, provider: Record<string, unknown>): Promise<TestServer> {
  return TestServer.start({
    port,
    config: {
      sso: {
        providers: [{ id: 'oidc', type: 'oidc', name: 'Example ID', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, ...provider }],
        client_allowlist: [`${CLIENT_ORIGIN}/`],
      },
    },
  });
}

describe('SSO through an OIDC provider', () => {
  const ports: Record<'main' | 'strict' | 'lenient' | 'wrongIssuer' | 'doctored', number> = { main: 0, strict: 0, lenient: 0, wrongIssuer: 0, doctored: 0 };
  let provider: OidcTestProvider;
  let proxy: RewritingProxy;
  const servers: Partial<Record<keyof typeof ports, TestServer>> = {};

  before(async () => {
    for (const name of Object.keys(ports) as Array<keyof typeof ports>) ports[name] = await freePort();
    provider = await startProvider(Object.values(ports).map((port) => `http://127.0.0.1:${port}${CALLBACK_PATH}`));
    const issuer = provider.issuer;
    proxy = await startMismatchedIssuerProxy(issuer);

    servers.main = await startLattice(ports.main, { issuer });
    servers.strict = await startLattice(ports.strict, { issuer, clock_leeway_seconds: 0 });
    servers.lenient = await startLattice(ports.lenient, { issuer, clock_leeway_seconds: 120 });
    servers.wrongIssuer = await startLattice(ports.wrongIssuer, { issuer: `${issuer}/` });
    servers.doctored = await startLattice(ports.doctored, { issuer: `${issuer}/`, discovery_url: `${proxy.baseUrl}/.well-known/openid-configuration` });
  });

  after(async () => {
    providerClockOffsetMs = 0;
    for (const server of Object.values(servers)) await server.dispose();
    await proxy.stop();
    await provider.close();
  });

  function server(name: keyof typeof ports): TestServer {
    const found = servers[name];
    if (!found) throw new Error(`server ${name} did not start`);
    return found;
  }

  it('signs in and maps the claims', async () => {
    const result = await signInWithOidc(new SsoBrowser(), server('main'), 'user-42');
    const token = new URL(result.finalUrl).searchParams.get('loginToken');
    assert.ok(token, `no login token: ${result.status} ${result.finalUrl}\n${result.body}`);

    const login = await api<{ user_id: string }>(server('main').baseUrl, 'POST', '/_matrix/client/v3/login', { body: { type: 'm.login.token', token } });
    assert.equal(login.status, 200);
    assert.equal(login.body.user_id, '@grace.hopper:localhost');
    const row = (await userRows(server('main'))).find((user) => user.user_id === '@grace.hopper:localhost');
    assert.equal(row?.displayname, 'Grace Hopper');
  });

  it('checks the id_token signature with the JWKS', async () => {
    const jwksPath = '/jwks';
    assert.ok(provider.requests.some((request) => request === `GET ${jwksPath}`), provider.requests.join('\n'));
    const tokenRequest = provider.requests.find((request) => request.startsWith('POST /token'));
    assert.ok(tokenRequest, 'token request');
  });

  it('lists the OIDC provider in GET /login', async () => {
    const response = await api<{ flows: Array<{ type: string; identity_providers?: unknown }> }>(server('main').baseUrl, 'GET', '/_matrix/client/v3/login');
    const sso = response.body.flows.find((flow) => flow.type === 'm.login.sso');
    assert.deepEqual(sso?.identity_providers, [{ id: 'oidc', name: 'Example ID' }]);
  });

  it('rejects an issuer that differs by a slash', async () => {
    const before = logEventCount(server('wrongIssuer'), 'sign-in failed');
    const result = await signInWithOidc(new SsoBrowser(), server('wrongIssuer'), 'user-42');
    assert.equal(result.status, 502);
    assert.ok(decodeEntities(result.body).includes('Example ID sent a reply this Matrix server cannot read.'), result.body);
    const failure = await waitForLogEvent(server('wrongIssuer'), 'sign-in failed', before);
    assert.equal(failure.reason, 'provider_response_invalid');
    assert.match(String(failure.detail), /configured issuer/);
    assert.deepEqual(await userRows(server('wrongIssuer')), []);
  });

  it('rejects an id_token from another issuer', async () => {
    const before = logEventCount(server('doctored'), 'sign-in failed');
    const result = await signInWithOidc(new SsoBrowser(), server('doctored'), 'user-42');
    assert.equal(result.status, 502);
    const failure = await waitForLogEvent(server('doctored'), 'sign-in failed', before);
    assert.equal(failure.reason, 'id_token_invalid');
    assert.match(String(failure.detail), /unexpected JWT "iss" \(issuer\) claim value/);
    assert.deepEqual(await userRows(server('doctored')), []);
  });

  it('rejects an id_token expired beyond the leeway', async () => {
    // The provider stamps tokens 90 s in the past, so each id_token expired 30 s before it arrives.
    providerClockOffsetMs = -(ID_TOKEN_TTL + 30) * 1000;
    try {
      const before = logEventCount(server('strict'), 'sign-in failed');
      const result = await signInWithOidc(new SsoBrowser(), server('strict'), 'user-42');
      assert.equal(result.status, 502);
      assert.ok(decodeEntities(result.body).includes('The sign-in reply from Example ID failed the security checks of this Matrix server.'), result.body);
      const failure = await waitForLogEvent(server('strict'), 'sign-in failed', before);
      assert.equal(failure.reason, 'id_token_invalid');
      assert.match(String(failure.detail), /exp/);
      assert.deepEqual(await userRows(server('strict')), []);
    } finally {
      providerClockOffsetMs = 0;
    }
  });

  it('accepts an id_token expired within the leeway', async () => {
    providerClockOffsetMs = -(ID_TOKEN_TTL + 30) * 1000;
    try {
      const result = await signInWithOidc(new SsoBrowser(), server('lenient'), 'user-42');
      assert.ok(new URL(result.finalUrl).searchParams.get('loginToken'), `${result.status} ${result.finalUrl}\n${result.body}`);
    } finally {
      providerClockOffsetMs = 0;
    }
  });
});
