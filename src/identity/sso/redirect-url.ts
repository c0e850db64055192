/** The client's `redirectUrl`: checking it, and adding the login token to it. */
import { MatrixError } from '../../core/errors.js';

/**
 * Checks a `redirectUrl` query value and returns it unchanged. Throws MatrixError M_MISSING_PARAM
 * when it is absent and M_INVALID_PARAM unless it is an absolute http:// or https:// URL.
 */
export function checkClientRedirectUrl(value: string | undefined): string {
  if (value === undefined || value === '') {
    throw new MatrixError('M_MISSING_PARAM', 'The "redirectUrl" query parameter is required: the URL that receives the login token.', { status: 400 });
  }
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new MatrixError('M_INVALID_PARAM', `"redirectUrl" must be an absolute http:// or https:// URL, not ${JSON.stringify(value)}.`, { status: 400 });
  }
  return value;
}

/**
 * Adds `loginToken` to the query of a redirect URL, before any `#fragment`. Earlier `loginToken`
 * parameters are removed, as the spec requires. The other parameters keep their exact bytes.
 */
export function addLoginToken(redirectUrl: string, loginToken: string): string {
  const url = new URL(redirectUrl);
  const keptPairs = url.search.slice(1).split('&').filter((pair) => pair !== '' && !isLoginTokenPair(pair));
  keptPairs.push(`loginToken=${encodeURIComponent(loginToken)}`);
  url.search = `?${keptPairs.join('&')}`;
  return url.href;
}

/**
 * True when the URL starts with one of the configured prefixes that need no confirmation page. A
 * prefix of only scheme and host must end where the host ends, so `https://app.example.com` does
 * not admit `https://app.example.com.evil.test/`.
 */
export function isAllowlisted(redirectUrl: string, allowlist: readonly string[]): boolean {
  return allowlist.some((prefix) => {
    if (!redirectUrl.startsWith(prefix)) return false;
    if (!/^https?:\/\/[^/]+$/.test(prefix)) return true;
    const next = redirectUrl.charAt(prefix.length);
    return next === '' || next === '/' || next === '?' || next === '#';
  });
}

function isLoginTokenPair(pair: string): boolean {
  const name = pair.split('=', 1)[0] ?? '';
  try {
    return decodeURIComponent(name.replaceAll('+', ' ')) === 'loginToken';
  } catch {
    return false;
  }
}
