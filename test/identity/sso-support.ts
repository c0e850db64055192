// Shared set-up for the SSO tests: a Lattice process wired to one or more Nextcloud emulators, a
// view of the rows that no API exposes, and a sign-in that stops where the browser would leave
// for the client app.
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NextcloudEmulator, type NewUser } from '../support/nextcloud-emulator.js';
import { freePort, TestServer } from '../support/server.js';
import { signInThroughNextcloud, SsoBrowser, type BrowserResponse, type SignInResult } from '../support/sso-browser.js';

/** Where the client app lives. The scripted browser stops before requesting it, so nothing listens there. */
export const CLIENT_ORIGIN = 'http://127.0.0.1:9';
export const CLIENT_URL = `${CLIENT_ORIGIN}/app/`;
export const CALLBACK_PATH = '/_synapse/client/oidc/callback';
/** The page that completes the `m.login.sso` stage of user-interactive auth. */
export const FALLBACK_PATH = '/_matrix/client/v3/auth/m.login.sso/fallback/web';

export interface ProviderSetup {
  id: string;
  name?: string;
  emulator: NextcloudEmulator;
  /** Replaces the client secret that the emulator issued, to test a wrong one. */
  clientSecret?: string;
  /** Base URL given to Lattice instead of the emulator's own, e.g. a rewriting proxy's. */
  url?: string;
}

export interface SsoSetupOptions {
  providers: ProviderSetup[];
  sso?: Record<string, unknown>;
}

/** Starts a Lattice process whose SSO providers are the given emulators, each with a client registered for its callback. */
export async function startSsoServer(options: SsoSetupOptions): Promise<TestServer> {
  const port = await freePort();
  const callback = `http://127.0.0.1:${port}${CALLBACK_PATH}`;
  const providers = options.providers.map((provider) => {
    const client = provider.emulator.addClient({ name: 'Lattice', redirectUri: callback });
    return {
      id: provider.id,
      type: 'nextcloud',
      ...(provider.name ? { name: provider.name } : {}),
      url: provider.url ?? provider.emulator.baseUrl,
      client_id: client.clientId,
      client_secret: provider.clientSecret ?? client.clientSecret,
    };
  });
  return TestServer.start({
    port,
    config: { sso: { providers, client_allowlist: [`${CLIENT_ORIGIN}/`], ...options.sso } },
  });
}

export function startUrl(server: TestServer, redirectUrl = CLIENT_URL, providerId?: string): string {
  const path = providerId ? `/_matrix/client/v3/login/sso/redirect/${encodeURIComponent(providerId)}` : '/_matrix/client/v3/login/sso/redirect';
  return `${server.baseUrl}${path}?redirectUrl=${encodeURIComponent(redirectUrl)}`;
}

/** Walks the whole sign-in and stops at the redirect to the client app (or at the page shown instead). */
export async function signIn(browser: SsoBrowser, server: TestServer, user: NewUser, options: { redirectUrl?: string; providerId?: string } = {}): Promise<SignInResult> {
  return signInThroughNextcloud(browser, startUrl(server, options.redirectUrl, options.providerId), { user: user.id, password: user.password }, { stopAtOrigin: CLIENT_ORIGIN });
}

/** Walks the sign-in up to the provider's redirect back to Lattice and returns that callback URL, not yet requested. */
export async function signInUntilCallback(browser: SsoBrowser, server: TestServer, user: NewUser, options: { redirectUrl?: string; providerId?: string } = {}): Promise<URL> {
  const start = startUrl(server, options.redirectUrl, options.providerId);
  const result = await signInThroughNextcloud(browser, start, { user: user.id, password: user.password }, { stopAtOrigin: server.baseUrl });
  const url = new URL(result.finalUrl);
  if (url.pathname !== CALLBACK_PATH) throw new Error(`sign-in did not reach the callback: ${result.status} ${result.finalUrl}`);
  return url;
}

/** Returns the `loginToken` of a final redirect to the client app. */
export function loginTokenOf(result: SignInResult): string {
  const token = new URL(result.finalUrl).searchParams.get('loginToken');
  if (!token) throw new Error(`no loginToken in ${result.status} ${result.finalUrl}\n${result.body}`);
  return token;
}

export interface UserRow {
  user_id: string;
  localpart: string;
  displayname: string | null;
}

/** Lists the server's users in creation order, as an operator inspecting the database would. */
export function userRows(server: TestServer): Promise<UserRow[]> {
  return server.query<UserRow>('SELECT user_id, localpart, displayname FROM users ORDER BY created_ts, user_id');
}

