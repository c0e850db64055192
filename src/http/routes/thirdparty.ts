/**
 * The third-party lookup API. Lattice runs no application services, so no bridge provides a
 * protocol. The protocol list is empty, and lookups by protocol return the spec's 404 M_NOT_FOUND
 * for an unknown protocol. Reverse lookups find nothing.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MatrixError } from '../../core/errors.js';
import { requireSession } from '../auth.js';

const ProtocolParams = Type.Object({ protocol: Type.String({ minLength: 1 }) });
const AliasQuery = Type.Object({ alias: Type.String() });
const UserIdQuery = Type.Object({ userid: Type.String() });

type ProtocolParams = Static<typeof ProtocolParams>;

function unknownProtocol(protocol: string): MatrixError {
  return new MatrixError('M_NOT_FOUND', `No bridge on this server provides the third-party protocol "${protocol}".`);
}

export function registerThirdPartyRoutes(app: FastifyInstance): void {
  const authed = { config: { auth: 'required' as const } };

  /** GET /_matrix/client/v3/thirdparty/protocols: no bridges are attached, so no third-party protocols exist. */
  app.get('/_matrix/client/v3/thirdparty/protocols', authed, async (request) => {
    requireSession(request);
    return {};
  });

  /** GET /_matrix/client/v3/thirdparty/protocol/{protocol}: one protocol's metadata; always 404 without bridges. */
  app.get<{ Params: ProtocolParams }>('/_matrix/client/v3/thirdparty/protocol/:protocol', { ...authed, schema: { params: ProtocolParams } }, async (request) => {
    requireSession(request);
    throw unknownProtocol(request.params.protocol);
  });

  /** GET /_matrix/client/v3/thirdparty/location/{protocol}: portal rooms of a protocol; always 404 without bridges. */
  app.get<{ Params: ProtocolParams }>('/_matrix/client/v3/thirdparty/location/:protocol', { ...authed, schema: { params: ProtocolParams } }, async (request) => {
    requireSession(request);
    throw unknownProtocol(request.params.protocol);
  });

  /** GET /_matrix/client/v3/thirdparty/user/{protocol}: Matrix users of a protocol; always 404 without bridges. */
  app.get<{ Params: ProtocolParams }>('/_matrix/client/v3/thirdparty/user/:protocol', { ...authed, schema: { params: ProtocolParams } }, async (request) => {
    requireSession(request);
    throw unknownProtocol(request.params.protocol);
  });

  /** GET /_matrix/client/v3/thirdparty/location?alias=: third-party locations bridged to a room alias; none without bridges. */
  app.get<{ Querystring: Static<typeof AliasQuery> }>('/_matrix/client/v3/thirdparty/location', { ...authed, schema: { querystring: AliasQuery } }, async (request) => {
    requireSession(request);
    return [];
  });

  /** GET /_matrix/client/v3/thirdparty/user?userid=: third-party users bridged to a Matrix user; none without bridges. */
  app.get<{ Querystring: Static<typeof UserIdQuery> }>('/_matrix/client/v3/thirdparty/user', { ...authed, schema: { querystring: UserIdQuery } }, async (request) => {
    requireSession(request);
    return [];
  });
}
