import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { DeviceService } from '../../e2ee/devices.js';
import { requireSession } from '../auth.js';
import { authOf } from '../uia-auth.js';

export interface DeviceRouteDeps {
  devices: DeviceService;
}

const DeviceParams = Type.Object({ deviceId: Type.String({ minLength: 1 }) });
const RenameBody = Type.Object({ display_name: Type.Optional(Type.String({ maxLength: 1000 })) });
const Auth = Type.Record(Type.String(), Type.Unknown());
const DeleteManyBody = Type.Object({ devices: Type.Array(Type.String()), auth: Type.Optional(Auth) });

/** Device management: list, rename and delete the user's devices. */
export function registerDeviceRoutes(app: FastifyInstance, deps: DeviceRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };

  /** GET /_matrix/client/v3/devices: the user's devices. */
  app.get('/_matrix/client/v3/devices', authed, async (request) => ({ devices: await deps.devices.list(requireSession(request).userId) }));

  /** GET /_matrix/client/v3/devices/{deviceId}: one of the user's devices. */
  app.get<{ Params: Static<typeof DeviceParams> }>('/_matrix/client/v3/devices/:deviceId', { ...authed, schema: { params: DeviceParams } }, async (request) => {
    return deps.devices.get(requireSession(request).userId, request.params.deviceId);
  });

  /** PUT /_matrix/client/v3/devices/{deviceId}: renames a device; creating devices is left to application services. */
  app.put<{ Params: Static<typeof DeviceParams>; Body: Static<typeof RenameBody> }>(
    '/_matrix/client/v3/devices/:deviceId', { ...authed, schema: { params: DeviceParams, body: RenameBody } },
    async (request) => {
      await deps.devices.rename(requireSession(request).userId, request.params.deviceId, request.body.display_name);
      return {};
    },
  );

  /**
   * DELETE /_matrix/client/v3/devices/{deviceId}: deletes a device after user-interactive auth.
   * The body is optional (the first attempt of the auth dance may send none), so it has no schema.
   */
  app.delete<{ Params: Static<typeof DeviceParams>; Body: unknown }>(
    '/_matrix/client/v3/devices/:deviceId', { ...authed, schema: { params: DeviceParams } },
    async (request) => {
      await deps.devices.delete(requireSession(request).userId, [request.params.deviceId], authOf(request.body));
      return {};
    },
  );

  /** POST /_matrix/client/v3/delete_devices: deletes several devices after user-interactive auth. */
  app.post<{ Body: Static<typeof DeleteManyBody> }>('/_matrix/client/v3/delete_devices', { ...authed, schema: { body: DeleteManyBody } }, async (request) => {
    await deps.devices.delete(requireSession(request).userId, request.body.devices, request.body.auth);
    return {};
  });
}
