import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MatrixError } from '../../core/errors.js';
import { isValidUserId } from '../../core/identifiers.js';
import type { ReportService } from '../../reports/report-service.js';
import { requireSession } from '../auth.js';
import { checkRoomId } from './rooms.js';

export interface ReportRouteDeps {
  reports: ReportService;
}

// `score` left the spec in v1.18; clients written for older versions still send it.
const EventReportBody = Type.Object({ reason: Type.Optional(Type.String()), score: Type.Optional(Type.Number()) });
const ReportBody = Type.Object({ reason: Type.String() });

export function registerReportRoutes(app: FastifyInstance, deps: ReportRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };

  /** POST /_matrix/client/v3/rooms/{roomId}/report/{eventId}: reports an event of a room the user is joined to. */
  app.post<{ Params: { roomId: string; eventId: string }; Body: Static<typeof EventReportBody> }>(
    '/_matrix/client/v3/rooms/:roomId/report/:eventId',
    { ...authed, schema: { body: EventReportBody } },
    async (request) => {
      const session = requireSession(request);
      const { reason, score } = request.body;
      await deps.reports.reportEvent(session.userId, checkRoomId(request.params.roomId), request.params.eventId, { reason, score });
      return {};
    },
  );

  /** POST /_matrix/client/v3/rooms/{roomId}/report: reports a room, joined or not. */
  app.post<{ Params: { roomId: string }; Body: Static<typeof ReportBody> }>(
    '/_matrix/client/v3/rooms/:roomId/report',
    { ...authed, schema: { body: ReportBody } },
    async (request) => {
      const session = requireSession(request);
      await deps.reports.reportRoom(session.userId, checkRoomId(request.params.roomId), { reason: request.body.reason });
      return {};
    },
  );

  /** POST /_matrix/client/v3/users/{userId}/report: reports a user of this server. */
  app.post<{ Params: { userId: string }; Body: Static<typeof ReportBody> }>(
    '/_matrix/client/v3/users/:userId/report',
    { ...authed, schema: { body: ReportBody } },
    async (request) => {
      const session = requireSession(request);
      const { userId } = request.params;
      if (!isValidUserId(userId)) throw new MatrixError('M_INVALID_PARAM', `"${userId}" is not a valid user id.`);
      await deps.reports.reportUser(session.userId, userId, { reason: request.body.reason });
      return {};
    },
  );
}
