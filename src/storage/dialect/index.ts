import type { Kysely, Transaction } from 'kysely';

/**
 * The behaviours in which the two backends differ beyond SQL syntax, which Kysely already hides.
 * Stores write their queries once and ask the dialect only for these.
 */
export interface StorageDialect {
  readonly name: 'sqlite' | 'postgres';
  /**
   * Takes a lock, held until `trx` ends, that serialises writers of one room across processes.
   * SQLite needs none, because it has one writing process and the room writer's in-process mutex
   * already orders that process's writers.
   */
  lockRoom(trx: Transaction<any>, roomId: string): Promise<void>;
  /** True when the error is a violated primary key or unique constraint. */
  isUniqueViolation(error: unknown): boolean;
}

const dialects = new WeakMap<Kysely<any>, StorageDialect>();

export function registerDialect(db: Kysely<any>, dialect: StorageDialect): void {
  dialects.set(db, dialect);
}

/** Returns the dialect `db` was opened with; a Kysely instance not opened by openDatabase counts as SQLite. */
export function dialectOf(db: Kysely<any>): StorageDialect {
  return dialects.get(db) ?? sqliteFeatures;
}

export const sqliteFeatures: StorageDialect = {
  name: 'sqlite',
  async lockRoom() {},
  isUniqueViolation(error) {
    const code = (error as { code?: unknown } | null)?.code;
    return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
  },
};
