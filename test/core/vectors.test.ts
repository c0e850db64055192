// Reproduces the test vectors of the Matrix spec's appendices (unpadded Base64, canonical JSON,
// JSON signing and event signing) bit for bit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBase64, encodeBase64 } from '../../src/core/base64.js';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { computeContentHash, redactEvent, signEvent } from '../../src/core/event-format.js';
import { signJson, verifyJsonSignature } from '../../src/core/json-signing.js';
import { getRoomVersion, type RoomVersion } from '../../src/core/room-versions.js';
import { signingKeyFromSeed } from '../../src/core/signing-key.js';

/** The spec's test signing key; its seed has non-zero trailing bits, so it needs a lenient decoder. */
const SEED = 'YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1';
const PUBLIC_KEY = 'XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI';
const KEY = signingKeyFromSeed('1', decodeBase64(SEED));

function roomVersion(id: string): RoomVersion {
  const version = getRoomVersion(id);
  assert.ok(version, `room version ${id} is defined`);
  return version;
}

describe('unpadded Base64 vectors', () => {
  const table: Array<[string, string]> = [
    ['', ''],
    ['f', 'Zg'],
    ['fo', 'Zm8'],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg'],
    ['fooba', 'Zm9vYmE'],
    ['foobar', 'Zm9vYmFy'],
  ];
  for (const [input, output] of table) {
    it(`encodes ${JSON.stringify(input)}`, () => {
      assert.equal(encodeBase64(Buffer.from(input, 'ascii')), output);
    });
    it(`decodes ${JSON.stringify(output)} with and without padding`, () => {
      assert.equal(decodeBase64(output).toString('ascii'), input);
      const padded = output + '='.repeat((4 - (output.length % 4)) % 4);
      assert.equal(decodeBase64(padded).toString('ascii'), input);
    });
  }
});

describe('canonical JSON vectors', () => {
  const vector5Input = `{
    "auth": {
        "success": true,
        "mxid": "@john.doe:example.com",
        "profile": {
            "display_name": "John Doe",
            "three_pids": [
                { "medium": "email", "address": "john.doe@example.org" },
                { "medium": "msisdn", "address": "123456789" }
            ]
        }
    }
}`;
  const table: Array<[string, string, string]> = [
    ['1', '{}', '{}'],
    ['2', '{ "one": 1, "two": "Two" }', '{"one":1,"two":"Two"}'],
    ['3', '{ "b": "2", "a": "1" }', '{"a":"1","b":"2"}'],
    ['4', '{"b":"2","a":"1"}', '{"a":"1","b":"2"}'],
    [
      '5',
      vector5Input,
      '{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":[{"address":"john.doe@example.org","medium":"email"},{"address":"123456789","medium":"msisdn"}]},"success":true}}',
    ],
    ['6', '{ "a": "日本語" }', '{"a":"日本語"}'],
    ['7', '{ "本": 2, "日": 1 }', '{"日":1,"本":2}'],
    ['8', '{ "a": "\\u65E5" }', '{"a":"日"}'],
    ['9', '{ "a": null }', '{"a":null}'],
    ['10', '{ "a": -0, "b": 1e10 }', '{"a":0,"b":10000000000}'],
  ];
  for (const [number, input, output] of table) {
    it(`reproduces vector ${number}`, () => {
      assert.equal(canonicalJson(JSON.parse(input)), output);
    });
  }

  it('writes non-ASCII characters as raw UTF-8', () => {
    assert.deepEqual(Buffer.from(canonicalJson({ a: '日' }), 'utf8'), Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe6, 0x97, 0xa5, 0x22, 0x7d]));
  });
});

describe('signing key vector', () => {
  it('derives the public key from the seed', () => {
    assert.equal(KEY.publicKey, PUBLIC_KEY);
    assert.equal(KEY.keyId, 'ed25519:1');
  });
});

describe('JSON signing vectors', () => {
  it('signs an empty object (4a)', () => {
    const signed = signJson({}, 'domain', KEY);
    assert.deepEqual(signed, {
      signatures: {
        domain: { 'ed25519:1': 'K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ' },
      },
    });
    assert.equal(verifyJsonSignature(signed, 'domain', 'ed25519:1', PUBLIC_KEY), true);
  });

  it('signs an object with data (4b)', () => {
    const signed = signJson({ one: 1, two: 'Two' }, 'domain', KEY);
    assert.deepEqual(signed, {
      one: 1,
      signatures: {
        domain: { 'ed25519:1': 'KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw' },
      },
      two: 'Two',
    });
    assert.equal(verifyJsonSignature(signed, 'domain', 'ed25519:1', PUBLIC_KEY), true);
  });
});

/** Hashes and signs an event as the spec's event signing vectors do. */
function hashAndSign(event: Record<string, unknown>, version: RoomVersion): Record<string, unknown> {
  const hashed = { ...event, hashes: { sha256: computeContentHash(event) } };
  return signEvent(hashed, 'domain', KEY, version);
}

