import { sql, type Transaction } from 'kysely';
import type { Db } from './database.js';
import type { DatabaseSchema } from './schema.js';

/**
 * Allocates the next position of the one stream that orders events, account data and receipts.
 * Callers run it inside the transaction that writes the row, so a position is never visible
 * before the data it stands for; SQLite's single writer keeps allocation and commit in order.
 */
export async function allocateStreamPosition(trx: Transaction<DatabaseSchema>): Promise<number> {
  const row = await trx.updateTable('stream_counter')
    .set({ position: sql<number>`position + 1` })
    .where('name', '=', 'main')
    .returning('position')
    .executeTakeFirstOrThrow();
  return Number(row.position);
}

/** The newest allocated position; everything at or below it is committed. */
export async function currentStreamPosition(db: Db): Promise<number> {
  const row = await db.selectFrom('stream_counter').select('position').where('name', '=', 'main').executeTakeFirstOrThrow();
  return Number(row.position);
}
