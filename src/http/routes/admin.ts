/**
 * The Synapse-compatible server admin API under `/_synapse/admin`, for what synadm and the
 * synapse-admin web UI use. Every route except the version and shared-secret registration needs
 * a server admin's access token, and every change is logged with the admin, action and target.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminServices } from '../../admin/index.js';
import * as format from '../../admin/synapse-format.js';
import { MatrixError } from '../../core/errors.js';
import { requireSession } from '../auth.js';

export interface AdminRouteDeps {
  admin: AdminServices;
  serverName: string;
  serverVersion: string;
}

const UserParams = Type.Object({ userId: Type.String() });
const RoomParams = Type.Object({ roomId: Type.String() });

const RegisterBody = Type.Object({
  nonce: Type.String(),
  username: Type.String({ minLength: 1 }),
  password: Type.String({ minLength: 1 }),
  mac: Type.String({ pattern: '^[0-9a-fA-F]*$' }),
  displayname: Type.Optional(Type.String()),
  admin: Type.Optional(Type.Boolean()),
  user_type: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

const UserListQuery = Type.Object({
  from: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  name: Type.Optional(Type.String()),
  user_id: Type.Optional(Type.String()),
  guests: Type.Optional(Type.Boolean()),
  deactivated: Type.Optional(Type.Boolean()),
});

const UserBody = Type.Object({
  password: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  logout_devices: Type.Optional(Type.Boolean()),
  displayname: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
  avatar_url: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  admin: Type.Optional(Type.Boolean()),
  deactivated: Type.Optional(Type.Boolean()),
});

const DeactivateBody = Type.Union([Type.Object({ erase: Type.Optional(Type.Boolean()) }), Type.Null()]);

const RoomListQuery = Type.Object({
  from: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  dir: Type.Optional(Type.Union([Type.Literal('f'), Type.Literal('b')])),
  order_by: Type.Optional(Type.String()),
  search_term: Type.Optional(Type.String()),
});

const DeleteRoomBody = Type.Union([
  Type.Object({
    purge: Type.Optional(Type.Boolean()),
    block: Type.Optional(Type.Boolean()),
    message: Type.Optional(Type.String()),
    new_room_user_id: Type.Optional(Type.String()),
    force_purge: Type.Optional(Type.Boolean()),
  }),
  Type.Null(),
]);

const EventReportListQuery = Type.Object({
  from: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  dir: Type.Optional(Type.Union([Type.Literal('f'), Type.Literal('b')])),
  user_id: Type.Optional(Type.String()),
  room_id: Type.Optional(Type.String()),
});
const ReportParams = Type.Object({ reportId: Type.Integer({ minimum: 0 }) });

type UserParams = Static<typeof UserParams>;
type RoomParams = Static<typeof RoomParams>;

export function registerAdminRoutes(app: FastifyInstance, deps: AdminRouteDeps): void {
  registerPublicAdminRoutes(app, deps);
  registerUserAdminRoutes(app, deps);
  registerRoomAdminRoutes(app, deps);
  registerEventReportAdminRoutes(app, deps);
}

/** Returns the admin's user id; throws 403 M_FORBIDDEN, logged, for anyone else. */
async function requireAdmin(request: FastifyRequest, admin: AdminServices): Promise<string> {
  const session = requireSession(request);
  try {
    await admin.policy.requireAdmin(session.userId);
  } catch (error) {
    request.log.warn({ userId: session.userId, url: request.routeOptions.url }, 'admin API request by a non-admin rejected');
    throw error;
  }
  return session.userId;
}

/** Logs one admin action for the audit trail: who did what to which user or room. */
function audit(request: FastifyRequest, action: string, target: string, details: Record<string, unknown> = {}): void {
  request.log.info({ audit: true, adminUserId: request.session?.userId, action, target, ...details }, 'admin action');
}

