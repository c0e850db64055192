import type { Storage } from '../storage/index.js';
import { UserDirectoryStore } from '../storage/user-directory.js';
import { PublicRoomDirectory } from './public-rooms.js';
import { UserDirectory } from './user-directory.js';

export interface DirectoryServices {
  publicRooms: PublicRoomDirectory;
  users: UserDirectory;
}

export function createDirectoryServices(storage: Storage, options: { searchAllUsers: boolean }): DirectoryServices {
  return {
    publicRooms: new PublicRoomDirectory(storage.events),
    users: new UserDirectory(new UserDirectoryStore(storage.db), options),
  };
}
