import type { LatticeConfig } from '../config/schema.js';
import type { Logger } from '../logging.js';
import type { UploadInput } from '../media/media-service.js';
import type { Storage } from '../storage/index.js';
import { NextcloudDirectory } from './directory.js';
import { DirectorySync } from './directory-sync.js';
import { GroupSync, type GroupRoomOps } from './group-sync.js';
import { ProfileSync } from './profile-sync.js';

export type { DirectoryChange } from './changes.js';
export type { SyncReport } from './directory-sync.js';
export { DirectorySync } from './directory-sync.js';
export { NextcloudDirectory } from './directory.js';

export interface NextcloudServiceDeps {
  config: Pick<LatticeConfig, 'sso'>;
  storage: Pick<Storage, 'users' | 'threepids' | 'directoryState'>;
  rooms: GroupRoomOps;
  upload(userId: string, input: UploadInput): Promise<string>;
  profiles: {
    setAvatarUrl(userId: string, avatarUrl: string | null): Promise<void>;
    setDisplayName(userId: string, displayname: string | null): Promise<void>;
  };
  logoutAll(userId: string): Promise<void>;
  deactivate(userId: string): Promise<void>;
  logger: Logger;
  now?: () => number;
}

export interface NextcloudServices {
  directory: NextcloudDirectory;
  sync: DirectorySync;
}

/** Builds the directory (used at sign-in) and the directory sync over the same pieces. */
export function createNextcloudServices(deps: NextcloudServiceDeps): NextcloudServices {
  const { storage, logger } = deps;
  const now = deps.now ?? Date.now;
  const groups = new GroupSync({
    rooms: deps.rooms,
    admins: {
      isGroupAdmin: async (userId) => (await storage.users.get(userId))?.groupAdmin ?? false,
      setGroupAdmin: (userId, groupAdmin) => storage.users.setGroupAdmin(userId, groupAdmin),
    },
    logger,
  });
  const profiles = new ProfileSync({
    state: storage.directoryState,
    threepids: storage.threepids,
    upload: deps.upload,
    profiles: deps.profiles,
    currentProfile: async (userId) => storage.users.get(userId),
    logger,
    now,
  });
  const directory = new NextcloudDirectory({
    providers: deps.config.sso.providers,
    updateProfileOnLogin: deps.config.sso.update_profile_on_login,
    state: storage.directoryState,
    groups,
    profiles,
    logger,
    now,
  });
  const sync = new DirectorySync({
    providers: deps.config.sso.providers,
    directory,
    users: storage.users,
    logoutAll: deps.logoutAll,
    deactivate: deps.deactivate,
    logger,
  });
  return { directory, sync };
}
