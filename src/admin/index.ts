import type { LatticeConfig } from '../config/schema.js';
import type { AccountService, LoginResult } from '../identity/accounts.js';
import type { Logger } from '../logging.js';
import type { ProfileService } from '../profile/profile-service.js';
import type { RoomService } from '../rooms/room-service.js';
import type { Storage } from '../storage/index.js';
import { RoomAdminStore } from '../storage/room-admin.js';
import { AdminPolicy } from './admin-policy.js';
import { EventReportAdmin } from './event-reports.js';
import { RoomAdminService } from './room-admin.js';
import { SharedSecretVerifier, type SharedSecretRequest } from './shared-secret.js';
import { UserAdminService } from './user-admin.js';

export { AdminPolicy } from './admin-policy.js';
export type { RoomDeletion } from './room-admin.js';

/** Everything the admin API and the metrics need from the server's administration side. */
export interface AdminServices {
  policy: AdminPolicy;
  users: UserAdminService;
  rooms: RoomAdminService;
  eventReports: EventReportAdmin;
  /** Creates a user through Synapse's shared-secret registration and signs it in. */
  registerWithSharedSecret(request: SharedSecretRequest & { displayname?: string }): Promise<LoginResult>;
  issueRegistrationNonce(): string;
  countEvents(): Promise<number>;
}

export interface AdminServiceDeps {
  config: LatticeConfig;
  storage: Storage;
  accounts: AccountService;
  profiles: ProfileService;
  rooms: RoomService;
  logger: Logger;
}

export function createAdminServices(deps: AdminServiceDeps): AdminServices {
  const { config, storage, accounts, logger } = deps;
  const roomStore = new RoomAdminStore(storage.db);
  const policy = new AdminPolicy(storage.users, config.admins);
  const leaveRoom = (userId: string, roomId: string, reason: string) => deps.rooms.leave(userId, roomId, reason);
  const users = new UserAdminService({
    users: storage.users,
    listDevices: (userId) => storage.devices.listDevices(userId),
    logoutAll: (userId) => accounts.logoutAll(userId),
    roomsForUser: (userId, memberships) => storage.events.getRoomsForUser(userId, memberships),
    leaveRoom,
    setDisplayName: (userId, name) => deps.profiles.setDisplayName(userId, name),
    setAvatarUrl: (userId, url) => deps.profiles.setAvatarUrl(userId, url),
    policy,
    serverName: config.server_name,
    logger,
  });
  const rooms = new RoomAdminService({
    storage: {
      listRooms: (query) => roomStore.listRooms(query),
      getRoom: (roomId) => roomStore.getRoom(roomId),
      purgeRoom: async (roomId) => {
        const purged = await roomStore.purgeRoom(roomId);
        deps.rooms.forgetRoom(roomId);
        return purged;
      },
      members: (roomId, memberships) => storage.events.getMembers(roomId, memberships),
      aliases: (roomId) => storage.aliases.listForRoom(roomId),
    },
    leaveRoom,
    serverName: config.server_name,
    logger,
  });
  const verifier = new SharedSecretVerifier(config.registration_shared_secret);

  return {
    policy,
    users,
    rooms,
    eventReports: new EventReportAdmin(storage.reports, storage.events),
    issueRegistrationNonce: () => verifier.issueNonce(),
    async registerWithSharedSecret(request) {
      verifier.verify(request);
      const userId = await accounts.registerLocalUser(request.username, request.password, request.admin);
      if (request.displayname !== undefined && request.displayname !== request.username) {
        await deps.profiles.setDisplayName(userId, request.displayname);
      }
      logger.info({ userId, isAdmin: request.admin }, 'user registered with the shared secret');
      return accounts.loginWithPassword(userId, request.password, {});
    },
    countEvents: () => roomStore.countEvents(),
  };
}
