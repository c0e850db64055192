import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGlob, compileLiteral, matchesWhole, matchesWords } from '../../src/push/glob.js';
import { lookupProperty, splitPropertyPath } from '../../src/push/property-path.js';

describe('matchesWhole', () => {
  const cases: Array<[string, string, boolean]> = [
    ['lunc?*', 'Lunch plans', true],
    ['lunc?*', 'LUNCH', true],
    ['lunc?*', ' lunch', false],
    ['lunc?*', 'lunc', false],
    ['*', '', true],
    ['', '', true],
    ['', 'a', false],
    ['a**b', 'ab', true],
    ['m.room.*', 'm.room.message', true],
    ['m.room.*', 'm.roomXmessage', false],
    ['?', '😀', true],
    ['ÄPFEL', 'äpfel', true],
    ['a*b*c', 'a\nb\nc', true],
  ];
  for (const [pattern, value, expected] of cases) {
    it(`${JSON.stringify(pattern)} on ${JSON.stringify(value)} is ${expected}`, () => {
      assert.equal(matchesWhole(compileGlob(pattern), value), expected);
    });
  }
});

describe('matchesWords', () => {
  const cases: Array<[string, string, boolean]> = [
    ['ex*ple', 'An example event.', true],
    ['ex*ple', 'exple', true],
    ['ex*ple', 'An exciting triple-whammy', true],
    ['ex*ple', 'examples', false],
    ['cake', 'pancake', false],
    ['cake', 'cake_walk', false],
    ['cake', 'cake-walk', true],
    ['cake', 'üCAKEü', true],
    ['@room', 'hi @room!', true],
    ['@room', 'x@room', false],
  ];
  for (const [pattern, value, expected] of cases) {
    it(`${JSON.stringify(pattern)} in ${JSON.stringify(value)} is ${expected}`, () => {
      assert.equal(matchesWords(compileGlob(pattern), value), expected);
    });
  }

  it('literal treats wildcards as text', () => {
    assert.equal(matchesWords(compileLiteral('a*b'), 'see a*b now'), true);
    assert.equal(matchesWords(compileLiteral('a*b'), 'see axxb now'), false);
  });

  it('many stars on a long body stay fast', () => {
    const body = 'a'.repeat(50_000);
    const started = performance.now();
    assert.equal(matchesWords(compileGlob('*a*a*a*a*a*a*a*a*b'), body), false);
    assert.ok(performance.now() - started < 2_000, 'matching took longer than 2 seconds');
  });
});

describe('property paths', () => {
  it('splits on unescaped dots', () => {
    assert.deepEqual(splitPropertyPath('content.m\\.relates_to.rel_type'), ['content', 'm.relates_to', 'rel_type']);
  });

  it('unescapes backslashes', () => {
    assert.deepEqual(splitPropertyPath('content.m\\\\foo'), ['content', 'm\\foo']);
  });

  it('keeps other escapes literally', () => {
    assert.deepEqual(splitPropertyPath('content.a\\xb'), ['content', 'a\\xb']);
  });

  it('looks up own properties only', () => {
    const event = { content: { 'm.mentions': { room: true } } };
    assert.equal(lookupProperty(event, 'content.m\\.mentions.room'), true);
    assert.equal(lookupProperty(event, 'content.constructor'), undefined);
    assert.equal(lookupProperty(event, 'content.m\\.mentions.room.x'), undefined);
  });
});
