// Walks Lattice's single sign-on the way a browser does, against a real or stand-in Nextcloud,
// then exchanges the login token and prints the Matrix access token. It reads the login pages'
// initial state and submits their forms the way Nextcloud's own JavaScript does.
import { parseArgs } from 'node:util';
import { readInitialState, signInThroughNextcloud, SsoBrowser } from '../test/support/sso-browser.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'http://localhost:8008' },
    user: { type: 'string', default: 'alice' },
    password: { type: 'string', default: 'alice-password' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write('Usage: npm run dev:sign-in -- [--server http://localhost:8008] [--user alice] [--password alice-password]\n');
  process.exit(0);
}

const server = (values.server ?? '').replace(/\/$/, '');
// The token is delivered to this address; nothing needs to listen there, because the walk stops
// before requesting it.
const clientOrigin = 'http://127.0.0.1:9';
const start = `${server}/_matrix/client/v3/login/sso/redirect?redirectUrl=${encodeURIComponent(`${clientOrigin}/`)}`;
const result = await signInThroughNextcloud(new SsoBrowser(), start, { user: values.user ?? '', password: values.password ?? '' }, { stopAtOrigin: clientOrigin });

// Without the client in sso.client_allowlist, Lattice shows a confirmation page whose link carries the token.
const link = /href="([^"]*loginToken=[^"]*)"/.exec(result.body)?.[1]?.replaceAll('&amp;', '&');
const loginToken = new URL(result.finalUrl).searchParams.get('loginToken') ?? (link ? new URL(link).searchParams.get('loginToken') : null);
if (!loginToken) {
  const loginErrors = readInitialState(result.body, 'core', 'loginErrors');
  if (Array.isArray(loginErrors) && loginErrors.length > 0) {
    process.stderr.write(`Nextcloud rejected the login of "${values.user ?? ''}": ${loginErrors.join(', ')}. Check the user name and password.\n`);
    process.exit(1);
  }
  process.stderr.write(`Sign-in did not finish (HTTP ${result.status} at ${result.finalUrl}):\n${result.body.slice(0, 2000)}\n`);
  process.exit(1);
}

const response = await fetch(`${server}/_matrix/client/v3/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ type: 'm.login.token', token: loginToken }),
});
const body = (await response.json()) as Record<string, unknown>;
if (response.status !== 200) {
  process.stderr.write(`POST /login failed with HTTP ${response.status}: ${JSON.stringify(body)}\n`);
  process.exit(1);
}
process.stdout.write(`Signed in as ${String(body.user_id)} on device ${String(body.device_id)}\naccess_token: ${String(body.access_token)}\n`);
