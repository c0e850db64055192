import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isValidEventId,
  isValidLocalpart,
  isValidNewUserId,
  isValidRoomAlias,
  isValidRoomId,
  isValidServerName,
  isValidUserId,
  makeUserId,
  parseUserId,
  serverNameOf,
} from '../../src/core/identifiers.js';

describe('isValidServerName', () => {
  it('accepts the examples of the grammar', () => {
    for (const name of ['matrix.org', 'matrix.org:8888', '1.2.3.4', '1.2.3.4:1234', '[1234:5678::abcd]', '[1234:5678::abcd]:5678']) {
      assert.equal(isValidServerName(name), true, name);
    }
  });

  it('accepts other valid forms', () => {
    for (const name of ['localhost', 'LOCALHOST', 'a-b.example', '[::1]', '[::ffff:1.2.3.4]:8448', '[1:2:3:4:5:6:7:8]', 'example.org:65535']) {
      assert.equal(isValidServerName(name), true, name);
    }
  });

  it('rejects invalid names', () => {
    const invalid = [
      '',
      'under_score.org',
      'exa mple.org',
      'example.org:',
      'example.org:123456',
      'example.org:port',
      '256.1.1.1',
      '1.2.3',
      '[1234:5678::abcd',
      '[12345::1]',
      '[1:2:3:4:5:6:7:8:9]',
      '[1::2::3]',
      '1234:5678::abcd',
      'a'.repeat(256),
    ];
    for (const name of invalid) {
      assert.equal(isValidServerName(name), false, name);
    }
  });
});

describe('user ids', () => {
  it('parses localpart and server name', () => {
    assert.deepEqual(parseUserId('@alice:example.org'), { localpart: 'alice', serverName: 'example.org' });
    assert.deepEqual(parseUserId('@bob:[::1]:8448'), { localpart: 'bob', serverName: '[::1]:8448' });
  });

  it('accepts historical localparts', () => {
    for (const id of ['@Alice:example.org', '@:example.org', '@日本:example.org', '@a b!:example.org']) {
      assert.equal(isValidUserId(id), true, id);
    }
  });

  it('rejects malformed ids', () => {
    for (const id of ['alice:example.org', '@alice', '@alice:', '@alice:bad_server', '@a\u0000b:example.org', '@\uD800:example.org', '#alice:example.org']) {
      assert.equal(isValidUserId(id), false, JSON.stringify(id));
    }
  });

  it('limits ids to 255 bytes', () => {
    const server = 'example.org';
    const fits = `@${'a'.repeat(255 - 2 - server.length)}:${server}`;
    assert.equal(Buffer.byteLength(fits), 255);
    assert.equal(isValidUserId(fits), true);
    assert.equal(isValidUserId(`@a${fits.slice(1)}`), false);
    // Multi-byte characters count in UTF-8 bytes, not characters.
    assert.equal(isValidUserId(`@${'é'.repeat(122)}:${server}`), false);
  });

  it('checks new localparts against the current grammar', () => {
    for (const localpart of ['alice', 'a.b_c=d-e/f+g', '0123']) {
      assert.equal(isValidLocalpart(localpart), true, localpart);
    }
    for (const localpart of ['', 'Alice', 'a b', 'a:b', 'é', 'a*b', 'a@b']) {
      assert.equal(isValidLocalpart(localpart), false, localpart);
    }
    assert.equal(isValidNewUserId('@alice:example.org'), true);
    assert.equal(isValidNewUserId('@Alice:example.org'), false);
  });

  it('builds new user ids', () => {
    assert.equal(makeUserId('alice', 'example.org'), '@alice:example.org');
    assert.throws(() => makeUserId('Alice', 'example.org'), /Invalid user id localpart/);
    assert.throws(() => makeUserId('alice', 'bad_host'), /Invalid server name/);
    assert.throws(() => makeUserId('a'.repeat(250), 'example.org'), /exceeds 255 bytes/);
  });
});

describe('room ids, aliases and event ids', () => {
  it('accepts both room id forms', () => {
    assert.equal(isValidRoomId('!abc123:example.org'), true);
    assert.equal(isValidRoomId('!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ'), true);
  });

  it('rejects malformed room ids', () => {
    for (const id of ['abc:example.org', '!abc', '!:example.org', '!abc:', '!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpY', '!Nhcu5BS+UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ']) {
      assert.equal(isValidRoomId(id), false, id);
    }
  });

  it('checks room aliases', () => {
    assert.equal(isValidRoomAlias('#room:example.org'), true);
    assert.equal(isValidRoomAlias('#日本:example.org'), true);
    assert.equal(isValidRoomAlias('room:example.org'), false);
    assert.equal(isValidRoomAlias('#room'), false);
    assert.equal(isValidRoomAlias(`#${'a'.repeat(250)}:example.org`), false);
  });

  it('checks event ids of every format', () => {
    for (const id of ['$abc:example.org', '$acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk', '$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg']) {
      assert.equal(isValidEventId(id), true, id);
    }
    for (const id of ['', '$', 'abc', '!abc:example.org', '$a\u0000b', `$${'a'.repeat(255)}`]) {
      assert.equal(isValidEventId(id), false, JSON.stringify(id));
    }
  });

  it('extracts server names', () => {
    assert.equal(serverNameOf('@u:example.org:8448'), 'example.org:8448');
    assert.equal(serverNameOf('!r:example.org'), 'example.org');
    assert.equal(serverNameOf('#a:example.org'), 'example.org');
    assert.equal(serverNameOf('$e:example.org'), 'example.org');
    assert.equal(serverNameOf('$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg'), undefined);
    assert.equal(serverNameOf('u:example.org'), undefined);
  });
});
