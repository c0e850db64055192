import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MatrixError } from '../../core/errors.js';
import type { AccountDataStore } from '../../storage/account-data.js';
import { requireSession } from '../auth.js';
import { checkRoomId } from './rooms.js';
import { checkOwnUser } from './sync.js';

export interface AccountDataRouteDeps {
  accountData: AccountDataStore;
  notifyUser: (userId: string, position: number) => void;
}

const Content = Type.Record(Type.String(), Type.Unknown());

// Types the server manages itself; clients change them through their own endpoints.
const SERVER_MANAGED_TYPES = new Set(['m.fully_read', 'm.push_rules']);

export function registerAccountDataRoutes(app: FastifyInstance, deps: AccountDataRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };

  /** PUT /_matrix/client/v3/user/{userId}/account_data/{type}: sets global account data. */
  app.put<{ Params: { userId: string; type: string }; Body: Static<typeof Content> }>(
    '/_matrix/client/v3/user/:userId/account_data/:type', { ...authed, schema: { body: Content } },
    async (request) => {
      const session = requireSession(request);
      checkOwnUser(session.userId, request.params.userId);
      checkWritableType(request.params.type);
      const position = await deps.accountData.set(session.userId, '', request.params.type, request.body);
      deps.notifyUser(session.userId, position);
      return {};
    },
  );

  /** GET /_matrix/client/v3/user/{userId}/account_data/{type}: reads global account data. */
  app.get<{ Params: { userId: string; type: string } }>('/_matrix/client/v3/user/:userId/account_data/:type', authed, async (request) => {
    const session = requireSession(request);
    checkOwnUser(session.userId, request.params.userId);
    return found(await deps.accountData.get(session.userId, '', request.params.type), request.params.type);
  });

  /** PUT /_matrix/client/v3/user/{userId}/rooms/{roomId}/account_data/{type}: sets per-room account data. */
  app.put<{ Params: { userId: string; roomId: string; type: string }; Body: Static<typeof Content> }>(
    '/_matrix/client/v3/user/:userId/rooms/:roomId/account_data/:type', { ...authed, schema: { body: Content } },
    async (request) => {
      const session = requireSession(request);
      checkOwnUser(session.userId, request.params.userId);
      checkWritableType(request.params.type);
      const position = await deps.accountData.set(session.userId, checkRoomId(request.params.roomId), request.params.type, request.body);
      deps.notifyUser(session.userId, position);
      return {};
    },
  );

  /** GET /_matrix/client/v3/user/{userId}/rooms/{roomId}/account_data/{type}: reads per-room account data. */
  app.get<{ Params: { userId: string; roomId: string; type: string } }>('/_matrix/client/v3/user/:userId/rooms/:roomId/account_data/:type', authed, async (request) => {
    const session = requireSession(request);
    checkOwnUser(session.userId, request.params.userId);
    return found(await deps.accountData.get(session.userId, checkRoomId(request.params.roomId), request.params.type), request.params.type);
  });
}

function checkWritableType(type: string): void {
  if (SERVER_MANAGED_TYPES.has(type)) {
    throw new MatrixError('M_BAD_JSON', `Account data of type ${type} is managed by the server; use its own endpoint.`, { status: 405 });
  }
}

function found(content: Record<string, unknown> | undefined, type: string): Record<string, unknown> {
  if (!content) throw new MatrixError('M_NOT_FOUND', `No account data of type ${type}.`);
  return content;
}