const MINIMAL_EVENT = {
  room_id: '!x:domain',
  sender: '@a:domain',
  origin: 'domain',
  origin_server_ts: 1000000,
  signatures: {},
  hashes: {},
  type: 'X',
  content: {},
  prev_events: [],
  auth_events: [],
  depth: 3,
  unsigned: { age_ts: 1000000 },
};

const MESSAGE_EVENT = {
  content: { body: 'Here is the message content' },
  event_id: '$0:domain',
  origin: 'domain',
  origin_server_ts: 1000000,
  type: 'm.room.message',
  room_id: '!r:domain',
  sender: '@u:domain',
  signatures: {},
  unsigned: { age_ts: 1000000 },
};

describe('event signing vectors', () => {
  it('signs a minimal event (5a)', () => {
    const signed = hashAndSign(MINIMAL_EVENT, roomVersion('1'));
    assert.deepEqual(signed, {
      auth_events: [],
      content: {},
      depth: 3,
      hashes: { sha256: '5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos' },
      origin: 'domain',
      origin_server_ts: 1000000,
      prev_events: [],
      room_id: '!x:domain',
      sender: '@a:domain',
      signatures: {
        domain: { 'ed25519:1': 'KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg' },
      },
      type: 'X',
      unsigned: { age_ts: 1000000 },
    });
  });

  it('signs an event with redactable content (5b)', () => {
    const signed = hashAndSign(MESSAGE_EVENT, roomVersion('1'));
    assert.deepEqual(signed, {
      content: { body: 'Here is the message content' },
      event_id: '$0:domain',
      hashes: { sha256: 'onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g' },
      origin: 'domain',
      origin_server_ts: 1000000,
      type: 'm.room.message',
      room_id: '!r:domain',
      sender: '@u:domain',
      signatures: {
        domain: { 'ed25519:1': 'Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUwu6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA' },
      },
      unsigned: { age_ts: 1000000 },
    });
  });

  it('hashes the documented content-hash input bytes (5a, 5b)', () => {
    const { unsigned: _u, signatures: _s, hashes: _h, ...minimal } = MINIMAL_EVENT;
    assert.equal(
      canonicalJson(minimal),
      '{"auth_events":[],"content":{},"depth":3,"origin":"domain","origin_server_ts":1000000,"prev_events":[],"room_id":"!x:domain","sender":"@a:domain","type":"X"}',
    );
    const { unsigned: _u2, signatures: _s2, ...message } = MESSAGE_EVENT;
    assert.equal(
      canonicalJson(message),
      '{"content":{"body":"Here is the message content"},"event_id":"$0:domain","origin":"domain","origin_server_ts":1000000,"room_id":"!r:domain","sender":"@u:domain","type":"m.room.message"}',
    );
  });

  it('signs the documented redacted bytes (5b)', () => {
    const hashed = { ...MESSAGE_EVENT, hashes: { sha256: computeContentHash(MESSAGE_EVENT) } };
    const { signatures: _s, ...redacted } = redactEvent(hashed, roomVersion('10'));
    assert.equal(
      canonicalJson(redacted),
      '{"content":{},"event_id":"$0:domain","hashes":{"sha256":"onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g"},"origin":"domain","origin_server_ts":1000000,"room_id":"!r:domain","sender":"@u:domain","type":"m.room.message"}',
    );
  });

  it('gives the same signatures under every version from 1 to 10', () => {
    for (const id of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']) {
      const signed = hashAndSign(MINIMAL_EVENT, roomVersion(id)) as { signatures: Record<string, Record<string, string>> };
      assert.equal(signed.signatures['domain']?.['ed25519:1'], 'KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg', `room version ${id}`);
    }
  });

  it('pins the version 11 signatures, which drop origin', () => {
    for (const id of ['11', '12']) {
      const minimal = hashAndSign(MINIMAL_EVENT, roomVersion(id)) as { signatures: Record<string, Record<string, string>>; hashes: unknown };
      assert.equal(minimal.signatures['domain']?.['ed25519:1'], 'Jxp+1glFcZM+nnHpY0EkedRR7u0VmKsJYGnQqIvqus3UvL5X/p1y6wSkLhGoTBel6MZ9lrMIzUqrjqFquWJKBw', `5a in room version ${id}`);
      assert.deepEqual(minimal.hashes, { sha256: '5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos' });
      const message = hashAndSign(MESSAGE_EVENT, roomVersion(id)) as { signatures: Record<string, Record<string, string>>; hashes: unknown };
      assert.equal(message.signatures['domain']?.['ed25519:1'], '4WQB/6LN2OtkUN/+18xUNB/U4RTX1N3EeKBdlCxux08YO8izKDrSRqML1XB8V97IK7AujkNO1xMl7TaBLA4kDw', `5b in room version ${id}`);
      assert.deepEqual(message.hashes, { sha256: 'onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g' });
    }
  });
});
