import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { signJson, verifyJsonSignature } from '../../src/core/json-signing.js';
import {
  formatSigningKeyFile,
  generateSigningKey,
  parseSigningKeyFile,
  signBytes,
  signingKeyFromSeed,
  verifySignature,
} from '../../src/core/signing-key.js';

/** A key file line in Synapse's format, built from the spec's test seed. */
const SPEC_KEY_FILE = 'ed25519 1 YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1\n';
const SPEC_PUBLIC_KEY = 'XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI';

describe('generateSigningKey', () => {
  it('creates a random a_XXXX version', () => {
    const key = generateSigningKey();
    assert.match(key.version, /^a_[A-Za-z]{4}$/);
    assert.equal(key.keyId, `ed25519:${key.version}`);
    assert.equal(key.algorithm, 'ed25519');
    assert.equal(key.seed.length, 32);
    assert.match(key.publicKey, /^[A-Za-z0-9+/]{43}$/);
  });

  it('uses a given version', () => {
    assert.equal(generateSigningKey('auto_1').keyId, 'ed25519:auto_1');
  });

  it('creates distinct keys', () => {
    assert.notDeepEqual(generateSigningKey('k').seed, generateSigningKey('k').seed);
  });

  it('rejects a version with other characters', () => {
    assert.throws(() => generateSigningKey('a:b'), /Invalid signing key version/);
  });
});

describe('signing key file', () => {
  it('parses a Synapse key file', () => {
    const key = parseSigningKeyFile(SPEC_KEY_FILE);
    assert.equal(key.version, '1');
    assert.equal(key.keyId, 'ed25519:1');
    assert.equal(key.publicKey, SPEC_PUBLIC_KEY);
  });

  it('uses the first key of several', () => {
    const second = formatSigningKeyFile(generateSigningKey('second'));
    assert.equal(parseSigningKeyFile(SPEC_KEY_FILE + second).version, '1');
  });

  it('round-trips through format and parse', () => {
    const key = generateSigningKey();
    const parsed = parseSigningKeyFile(formatSigningKeyFile(key));
    assert.deepEqual(parsed, key);
  });

  it('formats one unpadded line', () => {
    const key = signingKeyFromSeed('abc', Buffer.alloc(32, 7));
    assert.equal(formatSigningKeyFile(key), `ed25519 abc ${Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '')}\n`);
  });

  it('rejects malformed files', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /contains no key/],
      ['ed25519 1', /expected a line/],
      ['rsa 1 YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1', /unsupported algorithm "rsa"/],
      ['ed25519 1 not*base64', /not Base64/],
      ['ed25519 1 Zm9v', /expected 32 bytes/],
      ['ed25519 a:b YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1', /Invalid signing key version/],
    ];
    for (const [text, message] of cases) {
      assert.throws(() => parseSigningKeyFile(text), message, JSON.stringify(text));
    }
  });
});

describe('signBytes and verifySignature', () => {
  const key = generateSigningKey('test');
  const bytes = Buffer.from('hello');

  it('verifies its own signature', () => {
    assert.equal(verifySignature(key.publicKey, bytes, signBytes(key, bytes)), true);
  });

  it('rejects other bytes', () => {
    assert.equal(verifySignature(key.publicKey, Buffer.from('hellO'), signBytes(key, bytes)), false);
  });

  it('rejects another key', () => {
    assert.equal(verifySignature(generateSigningKey().publicKey, bytes, signBytes(key, bytes)), false);
  });

  it('returns false for malformed input', () => {
    assert.equal(verifySignature('short', bytes, signBytes(key, bytes)), false);
    assert.equal(verifySignature(key.publicKey, bytes, '!!!'), false);
  });
});

describe('signJson', () => {
  const key = generateSigningKey('one');

  it('keeps signatures of other servers', () => {
    const other = generateSigningKey('two');
    const first = signJson({ a: 1 }, 'first.example', other);
    const both = signJson(first, 'second.example', key);
    assert.equal(verifyJsonSignature(both, 'first.example', other.keyId, other.publicKey), true);
    assert.equal(verifyJsonSignature(both, 'second.example', key.keyId, key.publicKey), true);
  });

  it('keeps unsigned out of the signature', () => {
    const signed = signJson({ a: 1, unsigned: { age: 5 } }, 'example.org', key);
    assert.deepEqual(signed.unsigned, { age: 5 });
    const changed = { ...signed, unsigned: { age: 999 } };
    assert.equal(verifyJsonSignature(changed, 'example.org', key.keyId, key.publicKey), true);
  });

  it('does not modify its input', () => {
    const input = { a: 1 };
    signJson(input, 'example.org', key);
    assert.equal(canonicalJson(input), '{"a":1}');
  });

  it('fails verification after a change', () => {
    const signed = signJson({ a: 1 }, 'example.org', key);
    assert.equal(verifyJsonSignature({ ...signed, a: 2 }, 'example.org', key.keyId, key.publicKey), false);
  });

  it('fails verification for a missing signature', () => {
    const signed = signJson({ a: 1 }, 'example.org', key);
    assert.equal(verifyJsonSignature(signed, 'other.org', key.keyId, key.publicKey), false);
    assert.equal(verifyJsonSignature(signed, 'example.org', 'ed25519:other', key.publicKey), false);
    assert.equal(verifyJsonSignature({ a: 1 }, 'example.org', key.keyId, key.publicKey), false);
  });
});
