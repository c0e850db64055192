// The prepared-statement cache in front of better-sqlite3, from which kysely's SQLite driver
// requests a statement for every query.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type Generated } from 'kysely';
import { withStatementCache } from '../../src/storage/dialect/statement-cache.js';

function openMemoryDatabase(): Database.Database {
  const database = new Database(':memory:');
  database.exec('create table items (id integer primary key, name text not null)');
  database.exec("insert into items (name) values ('a'), ('b'), ('c')");
  return database;
}

describe('statement cache', () => {
  test('same SQL gives same statement', () => {
    const cache = withStatementCache(openMemoryDatabase(), 10);
    const first = cache.prepare('select name from items where id = ?');
    const second = cache.prepare('select name from items where id = ?');
    assert.equal(first, second);
    assert.notEqual(cache.prepare('select id from items where name = ?'), first);
    cache.close();
  });

  test('least recently used statement is evicted', () => {
    const cache = withStatementCache(openMemoryDatabase(), 2);
    const selectOne = cache.prepare('select 1');
    const selectTwo = cache.prepare('select 2');
    // Using "select 1" again makes "select 2" the least recently used entry.
    assert.equal(cache.prepare('select 1'), selectOne);
    cache.prepare('select 3');
    assert.equal(cache.prepare('select 1'), selectOne, 'a recently used statement stays');
    assert.notEqual(cache.prepare('select 2'), selectTwo, 'the least recently used statement was prepared again');
    cache.close();
  });

  test('iterating statement is not shared', () => {
    const cache = withStatementCache(openMemoryDatabase(), 10);
    const text = 'select name from items order by id';
    const outer = cache.prepare(text);
    const names: string[] = [];
    for (const row of outer.iterate([]) as Iterable<{ name: string }>) {
      const inner = cache.prepare(text);
      assert.notEqual(inner, outer, 'a busy statement is not handed out again');
      assert.equal((inner.all([]) as unknown[]).length, 3);
      names.push(row.name);
    }
    assert.deepEqual(names, ['a', 'b', 'c']);
    assert.equal(cache.prepare(text), outer, 'the statement is shared again once its iterator is done');
    cache.close();
  });

  test('kysely reads its writes through cache', async () => {
    const db = new Kysely<{ items: { id: Generated<number>; name: string } }>({
      dialect: new SqliteDialect({ database: withStatementCache(openMemoryDatabase(), 10) }),
    });
    for (const name of ['d', 'e']) {
      await db.insertInto('items').values({ name }).execute();
    }
    const rows = await db.selectFrom('items').select('name').orderBy('id').execute();
    assert.deepEqual(rows.map((row) => row.name), ['a', 'b', 'c', 'd', 'e']);

    const streamed: string[] = [];
    for await (const row of db.selectFrom('items').select('name').where('id', '<', 3).orderBy('id').stream()) {
      streamed.push(row.name);
    }
    assert.deepEqual(streamed, ['a', 'b']);
    const counted = await sql<{ count: number }>`select count(*) as count from items`.execute(db);
    assert.equal(counted.rows[0]?.count, 5);
    await db.destroy();
  });
});
