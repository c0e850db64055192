import type { NextcloudProviderConfig, OidcProviderConfig } from '../../config/schema.js';
import { CALLBACK_PATH, describeCallbackMismatch } from './callback-uri.js';
import { fail, fetchForCheck, pass, skip, warn, type CheckResult, type Fetched } from './result.js';

// Larger differences break sign-in: OIDC id_tokens are checked with a 30-second leeway by default.
const MAX_CLOCK_SKEW_SECONDS = 30;
const CHECK_STATE = 'lattice-check';
const UNKNOWN_CLIENT_TEXT = 'not authorized to connect';

/**
 * Checks one Nextcloud provider as the sign-in will use it: the authorize page, the client's
 * registered callback URI, the token and OCS endpoints, and the clock against Nextcloud's.
 */
export async function checkNextcloud(provider: NextcloudProviderConfig, index: number, publicBaseurl: string): Promise<CheckResult[]> {
  const label = `Nextcloud "${provider.id}"`;
  const key = `sso.providers[${index}]`;
  const authorize = await fetchForCheck(authorizeUrl(provider, 'code'));
  const results = [checkAuthorize(label, key, provider, authorize)];
  if (!authorize.ok) return [...results, skip(`${label} callback URI, token and OCS endpoints, clock`, 'Nextcloud is not reachable')];

  const clientKnown = !authorize.body.includes(UNKNOWN_CLIENT_TEXT);
  results.push(clientKnown
    ? await checkCallback(label, provider, publicBaseurl)
    : skip(`${label} callback URI as registered`, 'the client id is not registered'));
  results.push(await checkToken(label, provider));
  results.push(await checkOcs(label, provider));
  results.push(checkClock(label, authorize.response.headers.get('date')));
  return results;
}

function authorizeUrl(provider: NextcloudProviderConfig, responseType: string): string {
  const url = new URL(`${provider.url}/index.php/apps/oauth2/authorize`);
  url.searchParams.set('client_id', provider.client_id);
  url.searchParams.set('response_type', responseType);
  url.searchParams.set('state', CHECK_STATE);
  return url.href;
}

function checkAuthorize(label: string, key: string, provider: NextcloudProviderConfig, fetched: Fetched): CheckResult {
  const title = `${label} authorize page`;
  if (!fetched.ok) {
    return fail(title, `${provider.url} cannot be reached: ${fetched.error}`, `Check ${key}.url and that this machine can reach Nextcloud (DNS, firewall, TLS certificate).`);
  }
  const status = fetched.response.status;
  if (status === 302 || status === 303) return pass(title, `HTTP ${status} to the sign-in`);
  if (status === 200 && fetched.body.includes(UNKNOWN_CLIENT_TEXT)) {
    return fail(title, `Nextcloud does not know client_id "${provider.client_id}"`,
      `Register the client in Nextcloud (occ oauth2:add-client) and copy its client identifier into ${key}.client_id.`);
  }
  return fail(title, `${fetched.response.url || provider.url} answered HTTP ${status}`,
    `Set ${key}.url to the Nextcloud base URL including any web root (such as https://cloud.example.com/nextcloud), and check that the oauth2 app is enabled (occ app:enable oauth2).`);
}

/**
 * Learns the registered callback URI without signing in: an authorize request with an unsupported
 * response_type makes Nextcloud redirect to the URI it stored for the client.
 */
async function checkCallback(label: string, provider: NextcloudProviderConfig, publicBaseurl: string): Promise<CheckResult> {
  const title = `${label} callback URI as registered`;
  const expected = `${publicBaseurl}${CALLBACK_PATH}`;
  const fetched = await fetchForCheck(authorizeUrl(provider, 'lattice-check'));
  const location = fetched.ok ? fetched.response.headers.get('location') : null;
  if (!fetched.ok || location === null) {
    return warn(title, 'Nextcloud did not reveal the registered URI', `Compare it by hand: Administration settings → Security → OAuth 2.0 clients must list ${expected}.`);
  }
  const registered = location.split('?error=')[0] ?? location;
  const mismatch = describeCallbackMismatch(registered, expected);
  if (mismatch === undefined) return pass(title, registered);
  return fail(title, mismatch,
    `Nextcloud cannot change a client's URI: delete the client (Administration settings → Security → OAuth 2.0 clients), add it again with occ oauth2:add-client Lattice ${expected}, and put the new client id and secret in the config.`);
}