function registerPublicAdminRoutes(app: FastifyInstance, deps: AdminRouteDeps): void {
  /** GET /_synapse/admin/v1/server_version: the server software's version, without authentication as in Synapse. */
  app.get('/_synapse/admin/v1/server_version', async () => ({ server_version: deps.serverVersion }));

  /** GET /_synapse/admin/v1/register: a single-use nonce for shared-secret registration. */
  app.get('/_synapse/admin/v1/register', async () => ({ nonce: deps.admin.issueRegistrationNonce() }));

  /** POST /_synapse/admin/v1/register: creates a user when the HMAC over the request matches the shared secret. */
  app.post<{ Body: Static<typeof RegisterBody> }>('/_synapse/admin/v1/register', { schema: { body: RegisterBody } }, async (request) => {
    const body = request.body;
    const result = await deps.admin.registerWithSharedSecret({
      nonce: body.nonce,
      username: body.username,
      password: body.password,
      mac: body.mac,
      admin: body.admin ?? false,
      userType: body.user_type ?? undefined,
      displayname: body.displayname,
    });
    request.log.info({ audit: true, action: 'register_with_shared_secret', target: result.userId, admin: body.admin ?? false }, 'admin action');
    return { access_token: result.accessToken, user_id: result.userId, home_server: deps.serverName, device_id: result.deviceId };
  });
}

function registerUserAdminRoutes(app: FastifyInstance, deps: AdminRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };
  const { admin } = deps;

  /** GET /_synapse/admin/v2/users: pages through users; `from` is an offset, `next_token` the next one. */
  app.get<{ Querystring: Static<typeof UserListQuery> }>('/_synapse/admin/v2/users', { ...authed, schema: { querystring: UserListQuery } }, async (request) => {
    await requireAdmin(request, admin);
    const query = request.query;
    const offset = query.from ?? 0;
    const limit = query.limit ?? 100;
    // Lattice has no guest accounts, so `guests=false` changes nothing.
    const page = await admin.users.list({ offset, limit, name: query.name ?? query.user_id, includeDeactivated: query.deactivated === true });
    const body: Record<string, unknown> = {
      users: page.users.map((user) => format.userListEntry(user, admin.policy.isAdminRecord(user))),
      total: page.total,
    };
    if (offset + page.users.length < page.total) body.next_token = String(offset + page.users.length);
    return body;
  });

  /** GET /_synapse/admin/v2/users/{userId}: one user's account details. */
  app.get<{ Params: UserParams }>('/_synapse/admin/v2/users/:userId', { ...authed, schema: { params: UserParams } }, async (request) => {
    await requireAdmin(request, admin);
    return userBody(admin, request.params.userId);
  });

  /** PUT /_synapse/admin/v2/users/{userId}: creates the user (201) or changes it (200). */
  app.put<{ Params: UserParams; Body: Static<typeof UserBody> }>(
    '/_synapse/admin/v2/users/:userId', { ...authed, schema: { params: UserParams, body: UserBody } },
    async (request, reply) => {
      await requireAdmin(request, admin);
      const { userId } = request.params;
      const body = request.body;
      const created = await admin.users.createOrModify(userId, {
        password: body.password, logoutDevices: body.logout_devices, displayname: body.displayname,
        avatarUrl: body.avatar_url, admin: body.admin, deactivated: body.deactivated,
      });
      audit(request, created ? 'create_user' : 'modify_user', userId, { fields: Object.keys(body).filter((key) => key !== 'password') });
      return reply.status(created ? 201 : 200).send(await userBody(admin, userId));
    },
  );

  /** POST /_synapse/admin/v1/deactivate/{userId}: deactivates the user, signs out its devices and leaves its rooms. */
  app.post<{ Params: UserParams; Body: Static<typeof DeactivateBody> }>(
    '/_synapse/admin/v1/deactivate/:userId', { ...authed, schema: { params: UserParams, body: DeactivateBody } },
    async (request) => {
      await requireAdmin(request, admin);
      // NOTE: `erase` is accepted but events the user sent are kept; only the profile is cleared.
      await admin.users.deactivate(request.params.userId);
      audit(request, 'deactivate_user', request.params.userId, { erase: request.body?.erase ?? false });
      return { id_server_unbind_result: 'success' };
    },
  );

  /** GET /_synapse/admin/v1/whois/{userId}: the user's devices with their last address and time; users may ask about themselves. */
  const whois = async (request: FastifyRequest<{ Params: UserParams }>) => {
    const session = requireSession(request);
    if (session.userId !== request.params.userId) await requireAdmin(request, admin);
    await admin.users.get(request.params.userId);
    return format.whois(request.params.userId, await admin.users.devices(request.params.userId));
  };
  app.get<{ Params: UserParams }>('/_synapse/admin/v1/whois/:userId', { ...authed, schema: { params: UserParams } }, whois);
  app.get<{ Params: UserParams }>('/_matrix/client/v3/admin/whois/:userId', { ...authed, schema: { params: UserParams } }, whois);

  /** GET /_synapse/admin/v2/users/{userId}/devices: the user's devices with their last address and time. */
  app.get<{ Params: UserParams }>('/_synapse/admin/v2/users/:userId/devices', { ...authed, schema: { params: UserParams } }, async (request) => {
    await requireAdmin(request, admin);
    await admin.users.get(request.params.userId);
    const devices = (await admin.users.devices(request.params.userId)).map(format.device);
    return { devices, total: devices.length };
  });

  /** GET /_synapse/admin/v1/users/{userId}/joined_rooms: the rooms the user is joined to. */
  app.get<{ Params: UserParams }>('/_synapse/admin/v1/users/:userId/joined_rooms', { ...authed, schema: { params: UserParams } }, async (request) => {
    await requireAdmin(request, admin);
    await admin.users.get(request.params.userId);
    const rooms = await admin.users.joinedRooms(request.params.userId);
    return { joined_rooms: rooms, total: rooms.length };
  });

  /** GET /_synapse/admin/v1/users/{userId}/admin: whether the user is a server admin. */
  app.get<{ Params: UserParams }>('/_synapse/admin/v1/users/:userId/admin', { ...authed, schema: { params: UserParams } }, async (request) => {
    await requireAdmin(request, admin);
    return { admin: admin.policy.isAdminRecord(await admin.users.get(request.params.userId)) };
  });

  /** PUT /_synapse/admin/v1/users/{userId}/admin: grants or withdraws server admin rights. */
  app.put<{ Params: UserParams; Body: { admin: boolean } }>(
    '/_synapse/admin/v1/users/:userId/admin',
    { ...authed, schema: { params: UserParams, body: Type.Object({ admin: Type.Boolean() }) } },
    async (request) => {
      const adminUserId = await requireAdmin(request, admin);
      if (adminUserId === request.params.userId && !request.body.admin) {
        throw new MatrixError('M_FORBIDDEN', 'You cannot withdraw your own admin rights.', { status: 400 });
      }
      await admin.users.get(request.params.userId);
      await admin.users.createOrModify(request.params.userId, { admin: request.body.admin });
      audit(request, 'set_admin', request.params.userId, { admin: request.body.admin });
      return {};
    },
  );
}

