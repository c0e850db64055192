import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { invalidParam } from '../../core/errors.js';
import type { NotificationLister } from '../../sync/notifications.js';
import { requireSession } from '../auth.js';

export interface NotificationRouteDeps {
  notifications: NotificationLister;
}

const NotificationsQuery = Type.Object({
  from: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1 })),
  only: Type.Optional(Type.String()),
});

// The spec leaves the page size to the server; 50 fills a notification panel.
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;

export function registerNotificationRoutes(app: FastifyInstance, deps: NotificationRouteDeps): void {
  /** GET /_matrix/client/v3/notifications: events that notified the user, newest first. */
  app.get<{ Querystring: Static<typeof NotificationsQuery> }>(
    '/_matrix/client/v3/notifications',
    { config: { auth: 'required' }, schema: { querystring: NotificationsQuery } },
    async (request) => {
      const session = requireSession(request);
      const { from, limit, only } = request.query;
      const page = await deps.notifications.list({
        userId: session.userId,
        deviceId: session.deviceId,
        before: from === undefined ? undefined : parseFromToken(from),
        limit: Math.min(limit ?? DEFAULT_LIMIT, MAX_LIMIT),
        onlyHighlights: only === 'highlight',
      });
      return page.nextBefore === undefined
        ? { notifications: page.notifications }
        : { notifications: page.notifications, next_token: `n${page.nextBefore}` };
    },
  );
}

function parseFromToken(token: string): number {
  const match = /^n(\d{1,15})$/.exec(token);
  if (!match?.[1]) throw invalidParam(`"from" is not a token this server issued: "${token}". Pass the next_token of an earlier response.`);
  return Number(match[1]);
}
