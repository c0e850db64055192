// POST /apps/oauth2/api/v1/token with the checks, order and bodies of Nextcloud 34.0.1's
// OauthApiController::getToken. Every error is HTTP 400 with only {"error":…}.
import { createHash } from 'node:crypto';
import { randomAlphanumeric } from './php.js';
import type { Exchange } from './http.js';

// An authorization code is refused once it is older than 600 s.
const AUTHORIZATION_CODE_EXPIRES_AFTER = 10 * 60;
const ACCESS_TOKEN_LIFETIME = 3600;
const PKCE_STRING_PATTERN = /^[A-Za-z0-9._~-]{43,128}$/;

function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined || !header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice('Basic '.length).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

// TODO: brute-force throttling (growing delays, then HTTP 429 after more than 10 failures) is not emulated.
export function handleToken(ex: Exchange, pkce: 'ignored' | 'enforced'): void {
  const fail = (error: 'invalid_grant' | 'invalid_request' | 'invalid_client') => ex.sendJson(400, { error });
  const state = ex.state;

  const grantType = ex.param('grant_type');
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
    fail('invalid_grant');
    return;
  }
  // One lookup serves both grants, so an unused code sent as a refresh token skips the code checks.
  const code = grantType === 'refresh_token' ? ex.param('refresh_token') : ex.param('code');
  const row = code === undefined ? undefined : state.findGrantByCode(code);
  if (row === undefined || code === undefined) {
    fail('invalid_request');
    return;
  }

  if (grantType === 'authorization_code') {
    if (row.tokenCount > 0) {
      fail('invalid_request');
      return;
    }
    if (row.codeCreatedAt < state.now() - AUTHORIZATION_CODE_EXPIRES_AFTER) {
      state.grants.delete(row.id);
      fail('invalid_request');
      return;
    }
    if (pkce === 'enforced' && row.codeChallenge !== '') {
      const verifier = ex.param('code_verifier') ?? '';
      if (verifier === '') {
        fail('invalid_request');
        return;
      }
      const expected = createHash('sha256').update(verifier).digest('base64url');
      if (!PKCE_STRING_PATTERN.test(verifier) || row.codeChallengeMethod !== 'S256' || expected !== row.codeChallenge) {
        fail('invalid_grant');
        return;
      }
    }
  }

  const client = state.clients.get(row.clientDbId);
  if (client === undefined) {
    fail('invalid_request');
    return;
  }

  // Credentials from HTTP Basic replace the body values, as PHP_AUTH_USER does in PHP.
  const basic = basicCredentials(ex.header('authorization'));
  const clientId = basic?.user ?? ex.param('client_id');
  const clientSecret = basic?.password ?? ex.param('client_secret');
  if (clientId !== client.clientId || clientSecret !== client.clientSecret) {
    // A failed client authentication leaves the code usable.
    fail('invalid_client');
    return;
  }

  const appPassword = state.appPasswords.get(row.appPasswordId);
  if (appPassword === undefined) {
    // The user revoked the app password, or the account was deleted.
    state.grants.delete(row.id);
    fail('invalid_request');
    return;
  }

  // Conditional update: only a request whose code still matches the row wins the rotation.
  const current = state.grants.get(row.id);
  if (current === undefined || current.currentCode !== code || (grantType === 'authorization_code' && current.tokenCount !== 0)) {
    fail('invalid_request');
    return;
  }
  const accessToken = randomAlphanumeric(72);
  const refreshToken = randomAlphanumeric(128);
  current.currentCode = refreshToken;
  current.tokenCount += 1;
  // The app password keeps its id: a refresh rotates it in place and resets its expiry.
  appPassword.token = accessToken;
  appPassword.expires = state.now() + ACCESS_TOKEN_LIFETIME;

  ex.sendJson(200, {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_LIFETIME,
    refresh_token: refreshToken,
    user_id: appPassword.uid,
  });
}
