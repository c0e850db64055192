import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MatrixError } from '../../src/core/errors.js';
import { addLoginToken, checkClientRedirectUrl, isAllowlisted } from '../../src/identity/sso/redirect-url.js';

function errcodeOf(value: string | undefined): string | undefined {
  try {
    checkClientRedirectUrl(value);
  } catch (error) {
    if (error instanceof MatrixError) return error.errcode;
    throw error;
  }
  return undefined;
}

describe('checkClientRedirectUrl', () => {
  it('accepts absolute http and https URLs', () => {
    assert.equal(checkClientRedirectUrl('https://app.example.org/'), 'https://app.example.org/');
    assert.equal(checkClientRedirectUrl('http://127.0.0.1:8080/#/login'), 'http://127.0.0.1:8080/#/login');
  });

  it('reports a missing value', () => {
    assert.equal(errcodeOf(undefined), 'M_MISSING_PARAM');
    assert.equal(errcodeOf(''), 'M_MISSING_PARAM');
  });

  it('rejects other values', () => {
    for (const value of ['/relative', 'javascript:alert(1)', 'data:text/html,x', 'ftp://host/', 'element://vector']) {
      assert.equal(errcodeOf(value), 'M_INVALID_PARAM', value);
    }
  });
});

describe('addLoginToken', () => {
  it('adds the token before the fragment', () => {
    assert.equal(addLoginToken('https://app.example.org/#/home', 'T'), 'https://app.example.org/?loginToken=T#/home');
  });

  it('keeps other parameters byte for byte', () => {
    assert.equal(addLoginToken('https://app.example.org/cb?a=x%20y&b=1+2&c', 'T'), 'https://app.example.org/cb?a=x%20y&b=1+2&c&loginToken=T');
  });

  it('replaces earlier loginToken parameters', () => {
    assert.equal(addLoginToken('https://app.example.org/?loginToken=old&x=1&login%54oken=older', 'T'), 'https://app.example.org/?x=1&loginToken=T');
  });
});

describe('isAllowlisted', () => {
  const allowlist = ['https://app.example.org', 'http://127.0.0.1:9/app/'];

  it('matches a prefix', () => {
    assert.equal(isAllowlisted('https://app.example.org/', allowlist), true);
    assert.equal(isAllowlisted('https://app.example.org?x', allowlist), true);
    assert.equal(isAllowlisted('http://127.0.0.1:9/app/index.html', allowlist), true);
  });

  it('stops a host prefix at the host end', () => {
    assert.equal(isAllowlisted('https://app.example.org.evil.test/', allowlist), false);
    assert.equal(isAllowlisted('https://app.example.org@evil.test/', allowlist), false);
  });

  it('rejects other URLs', () => {
    assert.equal(isAllowlisted('http://127.0.0.1:9/other/', allowlist), false);
    assert.equal(isAllowlisted('https://evil.test/https://app.example.org', allowlist), false);
  });
});
