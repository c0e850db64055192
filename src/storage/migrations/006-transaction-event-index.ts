import type { Kysely } from 'kysely';

/**
 * Indexes client transaction ids by event. /sync looks up the sender's transaction id for each
 * timeline event; without this index every lookup scanned all transactions the device ever sent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('event_transactions_event').on('event_transactions').column('event_id').execute();
}
