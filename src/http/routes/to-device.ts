import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ToDeviceService } from '../../e2ee/to-device.js';
import { requireSession } from '../auth.js';

export interface ToDeviceRouteDeps {
  toDevice: ToDeviceService;
}

const Params = Type.Object({ eventType: Type.String({ minLength: 1, maxLength: 255 }), txnId: Type.String({ minLength: 1, maxLength: 255 }) });
const Body = Type.Object({
  messages: Type.Record(Type.String(), Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()))),
});

export function registerToDeviceRoutes(app: FastifyInstance, deps: ToDeviceRouteDeps): void {
  /** PUT /_matrix/client/v3/sendToDevice/{eventType}/{txnId}: queues messages for devices, once per transaction id. */
  app.put<{ Params: Static<typeof Params>; Body: Static<typeof Body> }>(
    '/_matrix/client/v3/sendToDevice/:eventType/:txnId',
    { config: { auth: 'required' }, schema: { params: Params, body: Body } },
    async (request) => {
      const session = requireSession(request);
      await deps.toDevice.send(session, request.params.eventType, request.params.txnId, request.body.messages);
      return {};
    },
  );
}
