import { PostgresAdapter, type Kysely } from 'kysely';

/**
 * Creates `content_reports`: what users reported to the server admins through the Report Content
 * API. `kind` is `event`, `room` or `user`; an event report sets `room_id` and `event_id`, a room
 * report `room_id`, a user report `target_user_id`. `id` counts up from 1, because the admin API
 * addresses event reports by an integer id, as Synapse's does.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // SQLite's AUTOINCREMENT and PostgreSQL's bigserial both hand out increasing ids that are
  // never reused after a delete.
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema.createTable('content_reports')
    .addColumn('id', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('reporter_id', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text')
    .addColumn('event_id', 'text')
    .addColumn('target_user_id', 'text')
    .addColumn('reason', 'text')
    .addColumn('score', 'integer')
    .addColumn('received_ts', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('content_reports_kind').on('content_reports').columns(['kind', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('content_reports').execute();
}
