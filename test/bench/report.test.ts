import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatNumber, markdownTable } from '../../bench/report.js';

describe('markdownTable', () => {
  it('formats header, alignment and rows', () => {
    const table = markdownTable(['name', 'ms'], [['send', 1.25], ['sync', 10]]);
    assert.equal(table, [
      '| name | ms |',
      '| --- | ---: |',
      '| send | 1.3 |',
      '| sync | 10 |',
    ].join('\n'));
  });

  it('escapes pipes and newlines in cells', () => {
    const table = markdownTable(['text'], [['a|b\nc']]);
    assert.equal(table.split('\n')[2], '| a\\|b c |');
  });

  it('shows missing numbers as n/a', () => {
    const table = markdownTable(['ms'], [[undefined], [Number.NaN]]);
    assert.deepEqual(table.split('\n').slice(2), ['| n/a |', '| n/a |']);
  });

  it('left-aligns a column with any text', () => {
    const table = markdownTable(['mixed'], [[1], ['two']]);
    assert.equal(table.split('\n')[1], '| --- |');
  });

  it('rejects a row of the wrong width', () => {
    assert.throws(() => markdownTable(['a', 'b'], [['only one']]), /row 0 has 1 cells, expected 2/);
  });

  it('renders a header for no rows', () => {
    assert.equal(markdownTable(['a'], []), '| a |\n| --- |');
  });
});

describe('formatNumber', () => {
  it('drops trailing zeros', () => {
    assert.equal(formatNumber(2.0), '2');
    assert.equal(formatNumber(2.345, 2), '2.35');
  });

  it('shows NaN and undefined as n/a', () => {
    assert.equal(formatNumber(Number.NaN), 'n/a');
    assert.equal(formatNumber(undefined), 'n/a');
  });
});