async function userBody(admin: AdminServices, userId: string): Promise<Record<string, unknown>> {
  const user = await admin.users.get(userId);
  return format.userDetails(user, admin.policy.isAdminRecord(user), await admin.users.externalIds(userId));
}

function registerRoomAdminRoutes(app: FastifyInstance, deps: AdminRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };
  const { admin } = deps;

  /** GET /_synapse/admin/v1/rooms: pages through rooms by creation time; `from` is an offset. */
  app.get<{ Querystring: Static<typeof RoomListQuery> }>('/_synapse/admin/v1/rooms', { ...authed, schema: { querystring: RoomListQuery } }, async (request) => {
    await requireAdmin(request, admin);
    const offset = request.query.from ?? 0;
    const limit = request.query.limit ?? 100;
    // TODO: order_by and search_term are accepted but not applied; rooms come by creation time.
    const page = await admin.rooms.list({ offset, limit, newestFirst: request.query.dir === 'b' });
    const body: Record<string, unknown> = { rooms: page.rooms.map(format.roomListEntry), offset, total_rooms: page.total };
    if (offset + page.rooms.length < page.total) body.next_batch = offset + page.rooms.length;
    if (offset > 0) body.prev_batch = Math.max(0, offset - limit);
    return body;
  });

  /** GET /_synapse/admin/v1/rooms/{roomId}: one room's details. */
  app.get<{ Params: RoomParams }>('/_synapse/admin/v1/rooms/:roomId', { ...authed, schema: { params: RoomParams } }, async (request) => {
    await requireAdmin(request, admin);
    return format.roomDetails(await admin.rooms.get(request.params.roomId));
  });

  /** GET /_synapse/admin/v1/rooms/{roomId}/members: the user ids joined to the room. */
  app.get<{ Params: RoomParams }>('/_synapse/admin/v1/rooms/:roomId/members', { ...authed, schema: { params: RoomParams } }, async (request) => {
    await requireAdmin(request, admin);
    const members = await admin.rooms.joinedMembers(request.params.roomId);
    return { members, total: members.length };
  });

  /** DELETE /_synapse/admin/v1/rooms/{roomId}: removes every local member and, unless `purge` is false, deletes the room's data. */
  app.delete<{ Params: RoomParams; Body: Static<typeof DeleteRoomBody> }>(
    '/_synapse/admin/v1/rooms/:roomId', { ...authed, schema: { params: RoomParams, body: DeleteRoomBody } },
    async (request) => {
      const deletion = await deleteRoom(request, admin);
      const status = format.deletionStatus(deletion);
      return status.shutdown_room;
    },
  );

  /** DELETE /_synapse/admin/v2/rooms/{roomId}: as v1, returning a delete id for the status endpoints. */
  app.delete<{ Params: RoomParams; Body: Static<typeof DeleteRoomBody> }>(
    '/_synapse/admin/v2/rooms/:roomId', { ...authed, schema: { params: RoomParams, body: DeleteRoomBody } },
    async (request) => ({ delete_id: (await deleteRoom(request, admin)).deleteId }),
  );

  /** GET /_synapse/admin/v2/rooms/{roomId}/delete_status: the deletions of the room since this process started. */
  app.get<{ Params: RoomParams }>('/_synapse/admin/v2/rooms/:roomId/delete_status', { ...authed, schema: { params: RoomParams } }, async (request) => {
    await requireAdmin(request, admin);
    return { results: admin.rooms.deletionsForRoom(request.params.roomId).map(format.deletionStatus) };
  });

  /** GET /_synapse/admin/v2/rooms/delete_status/{deleteId}: one deletion's status. */
  app.get<{ Params: { deleteId: string } }>('/_synapse/admin/v2/rooms/delete_status/:deleteId', authed, async (request) => {
    await requireAdmin(request, admin);
    const { delete_id: _deleteId, ...status } = format.deletionStatus(admin.rooms.deletionById(request.params.deleteId));
    return status;
  });
}