/** Counts the rows of a table. `table` is trusted test text and may carry a WHERE clause with `?` parameters. */
export async function rowCount(server: TestServer, table: string, params: readonly unknown[] = []): Promise<number> {
  const [row] = await server.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${table}`, params);
  // PostgreSQL returns count(*) as a bigint string.
  return Number(row?.n);
}

export function loginTokenCount(server: TestServer): Promise<number> {
  return rowCount(server, 'login_tokens');
}

/**
 * A loopback HTTP proxy in front of an emulator or provider that can replace the body of chosen
 * responses and their redirect targets, for provider replies the double does not send itself
 * (malformed JSON, an empty user id, other metadata).
 */
export class RewritingProxy {
  private constructor(private readonly server: Server, readonly baseUrl: string) {}

  /**
   * @param rewrite returns a replacement body for a request path, or undefined to pass the body on
   * @param rewriteLocation returns a replacement for a `Location` header, or undefined to keep it
   */
  static async start(
    target: string,
    rewrite: (path: string, body: string) => string | undefined,
    rewriteLocation: (location: string) => string | undefined = () => undefined,
  ): Promise<RewritingProxy> {
    const targetUrl = new URL(target);
    const server = createServer((req, res) => {
      const upstream = httpRequest({ host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers: req.headers }, (upstreamRes) => {
        const chunks: Buffer[] = [];
        upstreamRes.on('data', (chunk: Buffer) => chunks.push(chunk));
        upstreamRes.on('end', () => {
          const original = Buffer.concat(chunks).toString('utf8');
          const replaced = rewrite(req.url ?? '/', original);
          const body = replaced ?? original;
          const headers = { ...upstreamRes.headers, 'content-length': String(Buffer.byteLength(body)) };
          const location = upstreamRes.headers.location;
          if (location !== undefined) headers.location = rewriteLocation(location) ?? location;
          res.writeHead(upstreamRes.statusCode ?? 502, headers).end(body);
        });
      });
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new RewritingProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

/**
 * Waits for the server to log a line with `message` after the first `skip` such lines and returns
 * it parsed. Log lines arrive through a pipe, so they may trail the HTTP response they belong to.
 */
export async function waitForLogEvent(server: TestServer, message: string, skip: number, timeoutMs = 3000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = server.logsContaining(`"msg":"${message}"`);
    const line = lines[skip];
    if (line !== undefined) return JSON.parse(line) as Record<string, unknown>;
    if (Date.now() > deadline) throw new Error(`no "${message}" log line after ${skip} earlier ones within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function logEventCount(server: TestServer, message: string): number {
  return server.logsContaining(`"msg":"${message}"`).length;
}

export interface SdkCredentials {
  userId: string;
  accessToken: string;
  deviceId: string;
}

/**
 * Signs in through Nextcloud by following the real redirects to `redirectUrl`, then exchanges the
 * login token through matrix-js-sdk, as a web client does. Returns the final URL too, so callers
 * can check where the browser landed.
 */
export async function signInWithSdk(
  server: TestServer, user: { id: string; password: string }, options: { redirectUrl: string; fetchFn?: typeof fetch },
): Promise<{ credentials: SdkCredentials; finalUrl: URL }> {
  const result = await signIn(new SsoBrowser(), server, { id: user.id, password: user.password }, { redirectUrl: options.redirectUrl });
  const loginToken = loginTokenOf(result);
  const { createClient } = await import('matrix-js-sdk');
  const anonymous = createClient({ baseUrl: server.baseUrl, fetchFn: options.fetchFn ?? fetch });
  const login = await anonymous.loginRequest({ type: 'm.login.token', token: loginToken });
  anonymous.stopClient();
  return { credentials: { userId: login.user_id, accessToken: login.access_token, deviceId: login.device_id }, finalUrl: new URL(result.finalUrl) };
}

/** The credentials of a client signed in through SSO. */
export interface SsoLogin {
  accessToken: string;
  deviceId: string;
  userId: string;
}

/** Signs `user` in through Nextcloud and exchanges the login token, as a client does. */
export async function ssoLogin(server: TestServer, user: NewUser): Promise<SsoLogin> {
  const loginToken = loginTokenOf(await signIn(new SsoBrowser(), server, user));
  const response = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'm.login.token', token: loginToken }),
  });
  const body = (await response.json()) as { access_token: string; device_id: string; user_id: string };
  assert.equal(response.status, 200, JSON.stringify(body));
  return { accessToken: body.access_token, deviceId: body.device_id, userId: body.user_id };
}

/**
 * Opens the fallback page, follows its "Sign in again" link through Nextcloud and Lattice's
 * callback, and returns the page the browser ends on, with its headers.
 */
export async function confirmThroughFallback(server: TestServer, browser: SsoBrowser, session: string, user: NewUser): Promise<BrowserResponse> {
  const page = await browser.get(`${server.baseUrl}${FALLBACK_PATH}?session=${encodeURIComponent(session)}`);
  assert.equal(page.status, 200, page.body);
  const link = /href="([^"]+)"/.exec(page.body)?.[1]?.replaceAll('&amp;', '&');
  assert.ok(link, page.body);
  const start = await browser.get(new URL(link, server.baseUrl));
  assert.equal(start.status, 302, start.body);
  const toCallback = await signInThroughNextcloud(browser, String(start.headers.get('location')), { user: user.id, password: user.password }, { stopAtOrigin: server.baseUrl });
  let response = await browser.get(toCallback.finalUrl);
  for (let redirects = 0; response.status === 302 && redirects < 5; redirects++) {
    response = await browser.get(new URL(String(response.headers.get('location')), response.url));
  }
  return response;
}
