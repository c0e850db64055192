import type { FastifyInstance } from 'fastify';
import type { LatticeConfig } from '../../config/schema.js';
import type { Services } from '../../services.js';
import { serverVersion } from '../../admin/version.js';
import { registerAccountDataRoutes } from './account-data.js';
import { registerAdminRoutes } from './admin.js';
import { registerHealthRoutes } from './health.js';
import { registerCapabilityRoutes } from './capabilities.js';
import { registerDeviceRoutes } from './devices.js';
import { registerDirectoryRoutes } from './directory.js';
import { registerDiscoveryRoutes } from './discovery.js';
import { registerKeyBackupRoutes } from './key-backup.js';
import { registerKeyRoutes } from './keys.js';
import { registerLoginRoutes } from './login.js';
import { registerLoginTokenRoutes } from './login-token.js';
import { registerAccountDeactivationRoutes } from './account-deactivation.js';
import { registerProfileRoutes } from './profile.js';
import { registerPushRuleRoutes } from './push-rules.js';
import { registerPusherRoutes } from './pushers.js';
import { registerRegistrationRoutes } from './registration.js';
import { registerRoomEventRoutes } from './room-events.js';
import { registerRoomRoutes } from './rooms.js';
import { registerSsoRoutes } from './sso.js';
import { registerSyncRoutes } from './sync.js';
import { registerUiaFallbackRoutes } from './uia-fallback.js';
import { registerToDeviceRoutes } from './to-device.js';
import { registerMediaRoutes } from './media.js';
import { registerWebClientRoutes } from './web-client.js';
import { registerNotificationRoutes } from './notifications.js';
import { registerPresenceRoutes } from './presence.js';
import { registerAccount3pidRoutes } from './account-3pid.js';
import { registerContextRoutes } from './context.js';
import { registerRelationRoutes } from './relations.js';
import { registerRoomUpgradeRoutes } from './room-upgrade.js';
import { registerPublicRoomRoutes } from './public-rooms.js';
import { registerTagRoutes } from './tags.js';
import { registerThirdPartyRoutes } from './thirdparty.js';
import { registerUserDirectoryRoutes } from './user-directory.js';
import { registerVoipRoutes } from './voip.js';
import { registerReceiptRoutes } from './receipts.js';
import { registerTypingRoutes } from './typing.js';
import { registerSearchRoutes } from './search.js';
import { registerSpaceHierarchyRoutes } from './space-hierarchy.js';
import { registerTimestampToEventRoutes } from './timestamp-to-event.js';
import { registerReportRoutes } from './reports.js';
import { registerRefreshRoutes } from './refresh.js';
import { registerAccountPasswordRoutes } from './account-password.js';
import { registerOpenIdRoutes } from './openid.js';

export interface ApiContext {
  config: LatticeConfig;
  services: Services;
}

/** Registers the route modules in one flat list, each given only the services it uses. */
export function registerApiRoutes(app: FastifyInstance, { config, services }: ApiContext): void {
  const { storage } = services;
  registerDiscoveryRoutes(app, {
    serverName: config.server_name,
    publicBaseurl: config.public_baseurl,
    federationAuthority: federationAuthority(config.server_name),
    support: config.support,
  });
  registerLoginRoutes(app, {
    accounts: services.accounts,
    passwordLoginEnabled: config.password_config.enabled,
    identityProviders: config.sso.providers.map((provider) => ({ id: provider.id, name: provider.name })),
    publicBaseurl: config.public_baseurl,
  });
  registerLoginTokenRoutes(app, { grant: services.loginTokens });
  registerAccountDeactivationRoutes(app, { deactivation: services.deactivation });
  registerSsoRoutes(app, { sso: services.sso, frameAncestors: config.sso.frame_ancestors ?? [] });
  registerUiaFallbackRoutes(app, { stage: services.e2ee.uia, loginTokens: storage.devices, publicBaseurl: config.public_baseurl, frameAncestors: config.sso.frame_ancestors ?? [] });
  registerRegistrationRoutes(app, { ssoEnabled: config.sso.providers.length > 0 });
  registerCapabilityRoutes(app, { passwordChangesEnabled: config.password_config.enabled });
  registerProfileRoutes(app, { profiles: services.profiles });
  registerPushRuleRoutes(app, { pushRules: services.pushRules });
  registerPusherRoutes(app, { pushers: services.pushers });
  registerAccountDataRoutes(app, { accountData: storage.accountData, notifyUser: (userId, position) => services.notifier.notifyUser(userId, position) });
  registerSyncRoutes(app, { sync: services.sync, accountData: storage.accountData });
  registerRoomRoutes(app, { rooms: services.rooms, aliases: storage.aliases, events: storage.events });
  registerRoomEventRoutes(app, { rooms: services.rooms, reader: services.reader });
  registerDirectoryRoutes(app, { aliases: storage.aliases, events: storage.events, reader: services.reader, serverName: config.server_name });
  registerDeviceRoutes(app, { devices: services.e2ee.devices });
  registerKeyRoutes(app, { keys: services.e2ee.keys, crossSigning: services.e2ee.crossSigning, deviceLists: services.e2ee.deviceLists });
  registerToDeviceRoutes(app, { toDevice: services.e2ee.toDevice });
  registerKeyBackupRoutes(app, { backup: services.e2ee.backup });
  registerMediaRoutes(app, { media: services.media });
  registerWebClientRoutes(app, { ...config, frameAncestors: config.sso.frame_ancestors ?? [] });
  registerTypingRoutes(app, { typing: services.ephemeral.typing, requireJoined: (userId, roomId) => services.rooms.requireJoined(userId, roomId) });
  registerReceiptRoutes(app, { receipts: services.ephemeral.receipts });
  registerNotificationRoutes(app, { notifications: services.notifications });
  registerPresenceRoutes(app, { presence: services.ephemeral.presence, userExists: async (userId) => (await storage.users.get(userId)) !== undefined });
  registerTagRoutes(app, { accountData: storage.accountData, notifyUser: (userId, position) => services.notifier.notifyUser(userId, position) });
  registerPublicRoomRoutes(app, {
    publicRooms: services.directory.publicRooms, serverName: config.server_name, resolveAlias: async (alias) => (await storage.aliases.resolve(alias))?.roomId,
  });
  registerUserDirectoryRoutes(app, { users: services.directory.users });
  registerAccount3pidRoutes(app, { threepids: storage.threepids });
  registerThirdPartyRoutes(app);
  registerVoipRoutes(app, { turn: config.turn });
  registerContextRoutes(app, { context: services.eventContext });
  registerRelationRoutes(app, { relations: services.relations });
  registerRoomUpgradeRoutes(app, { upgrader: services.upgrader });
  registerSearchRoutes(app, { search: services.search });
  registerSpaceHierarchyRoutes(app, { hierarchy: services.hierarchy });
  registerTimestampToEventRoutes(app, { eventByTimestamp: services.eventByTimestamp });
  registerReportRoutes(app, { reports: services.reports });
  registerRefreshRoutes(app);
  registerAccountPasswordRoutes(app, { passwords: services.accountManagement.passwords });
  registerOpenIdRoutes(app, { openid: services.accountManagement.openid });
  registerHealthRoutes(app);
  registerAdminRoutes(app, { admin: services.admin, serverName: config.server_name, serverVersion: serverVersion() });
}

/** Federation goes to port 8448 unless the server name already names a port. */
function federationAuthority(serverName: string): string {
  return /:\d+$/.test(serverName) ? serverName : `${serverName}:8448`;
}
