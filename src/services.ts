import { hkdfSync } from 'node:crypto';
import { createAdminServices, type AdminServices } from './admin/index.js';
import type { LatticeConfig } from './config/schema.js';
import type { SigningKey } from './core/signing-key.js';
import { createE2eeServices, type E2eeServices } from './e2ee/index.js';
import { createEphemeralServices, type EphemeralServices } from './ephemeral/index.js';
import { AccountService } from './identity/accounts.js';
import { createAccountManagement, type AccountManagement } from './identity/account-management.js';
import { verifyPassword } from './identity/secrets.js';
import { SsoService } from './identity/sso/service.js';
import type { Logger } from './logging.js';
import { ProfileService } from './profile/profile-service.js';
import { PushRuleService } from './push/push-rule-service.js';
import { EventFormatter } from './rooms/event-formatter.js';
import { RoomReader } from './rooms/room-reader.js';
import { RoomService } from './rooms/room-service.js';
import { RoomWriter } from './rooms/room-writer.js';
import type { Storage } from './storage/index.js';
import { SyncNotifier } from './sync/notifier.js';
import { RoomSyncBuilder } from './sync/room-sync.js';
import { SyncService } from './sync/sync-service.js';
import { UnreadCounter } from './sync/unread.js';
import { createMediaService, type MediaService } from './media/index.js';
import { NotificationLister } from './sync/notifications.js';
import { createDirectoryServices, type DirectoryServices } from './directory/index.js';
import { EventContextReader } from './relations/event-context.js';
import { RelationAggregator } from './relations/aggregations.js';
import { RelationService } from './relations/relation-service.js';
import { LoginTokenGrant } from './identity/login-token-grant.js';
import { AccountDeactivation } from './identity/account-deactivation.js';
import { createNextcloudServices, type NextcloudServices } from './nextcloud/index.js';
import { RoomUpgrader } from './rooms/room-upgrade.js';
import { SearchService } from './search/search-service.js';
import { SearchStore } from './storage/search.js';
import { ReportService } from './reports/report-service.js';
import { SpaceHierarchy } from './spaces/space-hierarchy.js';
import { EventByTimestamp } from './rooms/event-by-timestamp.js';
import { createPusherServices, withPushDelivery } from './push/pushers.js';
import type { PusherService } from './push/pusher-service.js';
import { buildPushContext } from './sync/push-context.js';

export interface ServiceContext {
  config: LatticeConfig;
  storage: Storage;
  signingKey: SigningKey;
  logger: Logger;
}

export interface Services {
  admin: AdminServices;
  accounts: AccountService;
  /** The user's own account: password change and OpenID tokens. */
  accountManagement: AccountManagement;
  e2ee: E2eeServices;
  sso: SsoService;
  profiles: ProfileService;
  pushRules: PushRuleService;
  pushers: PusherService;
  rooms: RoomService;
  reader: RoomReader;
  sync: SyncService;
  notifier: SyncNotifier;
  storage: Storage;
  ephemeral: EphemeralServices;
  unread: UnreadCounter;
  media: MediaService;
  notifications: NotificationLister;
  directory: DirectoryServices;
  eventContext: EventContextReader;
  nextcloud: NextcloudServices;
  relations: RelationService;
  loginTokens: LoginTokenGrant;
  deactivation: AccountDeactivation;
  upgrader: RoomUpgrader;
  search: SearchService;
  reports: ReportService;
  hierarchy: SpaceHierarchy;
  eventByTimestamp: EventByTimestamp;
  close(): void;
}

