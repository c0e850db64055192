import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MatrixError } from '../../core/errors.js';
import type { AccountDataStore } from '../../storage/account-data.js';
import { validateSyncFilter, type SyncFilter } from '../../sync/filter.js';
import { parseStreamToken } from '../../sync/stream-token.js';
import type { SyncService } from '../../sync/sync-service.js';
import { requireSession } from '../auth.js';
import { parseJsonParam } from './room-events.js';

export interface SyncRouteDeps {
  sync: SyncService;
  accountData: AccountDataStore;
}

const SyncQuery = Type.Object({
  since: Type.Optional(Type.String()),
  timeout: Type.Optional(Type.Integer({ minimum: 0 })),
  filter: Type.Optional(Type.String()),
  full_state: Type.Optional(Type.Boolean()),
  set_presence: Type.Optional(Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('unavailable')])),
});
const UserParams = Type.Object({ userId: Type.String() });

// Clients ask for 30 s long-polls; a cap keeps a misbehaving client from pinning a request for hours.
const MAX_SYNC_TIMEOUT_MS = 5 * 60 * 1000;

export function registerSyncRoutes(app: FastifyInstance, deps: SyncRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };

  /** GET /_matrix/client/v3/sync: changes since `since`, waiting up to `timeout` ms when there are none. */
  app.get<{ Querystring: Static<typeof SyncQuery> }>('/_matrix/client/v3/sync', { ...authed, schema: { querystring: SyncQuery } }, async (request, reply) => {
    const session = requireSession(request);
    const { since, timeout, filter, full_state: fullState, set_presence: setPresence } = request.query;
    const abort = new AbortController();
    request.raw.once('close', () => abort.abort());
    reply.raw.once('close', () => abort.abort());

    return deps.sync.sync({
      userId: session.userId,
      deviceId: session.deviceId,
      since: since === undefined ? undefined : parseStreamToken(since, 'since'),
      timeoutMs: Math.min(timeout ?? 0, MAX_SYNC_TIMEOUT_MS),
      filter: await resolveFilter(deps, session.userId, filter),
      fullState: fullState === true,
      setPresence,
      signal: abort.signal,
    });
  });

  /** POST /_matrix/client/v3/user/{userId}/filter: stores a filter for later /sync calls. */
  app.post<{ Params: Static<typeof UserParams>; Body: unknown }>('/_matrix/client/v3/user/:userId/filter', authed, async (request) => {
    const session = requireSession(request);
    checkOwnUser(session.userId, request.params.userId);
    const filter = validateSyncFilter(request.body);
    return { filter_id: await deps.accountData.createFilter(session.userId, filter) };
  });

  /** GET /_matrix/client/v3/user/{userId}/filter/{filterId}: a stored filter. */
  app.get<{ Params: { userId: string; filterId: string } }>('/_matrix/client/v3/user/:userId/filter/:filterId', authed, async (request) => {
    const session = requireSession(request);
    checkOwnUser(session.userId, request.params.userId);
    const filter = await deps.accountData.getFilter(session.userId, request.params.filterId);
    if (!filter) throw new MatrixError('M_NOT_FOUND', `No filter with id "${request.params.filterId}".`);
    return filter;
  });
}

/** The filter parameter is either a stored filter id or an inline JSON filter starting with `{`. */
async function resolveFilter(deps: SyncRouteDeps, userId: string, filter: string | undefined): Promise<SyncFilter> {
  if (filter === undefined || filter === '') return {};
  if (filter.trimStart().startsWith('{')) return validateSyncFilter(parseJsonParam(filter, 'filter'));
  const stored = await deps.accountData.getFilter(userId, filter);
  if (!stored) throw new MatrixError('M_NOT_FOUND', `No filter with id "${filter}"; upload it with POST /user/{userId}/filter.`);
  return stored as SyncFilter;
}

export function checkOwnUser(sessionUserId: string, pathUserId: string): void {
  if (sessionUserId !== pathUserId) throw new MatrixError('M_FORBIDDEN', `Cannot access data of ${pathUserId} as ${sessionUserId}.`);
}
