import type { Db } from './database.js';
import { allocateStreamPosition } from './stream.js';

/**
 * Allocates a stream position for a change that is kept outside the database, such as typing or
 * presence, so /sync tokens stay one number that orders every kind of change.
 */
export async function allocateEphemeralPosition(db: Db): Promise<number> {
  return db.transaction().execute((trx) => allocateStreamPosition(trx));
}
