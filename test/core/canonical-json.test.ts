import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBase64, encodeBase64, encodeUrlSafeBase64 } from '../../src/core/base64.js';
import { canonicalJson, compareCodePoints } from '../../src/core/canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys by code point, not UTF-16 unit', () => {
    // U+E000 is below U+10000 as a code point, but U+10000's first UTF-16 unit (0xD800) is below 0xE000.
    const privateUse = '\uE000';
    const astral = '\u{10000}';
    assert.equal(canonicalJson({ [astral]: 2, [privateUse]: 1 }), `{"${privateUse}":1,"${astral}":2}`);
    assert.ok(astral < privateUse, 'JavaScript string order differs, so the test can tell them apart');
  });

  it('orders a key before its extensions', () => {
    assert.equal(canonicalJson({ ab: 2, a: 1, b: 3 }), '{"a":1,"ab":2,"b":3}');
  });

  it('sorts nested objects and keeps array order', () => {
    assert.equal(canonicalJson({ z: [{ b: 1, a: 2 }, 3], y: { d: null, c: true } }), '{"y":{"c":true,"d":null},"z":[{"a":2,"b":1},3]}');
  });

  it('rejects floats', () => {
    assert.throws(() => canonicalJson({ a: 1.5 }), /integers/);
  });

  it('rejects NaN and infinities', () => {
    assert.throws(() => canonicalJson([Number.NaN]), /integers/);
    assert.throws(() => canonicalJson([Number.POSITIVE_INFINITY]), /integers/);
  });

  it('accepts the integer range limits', () => {
    assert.equal(canonicalJson([2 ** 53 - 1, -(2 ** 53) + 1]), '[9007199254740991,-9007199254740991]');
  });

  it('rejects integers outside the range', () => {
    assert.throws(() => canonicalJson({ a: 2 ** 53 }), /integers/);
    assert.throws(() => canonicalJson({ a: -(2 ** 53) }), /integers/);
  });

  it('writes negative zero as zero', () => {
    assert.equal(canonicalJson({ a: -0 }), '{"a":0}');
  });

  it('uses only the grammar escapes', () => {
    assert.equal(canonicalJson('\b\t\n\f\r"\\\u0001\u001f/é'), '"\\b\\t\\n\\f\\r\\"\\\\\\u0001\\u001f/é"');
  });

  it('rejects values JSON cannot represent', () => {
    assert.throws(() => canonicalJson({ a: 1n }), /bigint/);
    assert.throws(() => canonicalJson({ a: () => 1 }), /function/);
  });
});

describe('compareCodePoints', () => {
  it('compares by code point', () => {
    assert.ok(compareCodePoints('\uE000', '\u{10000}') < 0);
    assert.ok(compareCodePoints('b', 'a') > 0);
    assert.equal(compareCodePoints('same', 'same'), 0);
    assert.ok(compareCodePoints('a', 'ab') < 0);
  });
});

describe('Base64', () => {
  it('encodes URL-safe without padding', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0xfe]);
    assert.equal(encodeUrlSafeBase64(bytes), '-__-');
    assert.equal(encodeBase64(bytes), '+//+');
    assert.equal(encodeUrlSafeBase64(Buffer.from('f')), 'Zg');
  });

  it('decodes both alphabets, padded or not', () => {
    const expected = Buffer.from([0xfb, 0xff, 0xfe, 0x01]);
    for (const text of ['+//+AQ', '+//+AQ==', '-__-AQ', '-__-AQ==']) {
      assert.deepEqual(decodeBase64(text), expected, text);
    }
  });

  it('encodes a view into a larger buffer', () => {
    const whole = Buffer.from('xxfooxx');
    assert.equal(encodeBase64(whole.subarray(2, 5)), 'Zm9v');
  });

  it('rejects invalid characters', () => {
    assert.throws(() => decodeBase64('Zm9v!'), /Invalid Base64/);
    assert.throws(() => decodeBase64('Zm 9v'), /Invalid Base64/);
  });

  it('rejects an impossible length', () => {
    assert.throws(() => decodeBase64('Zm9vY'), /Invalid Base64/);
  });
});
