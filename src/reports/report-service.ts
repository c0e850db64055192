import { MatrixError } from '../core/errors.js';
import type { Logger } from '../logging.js';
import type { ContentReportStore } from '../storage/content-reports.js';
import type { EventStore } from '../storage/events.js';
import type { UserStore } from '../storage/users.js';

export interface ReportServiceDeps {
  reports: ContentReportStore;
  events: EventStore;
  users: UserStore;
  logger: Logger;
  now?: () => number;
}

export interface ReportInput {
  reason?: string;
  score?: number;
}

// Long enough for a few paragraphs, because a report is a note to the admins, not a document.
export const MAX_REASON_LENGTH = 2000;
// Older spec versions defined `score` from -100 (most offensive) to 0 (inoffensive).
const MIN_SCORE = -100;
const MAX_SCORE = 0;

/**
 * Receives reports of events, rooms and users for the server admins, who read them through the
 * admin API. Each stored report is logged with its ids, without the reason text.
 */
export class ReportService {
  private readonly now: () => number;

  constructor(private readonly deps: ReportServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Stores a report of an event. The reporter must be joined to the room. An unknown event, an
   * event of another room and a room the reporter is not joined to all get the spec's same 404.
   */
  async reportEvent(reporterId: string, roomId: string, eventId: string, input: ReportInput): Promise<void> {
    checkInput(input);
    const membership = await this.deps.events.getMembership(roomId, reporterId);
    const event = await this.deps.events.getEvent(eventId);
    if (membership?.membership !== 'join' || !event || event.roomId !== roomId) {
      throw new MatrixError('M_NOT_FOUND', `Event ${eventId} was not found, or you are not joined to room ${roomId}.`);
    }
    const id = await this.deps.reports.add({ kind: 'event', reporterId, roomId, eventId, reason: input.reason, score: input.score, receivedTs: this.now() });
    this.deps.logger.info({ reportId: id, reporterId, roomId, eventId }, 'event reported');
  }

  /** Stores a report of a room, whether or not the reporter is in it. Unknown rooms are 404. */
  async reportRoom(reporterId: string, roomId: string, input: ReportInput): Promise<void> {
    checkInput(input);
    if (!(await this.deps.events.getRoom(roomId))) throw new MatrixError('M_NOT_FOUND', `Room ${roomId} was not found.`);
    const id = await this.deps.reports.add({ kind: 'room', reporterId, roomId, reason: input.reason, receivedTs: this.now() });
    this.deps.logger.info({ reportId: id, reporterId, roomId }, 'room reported');
  }

  /** Stores a report of a user of this server, shared rooms or not. Unknown users are 404. */
  async reportUser(reporterId: string, targetUserId: string, input: ReportInput): Promise<void> {
    checkInput(input);
    if (!(await this.deps.users.get(targetUserId))) throw new MatrixError('M_NOT_FOUND', `User ${targetUserId} was not found.`);
    const id = await this.deps.reports.add({ kind: 'user', reporterId, targetUserId, reason: input.reason, receivedTs: this.now() });
    this.deps.logger.info({ reportId: id, reporterId, targetUserId }, 'user reported');
  }
}

function checkInput(input: ReportInput): void {
  if (input.reason !== undefined && input.reason.length > MAX_REASON_LENGTH) {
    throw new MatrixError('M_INVALID_PARAM', `"reason" is ${input.reason.length} characters long; shorten it to at most ${MAX_REASON_LENGTH}.`);
  }
  if (input.score !== undefined && (!Number.isInteger(input.score) || input.score < MIN_SCORE || input.score > MAX_SCORE)) {
    throw new MatrixError('M_INVALID_PARAM', `"score" must be an integer from ${MIN_SCORE} to ${MAX_SCORE}, not ${input.score}.`);
  }
}
