import { MatrixError } from '../core/errors.js';
import type { ContentReport, ContentReportStore } from '../storage/content-reports.js';
import type { EventStore } from '../storage/events.js';

export interface EventReportListQuery {
  offset: number;
  limit: number;
  newestFirst: boolean;
  reporterId?: string;
  roomId?: string;
}

/**
 * Event reports for Synapse's admin API (`/_synapse/admin/v1/event_reports`), field for field.
 * NOTE: room and user reports are stored too, but this admin API lists event reports only, so
 * only the server log shows the others.
 */
export class EventReportAdmin {
  constructor(
    private readonly reports: ContentReportStore,
    private readonly events: EventStore,
  ) {}

  /** Returns a page of event reports and the body's `total` and `next_token`. */
  async list(query: EventReportListQuery): Promise<Record<string, unknown>> {
    const page = await this.reports.list({ kind: 'event', ...query });
    const body: Record<string, unknown> = {
      event_reports: await Promise.all(page.reports.map((report) => this.describe(report))),
      total: page.total,
    };
    if (query.offset + page.reports.length < page.total) body.next_token = query.offset + page.reports.length;
    return body;
  }

  /** Returns one event report with the reported event's JSON; 404 when no event report has the id. */
  async get(id: number): Promise<Record<string, unknown>> {
    const report = await this.reports.get('event', id);
    if (!report) throw new MatrixError('M_NOT_FOUND', `No event report has id ${id}.`);
    const event = report.eventId === null ? undefined : await this.events.getEvent(report.eventId);
    return { ...(await this.describe(report)), event_json: event?.json ?? null };
  }

  /** Deletes one event report; 404 when no event report has the id. */
  async delete(id: number): Promise<void> {
    if (!(await this.reports.delete('event', id))) throw new MatrixError('M_NOT_FOUND', `No event report has id ${id}.`);
  }

  private async describe(report: ContentReport): Promise<Record<string, unknown>> {
    const roomId = report.roomId ?? '';
    const state = await this.events.getCurrentState(roomId, ['m.room.name', 'm.room.canonical_alias']);
    const content = (type: string) => state.find((event) => event.type === type)?.json.content as Record<string, unknown> | undefined;
    const event = report.eventId === null ? undefined : await this.events.getEvent(report.eventId);
    const name = content('m.room.name')?.name;
    const alias = content('m.room.canonical_alias')?.alias;
    return {
      id: report.id,
      received_ts: report.receivedTs,
      room_id: report.roomId,
      name: typeof name === 'string' ? name : null,
      event_id: report.eventId,
      user_id: report.reporterId,
      reason: report.reason,
      score: report.score,
      // The reported event is gone when its room was purged.
      sender: event?.sender ?? null,
      canonical_alias: typeof alias === 'string' ? alias : null,
    };
  }
}
