import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { CrossSigningService } from '../../e2ee/cross-signing.js';
import type { DeviceListService } from '../../e2ee/device-lists.js';
import type { KeyService } from '../../e2ee/keys.js';
import { parseStreamToken } from '../../sync/stream-token.js';
import { requireSession } from '../auth.js';

export interface KeyRouteDeps {
  keys: KeyService;
  crossSigning: CrossSigningService;
  deviceLists: DeviceListService;
}

const JsonObject = Type.Record(Type.String(), Type.Unknown());
const UploadBody = Type.Object({
  device_keys: Type.Optional(JsonObject),
  one_time_keys: Type.Optional(JsonObject),
  fallback_keys: Type.Optional(JsonObject),
});
const QueryBody = Type.Object({
  timeout: Type.Optional(Type.Integer()),
  device_keys: Type.Record(Type.String(), Type.Array(Type.String())),
});
const ClaimBody = Type.Object({
  timeout: Type.Optional(Type.Integer()),
  one_time_keys: Type.Record(Type.String(), Type.Record(Type.String(), Type.String())),
});
const ChangesQuery = Type.Object({ from: Type.String(), to: Type.String() });
const DeviceSigningBody = Type.Object({
  master_key: Type.Optional(JsonObject),
  self_signing_key: Type.Optional(JsonObject),
  user_signing_key: Type.Optional(JsonObject),
  auth: Type.Optional(JsonObject),
});
const SignaturesBody = Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()));

/** The key management and cross-signing endpoints of the spec's end-to-end encryption module. */
export function registerKeyRoutes(app: FastifyInstance, deps: KeyRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };

  /** POST /_matrix/client/v3/keys/upload: publishes device, one-time and fallback keys; every signature is checked first. */
  app.post<{ Body: Static<typeof UploadBody> }>('/_matrix/client/v3/keys/upload', { ...authed, schema: { body: UploadBody } }, async (request) => {
    const session = requireSession(request);
    return deps.keys.upload(session.userId, session.deviceId, request.body);
  });

  /** POST /_matrix/client/v3/keys/query: device and cross-signing keys of users of this server. */
  app.post<{ Body: Static<typeof QueryBody> }>('/_matrix/client/v3/keys/query', { ...authed, schema: { body: QueryBody } }, async (request) => {
    return deps.keys.query(requireSession(request).userId, request.body.device_keys);
  });

  /** POST /_matrix/client/v3/keys/claim: one one-time key per device, else its fallback key. */
  app.post<{ Body: Static<typeof ClaimBody> }>('/_matrix/client/v3/keys/claim', { ...authed, schema: { body: ClaimBody } }, async (request) => {
    requireSession(request);
    return deps.keys.claim(request.body.one_time_keys);
  });

  /** GET /_matrix/client/v3/keys/changes: users sharing a room whose devices changed after `from`. */
  app.get<{ Querystring: Static<typeof ChangesQuery> }>('/_matrix/client/v3/keys/changes', { ...authed, schema: { querystring: ChangesQuery } }, async (request) => {
    const session = requireSession(request);
    const from = parseStreamToken(request.query.from, 'from');
    const to = parseStreamToken(request.query.to, 'to');
    return deps.deviceLists.changesSince(session.userId, from, Math.max(from, to));
  });

  /**
   * POST /_matrix/client/v3/keys/device_signing/upload: publishes cross-signing keys; replacing
   * existing ones needs user-interactive auth (answered with 401 and the flows).
   */
  app.post<{ Body: Static<typeof DeviceSigningBody> }>('/_matrix/client/v3/keys/device_signing/upload', { ...authed, schema: { body: DeviceSigningBody } }, async (request) => {
    await deps.crossSigning.uploadKeys(requireSession(request).userId, request.body);
    return {};
  });

  /** POST /_matrix/client/v3/keys/signatures/upload: stores cross-signing signatures; bad ones are listed in `failures`. */
  app.post<{ Body: Static<typeof SignaturesBody> }>('/_matrix/client/v3/keys/signatures/upload', { ...authed, schema: { body: SignaturesBody } }, async (request) => {
    return deps.crossSigning.uploadSignatures(requireSession(request).userId, request.body as Record<string, Record<string, unknown>>);
  });
}
