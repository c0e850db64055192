/**
 * The pending sign-in, kept in the user's browser between the redirect to the identity provider and
 * its callback. It is a JSON payload with an HMAC-SHA256 signature, so the server keeps no session
 * table and any server process can finish a sign-in that another one started.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SsoError } from './errors.js';

export interface PendingSignIn {
  /** Random value sent as the OAuth `state` parameter and expected back on the callback. */
  state: string;
  /** PKCE code verifier; its S256 challenge went to the provider. */
  codeVerifier: string;
  /** OIDC `nonce`, expected in the id_token; unused by Nextcloud's OAuth2 app. */
  nonce: string;
  providerId: string;
  /** The client's `redirectUrl`, which receives the login token. */
  redirectUrl: string;
  /** Milliseconds since the Unix epoch. */
  issuedAt: number;
}

// NOTE: one cookie name per browser, so a second sign-in started in another tab replaces the first,
// whose callback then fails with `state_mismatch`.
export const STATE_COOKIE_NAME = 'lattice_sso_state';
/** Both callback paths, `/_synapse/client/oidc/callback` and `/_synapse/oidc/callback`, lie below it. */
export const STATE_COOKIE_PATH = '/_synapse/';
/** Ten minutes: the lifetime of a Nextcloud authorization code, and enough for a password prompt. */
export const STATE_COOKIE_MAX_AGE_SECONDS = 600;
/** Issue times this far ahead of the clock are accepted, for servers whose clocks differ slightly. */
const FUTURE_TOLERANCE_MS = 60_000;

/** Serialises and signs a pending sign-in into a cookie value of Base64url characters and one dot. */
export function sealPendingSignIn(pending: PendingSignIn, secret: Buffer): string {
  const payload = Buffer.from(JSON.stringify(pending), 'utf8').toString('base64url');
  return `${payload}.${sign(payload, secret)}`;
}

/**
 * Checks the signature and age of a cookie value and returns the pending sign-in. Throws SsoError
 * `state_cookie_missing` for no value, `state_cookie_invalid` for a bad signature or shape and
 * `state_cookie_expired` when it is older than STATE_COOKIE_MAX_AGE_SECONDS.
 */
export function openPendingSignIn(value: string | undefined, secret: Buffer, now: number): PendingSignIn {
  if (!value) throw new SsoError('state_cookie_missing', 'the request carries no SSO state cookie');
  const [payload, signature, extra] = value.split('.');
  if (!payload || !signature || extra !== undefined || !constantTimeEqual(signature, sign(payload, secret))) {
    throw new SsoError('state_cookie_invalid', 'the SSO state cookie has a missing or wrong signature');
  }

  const pending = parsePayload(payload);
  if (pending.issuedAt > now + FUTURE_TOLERANCE_MS) {
    throw new SsoError('state_cookie_invalid', 'the SSO state cookie was issued in the future');
  }
  if (now - pending.issuedAt > STATE_COOKIE_MAX_AGE_SECONDS * 1000) {
    throw new SsoError('state_cookie_expired', `the SSO state cookie is ${Math.round((now - pending.issuedAt) / 1000)} s old`);
  }
  return pending;
}

/** Compares two strings without leaking where they differ: the SHA-256 digests are compared, in constant time. */
export function constantTimeEqual(a: string, b: string): boolean {
  const digestA = createHash('sha256').update(a, 'utf8').digest();
  const digestB = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(digestA, digestB) && a === b;
}

function sign(payload: string, secret: Buffer): string {
  return createHmac('sha256', secret).update(payload, 'utf8').digest('base64url');
}

function parsePayload(payload: string): PendingSignIn {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch (error) {
    throw new SsoError('state_cookie_invalid', 'the SSO state cookie payload is not JSON', { cause: error });
  }
  if (!isPendingSignIn(parsed)) throw new SsoError('state_cookie_invalid', 'the SSO state cookie payload lacks fields');
  return parsed;
}

function isPendingSignIn(value: unknown): value is PendingSignIn {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  const strings = ['state', 'codeVerifier', 'nonce', 'providerId', 'redirectUrl'];
  return strings.every((key) => typeof record[key] === 'string') && typeof record.issuedAt === 'number';
}
