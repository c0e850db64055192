import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SsoError } from '../../src/identity/sso/errors.js';
import {
  constantTimeEqual, openPendingSignIn, sealPendingSignIn, STATE_COOKIE_MAX_AGE_SECONDS, type PendingSignIn,
} from '../../src/identity/sso/state-cookie.js';

const SECRET = randomBytes(32);
const ISSUED_AT = 1_800_000_000_000;
const PENDING: PendingSignIn = {
  state: 'state-value',
  codeVerifier: 'verifier-value',
  nonce: 'nonce-value',
  providerId: 'nextcloud',
  redirectUrl: 'https://app.example.org/?a=1#frag',
  issuedAt: ISSUED_AT,
};

function reasonOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof SsoError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('state cookie', () => {
  it('round-trips a pending sign-in', () => {
    const value = sealPendingSignIn(PENDING, SECRET);
    assert.match(value, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.deepEqual(openPendingSignIn(value, SECRET, ISSUED_AT + 1000), PENDING);
  });

  it('reports a missing or empty value', () => {
    assert.equal(reasonOf(() => openPendingSignIn(undefined, SECRET, ISSUED_AT)), 'state_cookie_missing');
    assert.equal(reasonOf(() => openPendingSignIn('', SECRET, ISSUED_AT)), 'state_cookie_missing');
  });

  it('rejects a changed payload', () => {
    const [, signature] = sealPendingSignIn(PENDING, SECRET).split('.');
    const payload = Buffer.from(JSON.stringify({ ...PENDING, redirectUrl: 'https://evil.example/' })).toString('base64url');
    assert.equal(reasonOf(() => openPendingSignIn(`${payload}.${signature}`, SECRET, ISSUED_AT)), 'state_cookie_invalid');
  });

  it('rejects another secret', () => {
    const value = sealPendingSignIn(PENDING, randomBytes(32));
    assert.equal(reasonOf(() => openPendingSignIn(value, SECRET, ISSUED_AT)), 'state_cookie_invalid');
  });

  it('rejects malformed values', () => {
    for (const value of ['no-dot', 'a.b.c', '.sig', 'payload.']) {
      assert.equal(reasonOf(() => openPendingSignIn(value, SECRET, ISSUED_AT)), 'state_cookie_invalid', value);
    }
  });

  it('rejects a signed payload without fields', () => {
    const resigned = sealPendingSignIn({ state: 'x' } as unknown as PendingSignIn, SECRET);
    assert.equal(reasonOf(() => openPendingSignIn(resigned, SECRET, ISSUED_AT)), 'state_cookie_invalid');
  });

  it('expires after the maximum age', () => {
    const value = sealPendingSignIn(PENDING, SECRET);
    const limit = ISSUED_AT + STATE_COOKIE_MAX_AGE_SECONDS * 1000;
    assert.equal(reasonOf(() => openPendingSignIn(value, SECRET, limit)), undefined);
    assert.equal(reasonOf(() => openPendingSignIn(value, SECRET, limit + 1)), 'state_cookie_expired');
  });

  it('rejects an issue time in the future', () => {
    const value = sealPendingSignIn(PENDING, SECRET);
    assert.equal(reasonOf(() => openPendingSignIn(value, SECRET, ISSUED_AT - 61_000)), 'state_cookie_invalid');
  });
});

describe('constantTimeEqual', () => {
  it('compares strings of any length', () => {
    assert.equal(constantTimeEqual('abc', 'abc'), true);
    assert.equal(constantTimeEqual('abc', 'abd'), false);
    assert.equal(constantTimeEqual('abc', 'abcd'), false);
    assert.equal(constantTimeEqual('', ''), true);
  });
});