/** Builds every service with the narrow dependencies it needs, passed in explicitly. */
export function createServices(context: ServiceContext): Services {
  const { config, storage, logger } = context;
  const notifier = new SyncNotifier();
  const e2ee = createE2eeServices({
    db: storage.db,
    devices: storage.devices,
    deleteDevice: (userId, deviceId) => accounts.deleteDevice(userId, deviceId),
    passwords: {
      hasPassword: async (userId) => Boolean((await storage.users.get(userId))?.passwordHash),
      checkPassword: async (userId, password) => {
        const hash = (await storage.users.get(userId))?.passwordHash;
        return hash ? verifyPassword(password, hash) : false;
      },
    },
    notifier,
    serverName: config.server_name,
    logger,
  });
  // Device creations and deletions (login, logout, admin) go through e2ee's view of the store.
  const accounts = new AccountService({ users: storage.users, devices: e2ee.observeDevices(storage.devices), serverName: config.server_name, logger });
  // Only the writer's notifications queue pushes: typing, receipts and device-list wake-ups are not room events.
  const writerNotifier = withPushDelivery(notifier, { enqueue: (roomId, position) => pusherServices.delivery.enqueue(roomId, position) });
  const writer = new RoomWriter({
    events: storage.events, notifier: writerNotifier, serverName: config.server_name, signingKey: context.signingKey, logger: logger.child({ component: 'rooms' }),
  });
  const rooms = new RoomService({
    writer, events: storage.events, users: storage.users, aliases: storage.aliases, serverName: config.server_name, logger: logger.child({ component: 'rooms' }),
    annotations: {
      hasAnnotation: (query) => storage.relations.hasAnnotation(query),
      findTransaction: (userId, deviceId, txnId) => storage.events.findTransaction(userId, deviceId, txnId),
    },
  });
  const formatter = new EventFormatter(storage.events, Date.now, new RelationAggregator(storage.relations));
  const reader = new RoomReader(storage.db, storage.events, formatter);
  const profiles = new ProfileService(storage.users, rooms, logger.child({ component: 'profile' }));
  const pushRules = new PushRuleService(storage.accountData, (userId, position) => notifier.notifyUser(userId, position));
  const ephemeral = createEphemeralServices({
    storage, notifier, requireJoined: (userId, roomId) => rooms.requireJoined(userId, roomId), presenceEnabled: config.presence.enabled,
    logger: logger.child({ component: 'ephemeral' }),
  });
  const unread = new UnreadCounter({ events: storage.events, reads: storage.syncReads, relations: storage.relations, receipts: storage.receipts, pushRules });
  const pusherServices = createPusherServices({
    store: storage.pushers,
    rooms: storage.events,
    rulesFor: async (userId) => (await pushRules.getRules(userId)).global,
    contextFor: (userId, roomId) => buildPushContext(storage.events, userId, roomId),
    roomUnreadCount: async (userId, roomId) => (await unread.countFor(userId, roomId, Number.MAX_SAFE_INTEGER)).total.notification_count,
    logger: logger.child({ component: 'push' }),
  });
  const sync = new SyncService({
    db: storage.db,
    pushRules,
    events: storage.events,
    reads: storage.syncReads,
    accountData: storage.accountData,
    rooms: new RoomSyncBuilder(storage.events, storage.syncReads, formatter, unread, ephemeral.roomEphemeral),
    notifier,
    e2ee: e2ee.sync,
    presence: ephemeral.presence,
    logger: logger.child({ component: 'sync' }),
  });
  const admin = createAdminServices({ config, storage, accounts, profiles, rooms, logger: logger.child({ component: 'admin' }) });
  const accountManagement = createAccountManagement({
    storage,
    serverName: config.server_name,
    passwordsEnabled: config.password_config.enabled,
    uia: e2ee.uia,
    deleteDevice: (userId, deviceId) => accounts.deleteDevice(userId, deviceId),
    logger: logger.child({ component: 'account' }),
  });
  const media = createMediaService(config, storage.db, logger.child({ component: 'media' }));
  const nextcloud = createNextcloudServices({
    config,
    storage,
    rooms: {
      resolveRoom: async (room) => (room.startsWith('#') ? (await storage.aliases.resolve(room))?.roomId : (await storage.events.getRoom(room))?.roomId),
      membership: async (roomId, userId) => (await storage.events.getMembership(roomId, userId))?.membership,
      creator: async (roomId) => (await storage.events.getRoom(roomId))?.creator,
      join: (userId, roomId) => rooms.join(userId, roomId),
      invite: (sender, roomId, target) => rooms.invite({ sender, roomId, target }),
      leave: (userId, roomId, reason) => rooms.leave(userId, roomId, reason),
    },
    upload: (userId, input) => media.upload(userId, input),
    profiles,
    logoutAll: (userId) => accounts.logoutAll(userId),
    deactivate: (userId) => admin.users.deactivate(userId),
    logger: logger.child({ component: 'nextcloud' }),
  });
  const sso = new SsoService({
    config,
    users: storage.users,
    accounts,
    profiles: { setDisplayName: (userId, name) => profiles.setDisplayName(userId, name) },
    directory: nextcloud.directory,
    logger: logger.child({ component: 'sso' }),
    cookieSecret: deriveSecret(context.signingKey, 'sso-state-cookie'),
  });
  const directory = createDirectoryServices(storage, { searchAllUsers: config.user_directory.search_all_users });
  return { admin, accounts, accountManagement, e2ee, sso, profiles, pushRules, pushers: pusherServices.pushers, rooms, reader, sync, notifier, storage, ephemeral, unread, media,
    notifications: new NotificationLister(storage.events, unread, formatter),
    nextcloud,
    directory,
    eventContext: new EventContextReader(storage.events, reader, formatter),
    relations: new RelationService(storage.relations, storage.events, formatter, (userId, roomId) => reader.visibleUpTo(userId, roomId)),
    loginTokens: new LoginTokenGrant({
      requireAuth: (userId, purpose, auth) => e2ee.uia.require(userId, purpose, auth),
      issueLoginToken: (userId) => accounts.issueLoginToken(userId),
    }),
    deactivation: new AccountDeactivation({
      requireAuth: (userId, purpose, auth) => e2ee.uia.require(userId, purpose, auth),
      deactivate: (userId) => admin.users.deactivate(userId),
      deleteAccountData: (userId) => storage.accountData.deleteAllForUser(userId),
      deleteThreepids: (userId) => storage.threepids.deleteAllForUser(userId),
      logger: logger.child({ component: 'accounts' }),
    }),
    upgrader: new RoomUpgrader({ writer, events: storage.events, aliases: storage.aliases, serverName: config.server_name, logger: logger.child({ component: 'rooms' }) }),
    search: new SearchService(storage.events, new SearchStore(storage.db), reader, formatter),
    reports: new ReportService({ reports: storage.reports, events: storage.events, users: storage.users, logger: logger.child({ component: 'reports' }) }),
    hierarchy: new SpaceHierarchy(storage.events, directory.publicRooms),
    eventByTimestamp: new EventByTimestamp(storage.events, reader),
    close: () => {
      ephemeral.close();
      pusherServices.delivery.close();
    },
  };
}

/** Derives a purpose-bound secret from the signing key, so operators have one secret to keep. */
function deriveSecret(signingKey: SigningKey, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', signingKey.seed, Buffer.from('lattice'), Buffer.from(purpose), 32));
}