async function deleteRoom(
  request: FastifyRequest<{ Params: RoomParams; Body: Static<typeof DeleteRoomBody> }>, admin: AdminServices,
): ReturnType<AdminServices['rooms']['delete']> {
  await requireAdmin(request, admin);
  const body = request.body ?? {};
  // TODO: `block` and `new_room_user_id` are accepted but not applied: the room id is not
  // blocked from rejoining and no replacement room is made.
  const deletion = await admin.rooms.delete(request.params.roomId, { purge: body.purge ?? true, message: body.message });
  audit(request, 'delete_room', request.params.roomId, { purge: body.purge ?? true, deleteId: deletion.deleteId });
  return deletion;
}

function registerEventReportAdminRoutes(app: FastifyInstance, deps: AdminRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };
  const { admin } = deps;

  /** GET /_synapse/admin/v1/event_reports: pages through event reports, newest first unless `dir=f`; `from` is an offset. */
  app.get<{ Querystring: Static<typeof EventReportListQuery> }>(
    '/_synapse/admin/v1/event_reports', { ...authed, schema: { querystring: EventReportListQuery } },
    async (request) => {
      await requireAdmin(request, admin);
      const query = request.query;
      return admin.eventReports.list({
        offset: query.from ?? 0, limit: query.limit ?? 100, newestFirst: query.dir !== 'f', reporterId: query.user_id, roomId: query.room_id,
      });
    },
  );

  /** GET /_synapse/admin/v1/event_reports/{reportId}: one event report with the reported event. */
  app.get<{ Params: Static<typeof ReportParams> }>('/_synapse/admin/v1/event_reports/:reportId', { ...authed, schema: { params: ReportParams } }, async (request) => {
    await requireAdmin(request, admin);
    return admin.eventReports.get(request.params.reportId);
  });

  /** DELETE /_synapse/admin/v1/event_reports/{reportId}: deletes the report, not the reported event. */
  app.delete<{ Params: Static<typeof ReportParams> }>('/_synapse/admin/v1/event_reports/:reportId', { ...authed, schema: { params: ReportParams } }, async (request) => {
    await requireAdmin(request, admin);
    await admin.eventReports.delete(request.params.reportId);
    audit(request, 'delete_event_report', String(request.params.reportId));
    return {};
  });
}
