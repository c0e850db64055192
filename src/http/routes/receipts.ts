import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { invalidParam } from '../../core/errors.js';
import type { ReceiptService } from '../../ephemeral/receipts.js';
import { requireSession } from '../auth.js';
import { checkRoomId } from './rooms.js';

export interface ReceiptRouteDeps {
  receipts: ReceiptService;
}

const ReceiptParams = Type.Object({ roomId: Type.String(), receiptType: Type.String(), eventId: Type.String() });
const ReadMarkersBody = Type.Object({
  'm.fully_read': Type.Optional(Type.String()),
  'm.read': Type.Optional(Type.String()),
  'm.read.private': Type.Optional(Type.String()),
});

export function registerReceiptRoutes(app: FastifyInstance, deps: ReceiptRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };

  /** POST /_matrix/client/v3/rooms/{roomId}/receipt/{receiptType}/{eventId}: marks the event read, threaded when `thread_id` is given. */
  app.post<{ Params: Static<typeof ReceiptParams>; Body: unknown }>(
    '/_matrix/client/v3/rooms/:roomId/receipt/:receiptType/:eventId',
    { ...authed, schema: { params: ReceiptParams } },
    async (request) => {
      const session = requireSession(request);
      const { roomId, receiptType, eventId } = request.params;
      await deps.receipts.sendReceipt(session.userId, checkRoomId(roomId), receiptType, eventId, readThreadId(request.body));
      return {};
    },
  );

  /** POST /_matrix/client/v3/rooms/{roomId}/read_markers: moves the read marker and the read receipts together. */
  app.post<{ Params: { roomId: string }; Body: Static<typeof ReadMarkersBody> }>(
    '/_matrix/client/v3/rooms/:roomId/read_markers',
    { ...authed, schema: { body: ReadMarkersBody } },
    async (request) => {
      const session = requireSession(request);
      const body = request.body;
      await deps.receipts.setReadMarkers(session.userId, checkRoomId(request.params.roomId), {
        fullyRead: body['m.fully_read'], read: body['m.read'], readPrivate: body['m.read.private'],
      });
      return {};
    },
  );
}

/** Reads the optional `thread_id`. The spec requires M_INVALID_PARAM for a non-string or empty one. */
function readThreadId(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidParam('The receipt body must be a JSON object.');
  const threadId = (body as { thread_id?: unknown }).thread_id;
  if (threadId === undefined) return undefined;
  if (typeof threadId !== 'string' || threadId === '') throw invalidParam('thread_id must be a non-empty string.');
  return threadId;
}
