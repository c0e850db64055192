import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidLocalpart, makeUserId } from '../../src/core/identifiers.js';
import { localpartCandidate, mapSubjectToLocalpart } from '../../src/identity/mapping.js';

const SERVER = 'localhost';

describe('mapSubjectToLocalpart', () => {
  const cases: Array<[string, string]> = [
    ['alice', 'alice'],
    ['Bob Smith', 'bob=20smith'],
    ["o'brien", 'o=27brien'],
    ['alice@example.org', 'alice=40example.org'],
    ['886a5ce4-0f51-1039-81c3-0782ea7e0000', '886a5ce4-0f51-1039-81c3-0782ea7e0000'],
    ['Müller', 'm=c3=bcller'],
    ['12345', 'u12345'],
    ['_svc', '=5fsvc'],
    ['a_b', 'a_b'],
    ['a=b', 'a=3db'],
    ['ALICE', 'alice'],
    ['MiXeD.Case-Id', 'mixed.case-id'],
    ['path/with+plus', 'path/with+plus'],
    [' lead', '=20lead'],
  ];
  for (const [subject, expected] of cases) {
    it(`maps ${JSON.stringify(subject)} to ${expected}`, () => {
      assert.equal(mapSubjectToLocalpart(subject, SERVER), expected);
    });
  }

  it('keeps a 64-character id whole', () => {
    const subject = 'a'.repeat(32) + 'B'.repeat(32);
    const localpart = mapSubjectToLocalpart(subject, SERVER);
    assert.equal(localpart, 'a'.repeat(32) + 'b'.repeat(32));
  });

  it('escapes a 64-byte id of spaces and apostrophes to 192 bytes', () => {
    const subject = "x '".repeat(21) + 'y';
    const localpart = mapSubjectToLocalpart(subject, SERVER);
    assert.equal(localpart.length, 21 * 7 + 1);
    assert.ok(isValidLocalpart(localpart));
  });

  it('cuts very long non-ASCII ids to 255 bytes with a hash', () => {
    const subject = 'Ωmega-'.repeat(60);
    const localpart = mapSubjectToLocalpart(subject, SERVER);
    const userId = makeUserId(localpart, SERVER);
    assert.ok(Buffer.byteLength(userId, 'utf8') <= 255, `${userId.length} bytes`);
    assert.ok(isValidLocalpart(localpart), localpart);
    assert.match(localpart, /-[0-9a-f]{12}$/);
    assert.doesNotMatch(localpart, /=[0-9a-f]?-[0-9a-f]{12}$/, 'no escape is split by the cut');
  });

  it('keeps long ids that differ only at the end apart', () => {
    const first = mapSubjectToLocalpart(`${'é'.repeat(100)}1`, SERVER);
    const second = mapSubjectToLocalpart(`${'é'.repeat(100)}2`, SERVER);
    assert.notEqual(first, second);
  });

  it('leaves room for a long server name', () => {
    const serverName = `${'s'.repeat(120)}.example.org`;
    const localpart = mapSubjectToLocalpart('x'.repeat(200), serverName);
    assert.equal(Buffer.byteLength(makeUserId(localpart, serverName), 'utf8'), 255);
  });

  it('rejects an empty subject', () => {
    assert.throws(() => mapSubjectToLocalpart('', SERVER), /empty subject/);
  });

  it('rejects a whitespace-only subject', () => {
    assert.throws(() => mapSubjectToLocalpart(' \t ', SERVER), /empty subject/);
  });
});

describe('localpartCandidate', () => {
  it('numbers collisions from 1', () => {
    assert.equal(localpartCandidate('alice', 0, SERVER), 'alice');
    assert.equal(localpartCandidate('alice', 1, SERVER), 'alice1');
    assert.equal(localpartCandidate('alice', 12, SERVER), 'alice12');
  });

  it('shortens a maximal base to fit the suffix', () => {
    const base = mapSubjectToLocalpart('z'.repeat(300), SERVER);
    const candidate = localpartCandidate(base, 7, SERVER);
    assert.equal(Buffer.byteLength(makeUserId(candidate, SERVER), 'utf8'), 255);
    assert.ok(candidate.endsWith('7'));
  });
});
