import type { Db } from './database.js';
import type { ContentReportsTable } from './schema.js';

export type ReportKind = 'event' | 'room' | 'user';

export interface NewContentReport {
  kind: ReportKind;
  reporterId: string;
  roomId?: string;
  eventId?: string;
  targetUserId?: string;
  reason?: string;
  score?: number;
  receivedTs: number;
}

export interface ContentReport {
  id: number;
  kind: ReportKind;
  reporterId: string;
  roomId: string | null;
  eventId: string | null;
  targetUserId: string | null;
  reason: string | null;
  score: number | null;
  receivedTs: number;
}

export interface ReportListQuery {
  kind: ReportKind;
  offset: number;
  limit: number;
  newestFirst: boolean;
  reporterId?: string;
  roomId?: string;
}

/** Reports of events, rooms and users that users sent to the server admins. */
export class ContentReportStore {
  constructor(private readonly db: Db) {}

  /** Stores a report and returns its id. */
  async add(report: NewContentReport): Promise<number> {
    const row = await this.db.insertInto('content_reports').values({
      kind: report.kind,
      reporter_id: report.reporterId,
      room_id: report.roomId ?? null,
      event_id: report.eventId ?? null,
      target_user_id: report.targetUserId ?? null,
      reason: report.reason ?? null,
      score: report.score ?? null,
      received_ts: report.receivedTs,
    }).returning('id').executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /** Returns one page of reports of a kind, ordered by id, and the number of matching reports. */
  async list(query: ReportListQuery): Promise<{ reports: ContentReport[]; total: number }> {
    let select = this.db.selectFrom('content_reports').where('kind', '=', query.kind);
    if (query.reporterId !== undefined) select = select.where('reporter_id', '=', query.reporterId);
    if (query.roomId !== undefined) select = select.where('room_id', '=', query.roomId);
    const counted = await select.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirst();
    const rows = await select.selectAll()
      .orderBy('id', query.newestFirst ? 'desc' : 'asc')
      .limit(query.limit).offset(query.offset)
      .execute();
    return { reports: rows.map(toReport), total: Number(counted?.total ?? 0) };
  }

  /** Returns the report, or undefined when no report of that kind has the id. */
  async get(kind: ReportKind, id: number): Promise<ContentReport | undefined> {
    const row = await this.db.selectFrom('content_reports').selectAll().where('kind', '=', kind).where('id', '=', id).executeTakeFirst();
    return row && toReport(row);
  }

  /** Deletes the report; returns false when no report of that kind has the id. */
  async delete(kind: ReportKind, id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('content_reports').where('kind', '=', kind).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

function toReport(row: Omit<ContentReportsTable, 'id'> & { id: number }): ContentReport {
  return {
    id: Number(row.id),
    kind: row.kind as ReportKind,
    reporterId: row.reporter_id,
    roomId: row.room_id,
    eventId: row.event_id,
    targetUserId: row.target_user_id,
    reason: row.reason,
    score: row.score === null ? null : Number(row.score),
    receivedTs: Number(row.received_ts),
  };
}