async function checkToken(label: string, provider: NextcloudProviderConfig): Promise<CheckResult> {
  const title = `${label} token endpoint`;
  const url = `${provider.url}/index.php/apps/oauth2/api/v1/token`;
  // A made-up client and code: Nextcloud rejects them with 400 and an OAuth error, which shows
  // the endpoint is its own and not a web-server page. It checks the code before the client, so
  // the error is invalid_request as often as invalid_client.
  const fetched = await fetchForCheck(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: 'lattice-check', client_id: 'lattice-check-dummy', client_secret: 'lattice-check' }).toString(),
  });
  const fix = 'Make the web server pass POST requests for /index.php/apps/oauth2/api/v1/token to Nextcloud unchanged; see Nextcloud\'s web server configuration guide.';
  if (!fetched.ok) return fail(title, `${url} cannot be reached: ${fetched.error}`, fix);
  const error = readOauthError(fetched.body);
  if (fetched.response.status === 400 && (error === 'invalid_client' || error === 'invalid_request')) {
    return pass(title, `HTTP 400 ${error} for a made-up client`);
  }
  return fail(title, `a made-up client got HTTP ${fetched.response.status}${error ? ` ${error}` : ' without an OAuth error'}, expected 400 invalid_client or invalid_request`, fix);
}

async function checkOcs(label: string, provider: NextcloudProviderConfig): Promise<CheckResult> {
  const title = `${label} OCS user endpoint`;
  const url = `${provider.url}/ocs/v2.php/cloud/user?format=json`;
  const fetched = await fetchForCheck(url, { headers: { 'OCS-APIRequest': 'true', accept: 'application/json' } });
  const fix = 'Make the web server pass /ocs/v2.php/ to Nextcloud, including the Authorization header (Apache needs Nextcloud\'s .htaccess rules).';
  if (!fetched.ok) return fail(title, `${url} cannot be reached: ${fetched.error}`, fix);
  if (fetched.response.status === 401) return pass(title, 'HTTP 401 without a token');
  return fail(title, `HTTP ${fetched.response.status} without a token, expected 401`, fix);
}

export function checkClock(label: string, dateHeader: string | null, now = Date.now()): CheckResult {
  const title = `clock against ${label}`;
  const remote = dateHeader === null ? Number.NaN : Date.parse(dateHeader);
  if (Number.isNaN(remote)) return warn(title, 'Nextcloud sent no Date header', 'Compare the clocks by hand with `date -u` on both machines.');
  // The Date header has whole seconds, so up to a second of difference is rounding.
  const skewSeconds = Math.round((now - remote) / 1000);
  if (Math.abs(skewSeconds) <= MAX_CLOCK_SKEW_SECONDS) return pass(title, `within ${Math.max(1, Math.abs(skewSeconds))} s`);
  return fail(title, `this machine is ${Math.abs(skewSeconds)} s ${skewSeconds > 0 ? 'ahead of' : 'behind'} Nextcloud`,
    'Synchronise both clocks with NTP: timedatectl set-ntp true (Debian: apt install systemd-timesyncd).');
}

/** Fetches an OIDC provider's discovery document. */
export async function checkOidc(provider: OidcProviderConfig, index: number): Promise<CheckResult> {
  const title = `OIDC provider "${provider.id}" discovery`;
  const url = provider.discovery_url ?? `${provider.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const fetched = await fetchForCheck(url);
  const fix = `Check sso.providers[${index}].issuer (or discovery_url) and that this machine can reach the provider.`;
  if (!fetched.ok) return fail(title, `${url} cannot be reached: ${fetched.error}`, fix);
  if (fetched.response.status !== 200) return fail(title, `${url} answered HTTP ${fetched.response.status}`, fix);
  return pass(title, url);
}

function readOauthError(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}
